package main

import (
	"strings"
	"testing"
)

// --minio-notify on a bucket that cannot notify (a directory) is a usage
// error naming the flags it needs, before anything is loaded.
func TestMinIONotifyNeedsAMinIOBucket(t *testing.T) {
	_, errOut, code := runCLI(t, "load", "--follow", "--minio-notify", "--bucket", t.TempDir(),
		"--port-client-id", "id", "--port-client-secret", "s", "--port-base-url", "http://127.0.0.1:1")
	if code != 2 || !strings.Contains(errOut, "--minio-notify") || !strings.Contains(errOut, "--s3-endpoint") {
		t.Errorf("exit %d, stderr %q; want 2 and a message naming --minio-notify and --s3-endpoint", code, errOut)
	}
}
