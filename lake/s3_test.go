package lake

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake/laketest"
)

// openS3 opens the test bucket with a 5 MiB part size, S3's minimum, so
// multipart uploads are exercised with little data.
func openS3(t *testing.T, env *laketest.S3Env) Store {
	t.Helper()
	opts := s3Options(env)
	opts.PartSize = minPartSize
	s, _, err := OpenStore(context.Background(), env.URL(""), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// writeChunks writes data to w in 1 MiB writes.
func writeChunks(t *testing.T, w ObjectWriter, data []byte) error {
	t.Helper()
	for len(data) > 0 {
		n := min(len(data), 1<<20)
		if _, err := w.Write(data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

func TestS3MultipartRoundTrip(t *testing.T) {
	env := laketest.MinIO(t)
	s := openS3(t, env)
	ctx := context.Background()
	tests := []struct {
		name string
		size int
	}{
		{"single put", maxConditionalPut},
		{"one short part", maxConditionalPut + 1},
		{"one part of 3 MiB", 3 << 20},
		{"exactly one part", minPartSize},
		{"three parts", 12 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "mp/" + strings.ReplaceAll(tt.name, " ", "-")
			data := randomBytes(t, tt.size)
			w, err := s.Create(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if err := writeChunks(t, w, data); err != nil {
				t.Fatal(err)
			}
			if got := env.IncompleteUploads(t, key); tt.size > minPartSize && len(got) != 1 {
				t.Errorf("mid-write incomplete uploads = %q, want the one in progress", got)
			}
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
			// Read back with minio-go, independently of aws-sdk-go-v2.
			if got := env.Get(t, key); !bytes.Equal(got, data) {
				t.Errorf("minio-go read %d bytes, want the %d written", len(got), len(data))
			}

			// MinIO honours If-None-Match on PutObject and on
			// CompleteMultipartUpload: a second commit is refused.
			w, err = s.Create(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if err := writeChunks(t, w, randomBytes(t, tt.size)); err != nil {
				t.Fatal(err)
			}
			if err := w.Commit(); !errors.Is(err, ErrExist) {
				t.Errorf("overwriting commit: err = %v, want ErrExist", err)
			}
			if got := env.Get(t, key); !bytes.Equal(got, data) {
				t.Error("refused overwrite changed the object")
			}
			if got := env.IncompleteUploads(t, ""); len(got) != 0 {
				t.Errorf("incomplete uploads left: %q", got)
			}
		})
	}
}

func TestS3FailedWriteLeavesNothing(t *testing.T) {
	env := laketest.MinIO(t)
	s := openS3(t, env)
	tests := []struct {
		name string
		end  func(w ObjectWriter, cancel context.CancelFunc) error
	}{
		{"cancel then write", func(w ObjectWriter, cancel context.CancelFunc) error {
			cancel()
			_, err := w.Write([]byte("more"))
			return err
		}},
		{"cancel then commit", func(w ObjectWriter, cancel context.CancelFunc) error {
			cancel()
			return w.Commit()
		}},
		{"abort", func(w ObjectWriter, cancel context.CancelFunc) error {
			if err := w.Abort(); err != nil {
				t.Fatal(err)
			}
			return w.Commit()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			key := "fail/" + strings.ReplaceAll(tt.name, " ", "-")
			w, err := s.Create(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if err := writeChunks(t, w, randomBytes(t, 11<<20)); err != nil {
				t.Fatal(err)
			}
			if got := env.IncompleteUploads(t, key); len(got) != 1 {
				t.Fatalf("mid-write incomplete uploads = %q, want one (else this test proves nothing)", got)
			}
			if err := tt.end(w, cancel); err == nil {
				t.Fatal("write unexpectedly succeeded")
			}
			if got := env.Keys(t, ""); len(got) != 0 {
				t.Errorf("objects left: %q", got)
			}
			if got := env.IncompleteUploads(t, ""); len(got) != 0 {
				t.Errorf("incomplete uploads left: %q", got)
			}
		})
	}
}

func TestS3ClearErrors(t *testing.T) {
	env := laketest.MinIO(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := l.Addr().String()
	l.Close()
	const badSecret = "wrong-secret-do-not-print"
	tests := []struct {
		name    string
		url     string
		opts    StoreOptions
		wantErr []string
	}{
		{"unreachable endpoint", "s3://somebucket",
			StoreOptions{S3Endpoint: "http://" + closedAddr, AccessKey: "a", SecretKey: "b", MaxAttempts: 1},
			[]string{"cannot reach S3 endpoint http://" + closedAddr, "s3://somebucket"}},
		{"missing bucket", "s3://no-such-bucket-oktalake", s3Options(env),
			[]string{`bucket "no-such-bucket-oktalake" does not exist at ` + env.Endpoint}},
		{"wrong secret", env.URL(""),
			StoreOptions{S3Endpoint: env.Endpoint, AccessKey: env.AccessKey, SecretKey: badSecret},
			[]string{"access denied to bucket " + `"` + env.Bucket + `"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s, _, err := OpenStore(ctx, tt.url, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			errs := map[string]error{
				"list":  s.List(ctx, "", "", func(ObjectInfo) error { return nil }),
				"put":   s.Put(ctx, "k", []byte("v")),
				"check": CheckWritable(ctx, s, "data"),
				"commit": func() error {
					w, err := s.Create(ctx, "k2")
					if err != nil {
						return err
					}
					w.Write([]byte("v"))
					return w.Commit()
				}(),
			}
			for op, err := range errs {
				if err == nil {
					t.Errorf("%s: no error", op)
					continue
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("%s: error %q does not contain %q", op, err, want)
					}
				}
				if strings.Contains(err.Error(), badSecret) {
					t.Errorf("%s: error reveals the secret key: %q", op, err)
				}
			}
		})
	}
}
