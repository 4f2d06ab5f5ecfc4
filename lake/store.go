// Package lake is the bucket contract shared by extract and load: a Store (S3
// or a local directory), Airbyte's key layout and record envelopes, and a
// streaming gzip JSONL writer and reader.
package lake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

var (
	// ErrNotExist is wrapped by errors for a key that does not exist.
	ErrNotExist = errors.New("object does not exist")
	// ErrExist is wrapped by a Commit that would overwrite an existing key.
	ErrExist = errors.New("object already exists")
)

// Store is a bucket: S3 (aws-sdk-go-v2) or a local directory.
type Store interface {
	// List calls fn for every object whose key starts with prefix and sorts
	// after startAfter ("" = from the start), in key order. An error from fn
	// stops the listing and is returned.
	List(ctx context.Context, prefix, startAfter string, fn func(ObjectInfo) error) error
	// Create starts a streaming write of key. Nothing is visible until
	// Commit; Abort (or a failed Commit) leaves nothing behind. Commit fails
	// with an error wrapping ErrExist if key already exists: objects are
	// never overwritten. ctx governs every request the write makes.
	Create(ctx context.Context, key string) (ObjectWriter, error)
	// Open reads an object; a missing key gives an error wrapping ErrNotExist.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Put atomically writes a small object, replacing any existing one
	// (state and checkpoint files).
	Put(ctx context.Context, key string, data []byte) error
	// Delete removes an object; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// ObjectWriter is an object being written; see Store.Create.
type ObjectWriter interface {
	io.Writer
	// Commit makes the object visible under its key, or fails and leaves
	// nothing behind.
	Commit() error
	// Abort discards everything written; it is safe after Commit (a no-op).
	Abort() error
}

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	// Key is the object's full key, '/'-separated.
	Key string
	// Size is the object's size in bytes.
	Size int64
	// LastModified is when the object was written.
	LastModified time.Time
}

// StoreOptions configures OpenStore for S3; local directories ignore it.
type StoreOptions struct {
	// S3Endpoint is a custom S3 endpoint URL such as MinIO's
	// (--s3-endpoint); empty means AWS_ENDPOINT_URL_S3, else AWS. Requests
	// use path-style addressing whenever an endpoint is set.
	S3Endpoint string
	// Region is the bucket's region; default the SDK's configured region,
	// else us-east-1.
	Region string
	// AccessKey and SecretKey are optional static credentials; when empty
	// the SDK's default credential chain is used.
	AccessKey, SecretKey string
	// PartSize is the multipart upload part size in bytes (default 8 MiB,
	// minimum 5 MiB). A streaming write holds one part in memory.
	PartSize int64
	// MaxAttempts is how many times the SDK tries each request, retries
	// included; default the SDK's standard retryer (3).
	MaxAttempts int
}

// OpenStore opens "s3://bucket/prefix", "file:///dir" or a plain directory
// path. A URL it refuses as written (credentials, a query, an unknown
// scheme) gives a *BucketURLError, which never repeats credentials. It returns the store and the key prefix named by the URL: for s3 the
// path after the bucket ("" for none), for local directories always "" (the
// directory is the root).
func OpenStore(ctx context.Context, bucketURL string, opts StoreOptions) (Store, string, error) {
	switch {
	case bucketURL == "":
		return nil, "", &BucketURLError{Reason: "no bucket URL or directory given"}
	case strings.HasPrefix(bucketURL, "s3://"):
		u, err := parseBucketURL(bucketURL)
		if err != nil {
			return nil, "", err
		}
		if u.Host == "" {
			return nil, "", &BucketURLError{URL: RedactBucketURL(bucketURL), Reason: "no bucket name (s3://bucket/prefix)"}
		}
		s, err := newS3Store(ctx, u.Host, opts)
		if err != nil {
			return nil, "", err
		}
		return s, strings.Trim(u.Path, "/"), nil
	case strings.HasPrefix(bucketURL, "file://"):
		u, err := parseBucketURL(bucketURL)
		if err != nil {
			return nil, "", err
		}
		if u.Host != "" && u.Host != "localhost" {
			return nil, "", &BucketURLError{URL: RedactBucketURL(bucketURL), Reason: "file URLs must name a local path (file:///dir)"}
		}
		s, err := NewLocalStore(u.Path)
		return s, "", err
	case strings.Contains(bucketURL, "://"):
		return nil, "", &BucketURLError{URL: RedactBucketURL(bucketURL), Reason: "unsupported scheme (want s3://, file:// or a directory)"}
	default:
		s, err := NewLocalStore(bucketURL)
		return s, "", err
	}
}

// JoinKey joins key parts with '/', skipping empty parts and trimming
// slashes at the joins, so an empty prefix adds no leading slash.
func JoinKey(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		p = strings.Trim(p, "/")
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		b.WriteString(p)
	}
	return b.String()
}

// ReadJSON decodes the JSON object at key into v. A missing key gives
// found=false and no error.
func ReadJSON(ctx context.Context, s Store, key string, v any) (found bool, err error) {
	rc, err := s.Open(ctx, key)
	if errors.Is(err, ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", key, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("decoding %s: %w", key, err)
	}
	return true, nil
}

// WriteJSON atomically replaces the object at key with v as indented JSON.
func WriteJSON(ctx context.Context, s Store, key string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", key, err)
	}
	return s.Put(ctx, key, append(data, '\n'))
}

// CheckWritable proves that s can list, write, read and delete under prefix
// by round-tripping a small probe object, so a bad bucket, credentials or
// directory fail early with a clear error (oktalake check).
func CheckWritable(ctx context.Context, s Store, prefix string) error {
	key := ProbeKey(prefix)
	want := []byte("oktalake write probe\n")
	if err := s.Put(ctx, key, want); err != nil {
		return fmt.Errorf("checking bucket is writable: %w", err)
	}
	deleted := false
	defer func() {
		if !deleted {
			_ = s.Delete(context.WithoutCancel(ctx), key) // best effort: the check already failed
		}
	}()
	listed := false
	err := s.List(ctx, key, "", func(o ObjectInfo) error {
		listed = listed || o.Key == key
		return nil
	})
	if err != nil {
		return fmt.Errorf("checking bucket is listable: %w", err)
	}
	if !listed {
		return fmt.Errorf("checking bucket is listable: probe %s was written but not listed", key)
	}
	rc, err := s.Open(ctx, key)
	if err != nil {
		return fmt.Errorf("checking bucket is readable: %w", err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return fmt.Errorf("checking bucket is readable: reading %s: %w", key, err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("checking bucket is readable: probe %s read back %d bytes, want %d", key, len(got), len(want))
	}
	deleted = true
	if err := s.Delete(ctx, key); err != nil {
		return fmt.Errorf("checking bucket allows deletes: %w", err)
	}
	return nil
}

// randomHex returns n random bytes as hex, for temporary and probe names.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
