// Package laketest gives tests a real S3 server: a MinIO binary started once
// per test process on loopback (or an endpoint named by the environment),
// a fresh bucket per test, and minio-go helpers that check what the code
// under test wrote independently of aws-sdk-go-v2.
//
// Environment:
//
//	OKTALAKE_TEST_S3_ENDPOINT, OKTALAKE_TEST_S3_ACCESS_KEY,
//	OKTALAKE_TEST_S3_SECRET_KEY, OKTALAKE_TEST_S3_REGION  use a running server
//	OKTALAKE_MINIO_BIN   the MinIO binary (default ~/.cache/oktalake/bin/minio, then $PATH)
//	OKTALAKE_REQUIRE_MINIO=1   fail instead of skipping when no server is available
package laketest

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Env is an S3 server and a bucket made for one test.
type S3Env struct {
	// Endpoint is the server's URL, e.g. http://127.0.0.1:40123.
	Endpoint string
	// AccessKey and SecretKey are the server's credentials.
	AccessKey, SecretKey string
	// Region is the region to sign requests for.
	Region string
	// Bucket is a bucket created for this test, empty at the start.
	Bucket string

	client *minio.Client
}

// startTimeout bounds how long MinIO may take to come up.
const startTimeout = 60 * time.Second

// server is the MinIO process shared by every test in the process.
type server struct {
	once   sync.Once
	mu     sync.Mutex
	env    S3Env // without Bucket
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	dir    string
	skip   string // why there is no server, when it is not an error
	err    error
}

// shared is package state by necessity: one server serves every test of a
// test binary, and Main stops it when they are done.
var shared server

// MinIO returns an S3 server with a fresh bucket for this test. It starts
// the server on first use; without a server it skips the test, or fails it
// when OKTALAKE_REQUIRE_MINIO=1.
func MinIO(tb testing.TB) *S3Env {
	tb.Helper()
	shared.once.Do(shared.start)
	if shared.err != nil {
		tb.Fatalf("laketest: starting MinIO: %v", shared.err)
	}
	if shared.skip != "" {
		if os.Getenv("OKTALAKE_REQUIRE_MINIO") == "1" {
			tb.Fatalf("laketest: OKTALAKE_REQUIRE_MINIO=1 but %s", shared.skip)
		}
		tb.Skipf("laketest: skipping S3 test: %s", shared.skip)
	}
	env := shared.env
	return env.NewBucket(tb)
}

// Main runs the tests and then stops the MinIO server, if one was
// started. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	shared.stop()
	os.Exit(code)
}

