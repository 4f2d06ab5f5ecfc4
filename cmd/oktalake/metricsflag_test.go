package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/load/porttest"
	"github.com/oktalake/oktalake/schemas"
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

// `load --follow --metrics-listen` exports the entities it loads.
func TestLoadMetricsListen(t *testing.T) {
	okta := oktatest.NewServer(oktatest.NewOrg(oktatest.DefaultOrgConfig()), oktatest.Options{Token: "tok"})
	t.Cleanup(okta.Close)
	bucket := t.TempDir()
	if out, errOut, code := runCLI(t, "extract", "--okta-domain", okta.URL, "--okta-api-token", "tok", "--bucket", bucket, "--streams", "users"); code != 0 {
		t.Fatalf("extract: %d\n%s%s", code, out, errOut)
	}
	bps, err := schemas.PortBlueprints()
	if err != nil {
		t.Fatal(err)
	}
	port := porttest.NewServer(porttest.Options{Blueprints: bps})
	t.Cleanup(port.Close)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"oktalake", "load", "--follow", "--bucket", bucket, "--port-client-id", port.ClientID,
			"--port-client-secret", port.ClientSecret, "--port-base-url", port.URL, "--metrics-listen", addr}, &stdout, &stderr)
	}()
	want := fmt.Sprintf(`oktalake_entities_loaded_total{stream="all"} %d`, oktatest.NewOrg(oktatest.DefaultOrgConfig()).Count("users"))
	deadline := time.Now().Add(20 * time.Second)
	for {
		text := ""
		if res, err := http.Get("http://" + addr + "/metrics"); err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			text = string(b)
		}
		if strings.Contains(text, want) {
			break
		}
		select {
		case code := <-exited:
			t.Fatalf("load exited %d\n%s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s on /metrics (%d users in Port):\n%.1500s\nlog:\n%s", want, len(port.Entities("okta_user")), text, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if code := <-exited; code != 0 {
		t.Errorf("load --follow exited %d after the stop\n%s", code, stderr.String())
	}
}
