package load

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/porttest"
)

// TestSecretsNotLogged loads with every log at debug level, through a 401
// that forces a token renewal, retries and refused entities, and with a
// wrong secret: neither the client secret nor any access token Port issued
// appears in the logs, the errors or the summary.
func TestSecretsNotLogged(t *testing.T) {
	const secret = "SeCrEt-d0-not-LOG-7f3a9c2e81b4"
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	store := newStore(t)
	recs := users(0, 120)
	recs[10]["status"] = 1 // refused by Port: a dead letter with Port's words
	putObject(t, store, dataKey("users", "01_1000_0"), recs)
	pe := newPort(t, portSetup{
		server: porttest.Options{ClientSecret: secret, Faults: []porttest.Fault{
			{From: 2, Count: 1, Status: http.StatusUnauthorized},
			{From: 4, Count: 1, Status: http.StatusInternalServerError},
		}},
		client: port.Config{ClientSecret: secret, Logger: logger},
	})
	sum, err := newLoader(t, store, pe, Config{Logger: logger}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sum.WriteTo(&out)
	if pe.count("okta_user") != 119 || sum.DeadLettered() != 1 {
		t.Fatalf("loaded %d users with %d dead letters, want 119 and 1", pe.count("okta_user"), sum.DeadLettered())
	}

	// A wrong secret fails, and the error does not quote it.
	const wrong = "WrOnG-secret-4d1e77b0c9"
	bad := newPort(t, portSetup{client: port.Config{ClientSecret: wrong, Logger: logger}})
	_, badErr := newLoader(t, store, bad, Config{Name: "other", Logger: logger}).Run(context.Background())
	if badErr == nil {
		t.Fatal("a wrong client secret loaded without error")
	}

	tokens := append(pe.paths.issued(), bad.paths.issued()...)
	if len(pe.paths.issued()) < 2 {
		t.Fatalf("%d tokens issued, want a renewal after the 401", len(pe.paths.issued()))
	}
	for _, want := range []string{"port token rejected; renewing", "port request failed; retrying", "dead letter", "port access token issued"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the debug log lacks %q: the test did not exercise that path", want)
		}
	}
	texts := map[string]string{"log": logs.String(), "summary": out.String(), "error": badErr.Error()}
	for name, text := range texts {
		for i, s := range append([]string{secret, wrong}, tokens...) {
			if strings.Contains(text, s) {
				t.Errorf("the %s contains secret #%d (0, 1: client secrets; then access tokens)", name, i)
			}
		}
	}
}
