package laketest

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

func TestBucketName(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
	for _, name := range []string{"TestX", "TestWriter/s3/v2", strings.Repeat("VeryLong_", 20), "Test--__//", "_"} {
		b := bucketName(name)
		if !valid.MatchString(b) || strings.Contains(b, "--") {
			t.Errorf("bucketName(%q) = %q, not a valid S3 bucket name", name, b)
		}
		if b == bucketName(name) {
			t.Errorf("bucketName(%q) is not unique", name)
		}
	}
}

func TestMinIO(t *testing.T) {
	env := MinIO(t)
	other := env.NewBucket(t)
	if other.Bucket == env.Bucket {
		t.Fatal("NewBucket reused the bucket")
	}
	env.Put(t, "a/1", []byte("one"))
	env.Put(t, "a/0", []byte("zero"))
	if got := env.Keys(t, "a/"); !slices.Equal(got, []string{"a/0", "a/1"}) {
		t.Errorf("Keys = %q", got)
	}
	if got := string(env.Get(t, "a/1")); got != "one" {
		t.Errorf("Get = %q", got)
	}
	if got := other.Keys(t, ""); len(got) != 0 {
		t.Errorf("fresh bucket holds %q", got)
	}
	if got := env.IncompleteUploads(t, ""); len(got) != 0 {
		t.Errorf("IncompleteUploads = %q", got)
	}
	if env.URL("") != "s3://"+env.Bucket || env.URL("/p/") != "s3://"+env.Bucket+"/p" {
		t.Errorf("URL gives %q and %q", env.URL(""), env.URL("/p/"))
	}
}
