package lake

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// A bucket URL carrying credentials or a query is refused with a
// BucketURLError that says what to do instead, and the error never repeats
// the credentials or the query.
func TestOpenStoreRefusesCredentialsAndQueriesWithoutEchoingThem(t *testing.T) {
	const secret, keyID, query = "wJalrXUtnFEMIsecret", "AKIAIOSFODNN7EXAMPLE", "token=q5ecr3t"
	tests := []struct {
		url     string
		wantErr string
	}{
		{"s3://" + keyID + ":" + secret + "@bucket/x", "AWS_ACCESS_KEY_ID"},
		{"s3://" + keyID + "@bucket", "AWS_ACCESS_KEY_ID"},
		{"s3://" + keyID + ":" + secret + " x@bucket/x", "AWS_ACCESS_KEY_ID"}, // url.Parse fails on it
		{"s3://" + keyID + ":" + secret + "%zz@bucket/x", "AWS_ACCESS_KEY_ID"},
		{"file://" + keyID + ":" + secret + "@/tmp/lake", "credentials"},
		{"s3://bucket/x?" + query, "query"},
		{"s3://bucket?" + query, "query"},
		{"s3://bucket/x#" + query, "fragment"},
		{"file:///tmp/lake?" + query, "query"},
		{"s3://127.0.0.1:9000/bucket", "lake.StoreOptions.S3Endpoint"},
	}
	for _, tt := range tests {
		_, _, err := OpenStore(context.Background(), tt.url, StoreOptions{S3Endpoint: "http://127.0.0.1:1", AccessKey: "a", SecretKey: "b"})
		var bue *BucketURLError
		if !errors.As(err, &bue) {
			t.Errorf("OpenStore(%q) err = %v, want a *BucketURLError", tt.url, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.wantErr) {
			t.Errorf("OpenStore(%q) err = %q, want it to mention %q", tt.url, msg, tt.wantErr)
		}
		for _, s := range []string{secret, keyID, query} {
			if strings.Contains(msg, s) {
				t.Errorf("OpenStore(%q) err = %q repeats %q", tt.url, msg, s)
			}
		}
	}
}

func TestRedactBucketURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"s3://bucket/prefix", "s3://bucket/prefix"},
		{"s3://key:secret@bucket/prefix", "s3://REDACTED@bucket/prefix"},
		{"s3://a@b@bucket", "s3://REDACTED@bucket"},
		{"s3://bucket/x?token=1#f", "s3://bucket/x?REDACTED"},
		{"s3://k:s@bucket?x", "s3://REDACTED@bucket?REDACTED"},
		{"file:///tmp/a@b", "file:///tmp/a@b"},
		{"./lake@2", "./lake@2"},
		{"/tmp/lake?x", "/tmp/lake?x"}, // a directory name, not a URL
	}
	for _, tt := range tests {
		if got := RedactBucketURL(tt.in); got != tt.want {
			t.Errorf("RedactBucketURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