// NewBucket returns a copy of e on a new, empty bucket named after the test.
// Buckets on a server laketest started vanish with it; on an external
// server they are emptied and removed when the test ends.
func (e *S3Env) NewBucket(tb testing.TB) *S3Env {
	tb.Helper()
	c, err := e.newClient()
	if err != nil {
		tb.Fatalf("laketest: %v", err)
	}
	n := *e
	n.client = c
	n.Bucket = bucketName(tb.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.MakeBucket(ctx, n.Bucket, minio.MakeBucketOptions{Region: e.Region}); err != nil {
		tb.Fatalf("laketest: creating bucket %s at %s: %v", n.Bucket, e.Endpoint, err)
	}
	if os.Getenv("OKTALAKE_TEST_S3_ENDPOINT") != "" {
		tb.Cleanup(func() { n.removeBucket(tb) })
	}
	return &n
}

// URL returns "s3://<bucket>/<prefix>" (no trailing slash when prefix is "").
func (e *S3Env) URL(prefix string) string {
	if prefix == "" {
		return "s3://" + e.Bucket
	}
	return "s3://" + e.Bucket + "/" + strings.Trim(prefix, "/")
}

// Client returns a minio-go client for the server, independent of the
// aws-sdk-go-v2 client the code under test uses.
func (e *S3Env) Client() *minio.Client { return e.client }

// Keys lists the keys in the test's bucket under prefix, in key order.
func (e *S3Env) Keys(tb testing.TB, prefix string) []string {
	tb.Helper()
	var keys []string
	for o := range e.client.ListObjects(context.Background(), e.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			tb.Fatalf("laketest: listing s3://%s/%s: %v", e.Bucket, prefix, o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// Get reads a whole object with minio-go.
func (e *S3Env) Get(tb testing.TB, key string) []byte {
	tb.Helper()
	ctx := context.Background()
	obj, err := e.client.GetObject(ctx, e.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		tb.Fatalf("laketest: getting s3://%s/%s: %v", e.Bucket, key, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		tb.Fatalf("laketest: reading s3://%s/%s: %v", e.Bucket, key, err)
	}
	return data
}

// Put writes an object with minio-go.
func (e *S3Env) Put(tb testing.TB, key string, data []byte) {
	tb.Helper()
	_, err := e.client.PutObject(context.Background(), e.Bucket, key, strings.NewReader(string(data)), int64(len(data)), minio.PutObjectOptions{})
	if err != nil {
		tb.Fatalf("laketest: putting s3://%s/%s: %v", e.Bucket, key, err)
	}
}

// IncompleteUploads lists the keys of multipart uploads under prefix that
// were neither completed nor aborted: after a failed write there must be none.
func (e *S3Env) IncompleteUploads(tb testing.TB, prefix string) []string {
	tb.Helper()
	var keys []string
	for u := range e.client.ListIncompleteUploads(context.Background(), e.Bucket, prefix, true) {
		if u.Err != nil {
			tb.Fatalf("laketest: listing incomplete uploads in s3://%s/%s: %v", e.Bucket, prefix, u.Err)
		}
		keys = append(keys, u.Key)
	}
	return keys
}

func (e *S3Env) newClient() (*minio.Client, error) {
	host, secure := strings.CutPrefix(e.Endpoint, "https://")
	if !secure {
		host = strings.TrimPrefix(e.Endpoint, "http://")
	}
	c, err := minio.New(strings.TrimSuffix(host, "/"), &minio.Options{
		Creds:  credentials.NewStaticV4(e.AccessKey, e.SecretKey, ""),
		Secure: secure,
		Region: e.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("connecting minio-go to %s: %w", e.Endpoint, err)
	}
	return c, nil
}

func (e *S3Env) removeBucket(tb testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for o := range e.client.ListObjects(ctx, e.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err == nil {
			_ = e.client.RemoveObject(ctx, e.Bucket, o.Key, minio.RemoveObjectOptions{})
		}
	}
	for u := range e.client.ListIncompleteUploads(ctx, e.Bucket, "", true) {
		if u.Err == nil {
			_ = e.client.RemoveIncompleteUpload(ctx, e.Bucket, u.Key)
		}
	}
	if err := e.client.RemoveBucket(ctx, e.Bucket); err != nil {
		tb.Logf("laketest: removing bucket %s: %v", e.Bucket, err)
	}
}

// bucketName makes a valid, unique S3 bucket name from a test name.
func bucketName(test string) string {
	var b strings.Builder
	b.WriteString("t-")
	for _, r := range strings.ToLower(test) {
		if b.Len() >= 44 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	name := strings.TrimRight(b.String(), "-")
	return name + "-" + randomHex(6)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// start finds or starts the server; it runs once per process.
func (s *server) start() {
	if ep := os.Getenv("OKTALAKE_TEST_S3_ENDPOINT"); ep != "" {
		s.env = S3Env{
			Endpoint:  ep,
			AccessKey: os.Getenv("OKTALAKE_TEST_S3_ACCESS_KEY"),
			SecretKey: os.Getenv("OKTALAKE_TEST_S3_SECRET_KEY"),
			Region:    cmp.Or(os.Getenv("OKTALAKE_TEST_S3_REGION"), "us-east-1"),
		}
		return
	}
	bin := minioBinary()
	if bin == "" {
		s.skip = "no S3 server: set OKTALAKE_TEST_S3_ENDPOINT, or OKTALAKE_MINIO_BIN to a MinIO binary, or build one into ~/.cache/oktalake/bin/minio"
		return
	}
	if _, err := os.Stat(bin); err != nil {
		s.skip = fmt.Sprintf("no MinIO binary at OKTALAKE_MINIO_BIN=%s: %v", bin, err)
		return
	}
	s.err = s.launch(bin)
}

func minioBinary() string {
	if bin := os.Getenv("OKTALAKE_MINIO_BIN"); bin != "" {
		return bin
	}
	if home, err := os.UserHomeDir(); err == nil {
		bin := filepath.Join(home, ".cache", "oktalake", "bin", "minio")
		if fi, err := os.Stat(bin); err == nil && !fi.IsDir() {
			return bin
		}
	}
	if bin, err := exec.LookPath("minio"); err == nil {
		return bin
	}
	return ""
}

// launch starts MinIO in a temp dir and waits for it to serve. Ports are
// picked free just before the start; a lost race is retried.
func (s *server) launch(bin string) error {
	dir, err := os.MkdirTemp("", "oktalake-minio-")
	if err != nil {
		return fmt.Errorf("creating data directory: %w", err)
	}
	s.dir = dir
	user, pass := "oktalake", randomHex(16)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		addr, console := freeAddr(), freeAddr()
		if addr == "" || console == "" {
			return errors.New("finding free loopback ports")
		}
		logPath := filepath.Join(dir, fmt.Sprintf("minio-%d.log", attempt))
		logf, err := os.Create(logPath)
		if err != nil {
			return fmt.Errorf("creating log file: %w", err)
		}
		cmd := exec.Command(bin, "server", filepath.Join(dir, "data"), "--address", addr, "--console-address", console, "--quiet")
		cmd.Env = append(os.Environ(),
			"MINIO_ROOT_USER="+user, "MINIO_ROOT_PASSWORD="+pass,
			"MINIO_BROWSER=off", "MINIO_UPDATE=off")
		cmd.Stdout, cmd.Stderr = logf, logf
		setParentDeathSignal(cmd)
		if err := cmd.Start(); err != nil {
			logf.Close()
			return fmt.Errorf("running %s: %w", bin, err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); logf.Close(); close(exited) }()
		endpoint := "http://" + addr
		if err := waitReady(endpoint, exited); err != nil {
			_ = cmd.Process.Kill()
			<-exited
			out, _ := os.ReadFile(logPath)
			lastErr = fmt.Errorf("%s on %s: %w; log:\n%s", bin, addr, err, tail(out, 2000))
			continue
		}
		s.cmd, s.exited = cmd, exited
		s.env = S3Env{Endpoint: endpoint, AccessKey: user, SecretKey: pass, Region: "us-east-1"}
		return nil
	}
	return lastErr
}

func waitReady(endpoint string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("server exited during start-up")
		default:
		}
		resp, err := client.Get(endpoint + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("server not ready after %v", startTimeout)
}

func (s *server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		<-s.exited
		s.cmd = nil
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
		s.dir = ""
	}
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return ""
	}
	defer l.Close()
	return l.Addr().String()
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
