package lake

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake/laketest"
)

// EnsureBucket creates a missing bucket once and accepts an existing one.
func TestEnsureBucket(t *testing.T) {
	env := laketest.MinIO(t)
	fresh := *env
	fresh.Bucket = fmt.Sprintf("fresh-%d", time.Now().UnixNano())
	s, _, err := OpenStore(context.Background(), fresh.URL(""), s3Options(&fresh))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckWritable(context.Background(), s, "data"); err == nil {
		t.Fatal("a missing bucket was writable")
	}
	for i := 0; i < 2; i++ {
		if err := EnsureBucket(context.Background(), s); err != nil {
			t.Fatalf("EnsureBucket #%d: %v", i+1, err)
		}
	}
	if err := CheckWritable(context.Background(), s, "data"); err != nil {
		t.Fatalf("the created bucket is not writable: %v", err)
	}
}
