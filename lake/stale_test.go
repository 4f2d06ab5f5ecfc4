package lake

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/oktalake/oktalake/lake/laketest"
)

// After a SIGKILL, S3 keeps incomplete multipart uploads forever. CleanStale
// aborts those under its prefix that are old enough, and leaves young ones
// (a concurrent run's live upload) and other prefixes alone.
func TestCleanStaleAbortsIncompleteUploads(t *testing.T) {
	env := laketest.MinIO(t)
	store := openS3(t, env)
	s3s := store.(*s3Store)
	ctx := context.Background()
	// MinIO lists uploads for an exact key or the whole bucket only.
	uploadsUnder := func(prefix string) []string {
		var out []string
		for _, k := range env.IncompleteUploads(t, "") {
			if strings.HasPrefix(k, prefix) {
				out = append(out, k)
			}
		}
		return out
	}
	start := func(key string) {
		t.Helper()
		// What a killed writer leaves: an upload started, a part sent, never completed.
		out, err := s3s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(env.Bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s3s.client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(env.Bucket), Key: aws.String(key), UploadId: out.UploadId,
			PartNumber: aws.Int32(1), Body: strings.NewReader("part")}); err != nil {
			t.Fatal(err)
		}
	}
	start("data/okta/users/year=2026/month=11/20_1_0.jsonl.gz")
	start("data/okta/logs/year=2026/month=11/20_1_0.jsonl.gz")
	start("data/other/users/year=2026/month=11/20_1_0.jsonl.gz")
	cleaner, ok := store.(StaleCleaner)
	if !ok {
		t.Fatal("the S3 store cannot clean stale uploads")
	}

	// Young uploads survive a positive age threshold.
	if n, err := cleaner.CleanStale(ctx, "data/okta/", time.Hour); err != nil || n != 0 {
		t.Fatalf("CleanStale(1h) = %d, %v; want the young uploads kept", n, err)
	}
	if got := uploadsUnder("data/okta/"); len(got) != 2 {
		t.Fatalf("incomplete uploads after CleanStale(1h) = %v, want both kept", got)
	}
	// Backdating an upload is impossible: a zero threshold takes every age.
	n, err := cleaner.CleanStale(ctx, "data/okta/", 0)
	if err != nil || n != 2 {
		t.Fatalf("CleanStale(0) = %d, %v; want 2 aborted", n, err)
	}
	if got := uploadsUnder("data/okta/"); len(got) != 0 {
		t.Errorf("incomplete uploads left under data/okta/: %v", got)
	}
	if got := uploadsUnder("data/other/"); len(got) != 1 {
		t.Errorf("uploads outside the prefix = %v, want the one kept", got)
	}
}

// After a SIGKILL, a directory keeps the .tmp-* files of objects never
// committed. CleanStale removes those under its prefix older than the
// threshold, by modification time.
func TestCleanStaleRemovesTempFiles(t *testing.T) {
	dir := t.TempDir()
	store, err := NewLocalStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	open := func(key string) ObjectWriter {
		t.Helper()
		w, err := store.Create(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("half an object")); err != nil {
			t.Fatal(err)
		}
		return w // never committed: the process "dies" here
	}
	old := open("data/okta/users/year=2026/month=11/20_1_0.jsonl.gz")
	young := open("data/okta/logs/year=2026/month=11/20_2_0.jsonl.gz")
	other := open("data/other/users/year=2026/month=11/20_1_0.jsonl.gz")
	defer young.Abort()
	defer other.Abort()
	if err := create(t, store, "data/okta/users/year=2026/month=11/20_0_0.jsonl.gz", []byte("whole")); err != nil {
		t.Fatal(err)
	}
	tmpOf := func(w ObjectWriter) string { return filepath.Join(dir, w.(*localWriter).t.name) }
	day := time.Now().Add(-25 * time.Hour)
	if err := os.Chtimes(tmpOf(old), day, day); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(tmpOf(other), day, day); err != nil {
		t.Fatal(err)
	}

	n, err := store.(StaleCleaner).CleanStale(ctx, "data/okta/", DefaultStaleAge)
	if err != nil || n != 1 {
		t.Fatalf("CleanStale(24h) = %d, %v; want the one old temp file removed", n, err)
	}
	if _, err := os.Stat(tmpOf(old)); !os.IsNotExist(err) {
		t.Errorf("the old temp file is still there (%v)", err)
	}
	for _, w := range []ObjectWriter{young, other} {
		if _, err := os.Stat(tmpOf(w)); err != nil {
			t.Errorf("%s removed: %v", tmpOf(w), err)
		}
	}
	if got := listKeys(t, store, "data/okta/", ""); !slices.Equal(got, []string{"data/okta/users/year=2026/month=11/20_0_0.jsonl.gz"}) {
		t.Errorf("objects = %v, want the committed one untouched", got)
	}
	// A zero threshold takes the young one too; nothing outside the prefix.
	if n, err := store.(StaleCleaner).CleanStale(ctx, "data/okta/", 0); err != nil || n != 1 {
		t.Fatalf("CleanStale(0) = %d, %v; want the young temp file removed", n, err)
	}
	if _, err := os.Stat(tmpOf(other)); err != nil {
		t.Errorf("a temp file outside the prefix was removed: %v", err)
	}
}
