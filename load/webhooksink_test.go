package load

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/webhook"
	"github.com/oktalake/oktalake/schemas"
)

const webhookSecret = "webhook-secret-not-real"

// seedWebhook creates seed 003's webhook integration in pe's Port, signed
// with sha256 under X-Okta-Signature, and returns a client for its URL.
func seedWebhook(t *testing.T, pe *portEnv, secret string) *webhook.Client {
	t.Helper()
	m, err := schemas.Mapping("seed003.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := pe.client.PutWebhook(context.Background(), port.Webhook{
		Identifier: "okta-lake", Title: "Okta (oktalake)", Mappings: m, Enabled: true,
		Security: port.WebhookSecurity{Secret: webhookSecret, SignatureHeaderName: "X-Okta-Signature", SignatureAlgorithm: "sha256", SignaturePrefix: "sha256=",
			RequestIdentifierPath: webhook.RequestIdentifierPath(webhook.DefaultRequestIDHeader)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || !strings.HasPrefix(res.URL, pe.srv.IngestURL+"/") {
		t.Fatalf("PutWebhook: %+v (ingest at %s)", res, pe.srv.IngestURL)
	}
	c, err := webhook.New(webhook.Config{URL: res.URL, Secret: secret, SignatureHeader: "X-Okta-Signature", Algorithm: "sha256", Prefix: "sha256=", Clock: oktatest.NewManualClock(testNow)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The webhook path makes, through Port's own mapping, the entities the
// entity path makes from the same mapping here: seed 003's mapping works
// unchanged on what the loader posts. Each record is posted once, signed;
// the checkpoint then says every object is loaded, and a second run posts
// nothing.
func TestWebhookLoadMatchesEntityLoad(t *testing.T) {
	store := newStore(t)
	extractOrg(t, store, "data")

	viaEntities := newPort(t, portSetup{})
	m, err := schemas.Mapping("seed003.json")
	if err != nil {
		t.Fatal(err)
	}
	run(t, newLoader(t, store, viaEntities, Config{Name: "entities", Mapping: parseMapping(t, m)}))

	viaWebhook := newPort(t, portSetup{})
	hook := seedWebhook(t, viaWebhook, webhookSecret)
	l, err := New(context.Background(), Config{Store: store, Name: "webhook", Webhook: hook})
	if err != nil {
		t.Fatal(err)
	}
	sum := run(t, l)
	if n := sum.DeadLettered(); n != 0 {
		t.Fatalf("%d records dead-lettered", n)
	}
	st := viaWebhook.srv.WebhookStats()
	var records int64
	for _, s := range sum.Streams {
		records += s.Records
	}
	if st.BadSignature != 0 || st.Duplicates != 0 || int64(st.Ingested) != records || records == 0 {
		t.Fatalf("webhook stats %+v for %d records", st, records)
	}
	for _, bp := range []string{"okta_user", "okta_role", "okta_permission", "okta_role_assignment", "okta_event"} {
		want, got := viaEntities.srv.Entities(bp), viaWebhook.srv.Entities(bp)
		if len(want) == 0 {
			t.Errorf("%s: the entity path made none", bp)
		}
		if !reflect.DeepEqual(jsonOf(t, got), jsonOf(t, want)) {
			t.Errorf("%s: the webhook path made %d entities, the entity path %d; first differing:\n%s", bp, len(got), len(want), firstDiff(t, got, want))
		}
	}

	cp := readCheckpoint(t, store, "data", "webhook")
	var done int
	for _, sc := range cp.Streams {
		done += len(sc.Done)
	}
	if done == 0 {
		t.Fatal("the webhook loader checkpointed nothing")
	}
	again := run(t, newWebhookLoader(t, store, hook))
	var againObjects int64
	for _, s := range again.Streams {
		againObjects += s.Objects
	}
	if againObjects != 0 || viaWebhook.srv.WebhookStats().Received != st.Received {
		t.Errorf("a second run posted again: %d objects, %d requests (first run %d)", againObjects, viaWebhook.srv.WebhookStats().Received, st.Received)
	}
}

func newWebhookLoader(t *testing.T, store lake.Store, hook *webhook.Client) *Loader {
	t.Helper()
	l, err := New(context.Background(), Config{Store: store, Name: "webhook", Webhook: hook})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func jsonOf(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func firstDiff(t *testing.T, got, want any) string {
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	for i := 0; i < len(g) && i < len(w); i++ {
		if g[i] != w[i] {
			lo := max(0, i-200)
			return "got  …" + string(g[lo:min(len(g), i+200)]) + "\nwant …" + string(w[lo:min(len(w), i+200)])
		}
	}
	return "(one is a prefix of the other)"
}

// A wrong secret: Port drops every post, the load fails and nothing is
// checkpointed, so the objects load again once the secret is right.
func TestWebhookWrongSecretFailsTheLoad(t *testing.T) {
	store := newStore(t)
	putObject(t, store, dataKey("users", "01_1_0"), seedUsers(0, 3))
	pe := newPort(t, portSetup{})
	hook := seedWebhook(t, pe, "another-secret")
	_, err := newWebhookLoader(t, store, hook).Run(context.Background())
	if !errors.Is(err, webhook.ErrUnauthorized) {
		t.Fatalf("Run: %v, want ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), "another-secret") || strings.Contains(err.Error(), strings.TrimPrefix(hookURLKey(t, pe), "/")) {
		t.Errorf("the error shows a secret: %v", err)
	}
	if found, err := lake.ReadJSON(context.Background(), store, lake.CheckpointKey("data", "webhook"), &Checkpoint{}); found || err != nil {
		t.Errorf("a checkpoint after a failed load (found %v, %v)", found, err)
	}
	if st := pe.srv.WebhookStats(); st.Ingested != 0 || st.BadSignature == 0 {
		t.Errorf("stats %+v", st)
	}
	good := seedWebhookClient(t, pe, webhookSecret)
	run(t, newWebhookLoader(t, store, good))
	if n := pe.count("okta_user"); n != 3 {
		t.Errorf("%d users after the secret was fixed, want 3", n)
	}
}

func hookURLKey(t *testing.T, pe *portEnv) string {
	url, _, ok := pe.srv.Webhook("okta-lake")
	if !ok {
		t.Fatal("no webhook")
	}
	return strings.TrimPrefix(url, pe.srv.IngestURL)
}

func seedWebhookClient(t *testing.T, pe *portEnv, secret string) *webhook.Client {
	url, _, _ := pe.srv.Webhook("okta-lake")
	c, err := webhook.New(webhook.Config{URL: url, Secret: secret, SignatureHeader: "X-Okta-Signature", Algorithm: "sha256", Prefix: "sha256=", Clock: oktatest.NewManualClock(testNow)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (sc *StreamCheckpoint) doneOrNil() map[string]time.Time {
	if sc == nil {
		return nil
	}
	return sc.Done
}

// A record that is not a JSON object is dead-lettered with its place and
// reason; the others are posted and the object is checkpointed.
func TestWebhookDeadLetters(t *testing.T) {
	store := newStore(t)
	key := dataKey("users", "01_2_0")
	lines := []string{}
	for _, u := range seedUsers(0, 2) {
		b, _ := json.Marshal(u)
		lines = append(lines, `{"_airbyte_raw_id":"r","_airbyte_extracted_at":1,"_airbyte_meta":{"changes":[],"sync_id":1},"_airbyte_data":`+string(b)+`}`)
	}
	lines = append(lines, `{"_airbyte_raw_id":"r","_airbyte_extracted_at":1,"_airbyte_meta":{"changes":[],"sync_id":1},"_airbyte_data":[1,2]}`)
	if err := store.Put(context.Background(), key, gzipBytes(t, []byte(strings.Join(lines, "\n")+"\n"))); err != nil {
		t.Fatal(err)
	}
	pe := newPort(t, portSetup{})
	hook := seedWebhook(t, pe, webhookSecret)
	sum := run(t, newWebhookLoader(t, store, hook))
	if n := pe.count("okta_user"); n != 2 {
		t.Errorf("%d users, want 2 (webhook %+v)", n, pe.srv.WebhookStats())
	}
	_, dls := deadLettersIn(t, store, "data")
	if sum.DeadLettered() != 1 || len(dls) != 1 || dls[0].Line != 3 || dls[0].ObjectKey != key || !strings.Contains(dls[0].Reason, "webhook body") {
		t.Fatalf("dead letters %+v (summary %d)", dls, sum.DeadLettered())
	}
	if cp := readCheckpoint(t, store, "data", "webhook"); len(cp.Streams["users"].doneOrNil()) != 1 {
		t.Errorf("the object is not checkpointed: %+v", cp.Streams["users"])
	}
}

// seedUsers are users with every property seed 003's okta_user requires.
func seedUsers(from, to int) []map[string]any {
	out := users(from, to)
	for _, u := range out {
		u["activated"], u["statusChanged"] = "2026-01-02T03:04:05.000Z", "2026-01-02T03:04:05.000Z"
	}
	return out
}
