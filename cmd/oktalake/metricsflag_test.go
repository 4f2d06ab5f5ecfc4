package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
)

// `extract --every --metrics-listen` exports the Okta client's requests and
// rate-limit headroom per bucket while it runs.
func TestExtractMetricsListen(t *testing.T) {
	okta := oktatest.NewServer(oktatest.NewOrg(oktatest.DefaultOrgConfig()), oktatest.Options{Token: "tok", Limits: map[string]int{oktatest.BucketUsers: 1000}})
	t.Cleanup(okta.Close)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"oktalake", "extract", "--okta-domain", okta.URL, "--okta-api-token", "tok", "--bucket", t.TempDir(),
			"--streams", "users", "--every", "1h", "--metrics-listen", addr}, &stdout, &stderr)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		text := ""
		if res, err := http.Get("http://" + addr + "/metrics"); err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			text = string(b)
		}
		if strings.Contains(text, `oktalake_okta_requests_total{bucket="users",code="200"}`) &&
			strings.Contains(text, `oktalake_okta_rate_limit_remaining{bucket="users"}`) {
			break
		}
		select {
		case code := <-exited:
			t.Fatalf("extract exited %d\n%s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no Okta metrics on /metrics:\n%.2000s\nlog:\n%s", text, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if code := <-exited; code != 0 {
		t.Errorf("extract --every exited %d after the stop\n%s", code, stderr.String())
	}
}
