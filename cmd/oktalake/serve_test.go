package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/load/porttest"
	"github.com/oktalake/oktalake/schemas"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// The whole live path over HTTP: `oktalake event-hooks register` against
// the simulated org, `oktalake serve` loading into the simulated Port; a
// change in Okta reaches Port within seconds; cancelling (what SIGTERM
// does) stops serve with exit code 0.
func TestServeEndToEnd(t *testing.T) {
	org := oktatest.NewOrg(oktatest.DefaultOrgConfig())
	okta := oktatest.NewServer(org, oktatest.Options{Token: "tok", AllowHTTPHooks: true})
	t.Cleanup(okta.Close)
	bps, err := schemas.PortBlueprints()
	if err != nil {
		t.Fatal(err)
	}
	port := porttest.NewServer(porttest.Options{Blueprints: bps})
	t.Cleanup(port.Close)
	addr := freeAddr(t)
	const secret = "e2e-hook-secret"
	oktaArgs := []string{"--okta-domain", okta.URL, "--okta-api-token", "tok"}
	args := append([]string{"oktalake", "serve", "--listen", addr, "--event-hook-secret", secret, "--bucket", t.TempDir(),
		"--port-client-id", port.ClientID, "--port-client-secret", port.ClientSecret, "--port-base-url", port.URL, "--group-window", "20ms"}, oktaArgs...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	exited := make(chan int, 1)
	go func() { exited <- run(ctx, args, &stdout, &stderr) }()
	waitReady(t, "http://"+addr+"/readyz", exited, &stderr)

	out, errOut, code := runCLI(t, append([]string{"event-hooks", "register", "--url", "http://" + addr + "/okta/event-hooks", "--event-hook-secret", secret}, oktaArgs...)...)
	if code != 0 {
		t.Fatalf("register: %d\n%s%s", code, out, errOut)
	}
	user, group := org.UserID(5), org.GroupID(3)
	member := org.UserID(org.Config().Users - 1)
	start := time.Now()
	if err := org.UpdateUser(user, time.Now(), oktatest.UserChange{Status: "SUSPENDED"}); err != nil {
		t.Fatal(err)
	}
	if err := org.AddGroupMember(group, member, time.Now()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		e, ok := port.Entity("okta_user", user)
		_, member := port.Entity("okta_group_membership", group+"_"+member)
		if ok && e.Properties["status"] == "SUSPENDED" && member {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the changes did not reach Port: user %v (found %v), membership %v\nserve log:\n%s", e.Properties["status"], ok, member, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("Okta change → Port entity in %v", time.Since(start))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the change took %v to reach Port", d)
	}
	// A load pass counts its entities once it ends, which may be a little
	// after they are in Port.
	wants := []string{
		`oktalake_event_hook_deliveries_total{result="accepted"}`, `oktalake_event_hook_events_total{result="new"}`,
		`oktalake_commits_total{result="ok",stream="event_hook_events"}`, `oktalake_refreshes_total{result="record",stream="users"}`,
		`oktalake_okta_requests_total{bucket="users",code="200"}`, `oktalake_okta_rate_limit_remaining{bucket="users"}`,
		`oktalake_entities_loaded_total{stream="users"}`, `oktalake_event_hook_ack_seconds_count`,
	}
	var missing []string
	for metricsBy := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get("http://" + addr + "/metrics")
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("/metrics: %v %v", res, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		missing = missing[:0]
		for _, want := range wants {
			if !bytes.Contains(b, []byte(want)) {
				missing = append(missing, want)
			}
		}
		if len(missing) == 0 || time.Now().After(metricsBy) {
			break
		}
	}
	for _, m := range missing {
		t.Errorf("/metrics lacks %s", m)
	}
	stopAt := time.Now()
	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("serve exited %d after the stop\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop within 10 s")
	}
	if d := time.Since(stopAt); d > 5*time.Second {
		t.Errorf("stopping took %v", d)
	}
	if strings.Contains(stderr.String()+stdout.String(), secret) {
		t.Error("the secret is in serve's output")
	}
	// serve's loads take the extracted streams, each of which the mapping covers.
	if strings.Contains(stderr.String(), "no mapping applied") {
		t.Errorf("a load pass found a stream no mapping covers:\n%s", stderr.String())
	}
}

func waitReady(t *testing.T, url string, exited chan int, stderr fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case code := <-exited:
			t.Fatalf("serve exited %d:\n%s", code, stderr)
		default:
		}
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready:\n%s", stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serve refuses to start without the secret, with half a TLS pair.
func TestServeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--bucket", t.TempDir()},
		{"serve", "--bucket", t.TempDir(), "--event-hook-secret", "s", "--tls-cert", "x.pem"},
		{"serve", "--bucket", t.TempDir(), "--event-hook-secret", "s", "--max-body-size", "10"},
	} {
		if _, errOut, code := runCLI(t, args...); code != 2 {
			t.Errorf("%v: code %d, want 2\n%s", args, code, errOut)
		}
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their files and a pool trusting the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "oktalake serve test"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// serve behind its own TLS: Okta, which calls HTTPS endpoints only,
// verifies the hook and delivers to it.
func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	org := oktatest.NewOrg(oktatest.DefaultOrgConfig())
	okta := oktatest.NewServer(org, oktatest.Options{Token: "tok", HookClient: trusting}) // HTTPS only, as Okta
	t.Cleanup(okta.Close)
	addr := freeAddr(t)
	bucket := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"oktalake", "serve", "--listen", addr, "--event-hook-secret", "tls-secret", "--bucket", bucket,
			"--tls-cert", certFile, "--tls-key", keyFile, "--okta-domain", okta.URL, "--okta-api-token", "tok"}, &stdout, &stderr)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := trusting.Get("https://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready over HTTPS: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, _, code := runCLI(t, "event-hooks", "register", "--okta-domain", okta.URL, "--okta-api-token", "tok",
		"--url", "https://"+addr+"/okta/event-hooks", "--event-hook-secret", "tls-secret"); code != 0 {
		t.Fatalf("register over HTTPS failed\n%s", stderr.String())
	}
	if err := org.UpdateUser(org.UserID(2), time.Now(), oktatest.UserChange{Department: "tls"}); err != nil {
		t.Fatal(err)
	}
	for {
		ds := okta.HookDeliveries()
		if len(ds) > 0 && ds[len(ds)-1].Status == http.StatusOK {
			break
		}
		if time.Now().After(deadline.Add(5 * time.Second)) {
			t.Fatalf("no acknowledged delivery over HTTPS: %+v\n%s", ds, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-exited; code != 0 {
		t.Errorf("serve exited %d\n%s", code, stderr.String())
	}
}
