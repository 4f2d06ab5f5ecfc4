package port

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/load/porttest"
)

func TestUpsertPartial207(t *testing.T) {
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
	c := newClient(t, srv, nil)
	es := roles(30, 0)
	es[3].Properties["created"] = "yesterday"
	es[17].Properties["bogus"] = 1
	delete(es[25].Properties, "label")
	fs, err := c.Upsert(context.Background(), "okta_role", es)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		index int
		code  string
	}{{3, "invalid_property_value"}, {17, "unknown_property"}, {25, "missing_required_properties"}}
	if len(fs) != len(want) {
		t.Fatalf("failures %+v, want %d", fs, len(want))
	}
	for i, w := range want {
		f := fs[i]
		if f.Index != w.index || f.Identifier != es[w.index].Identifier || f.Status != 422 || f.Error != w.code || f.Message == "" {
			t.Errorf("failure %d = %+v, want index %d code %s with Port's message", i, f, w.index, w.code)
		}
	}
	if got := len(srv.Entities("okta_role")); got != 27 {
		t.Errorf("stored %d, want 27", got)
	}
	if st := c.Stats(); st.Failures != 3 || st.Batches != 2 || st.EntitiesSent != 30 {
		t.Errorf("stats %+v", st)
	}
}

func TestUpsertTooLargeSplits(t *testing.T) {
	// The server's limit is lowered to 64 KiB so the client's 1 MiB batches
	// draw 413s and must split until they fit.
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t), MaxBodyBytes: 64 << 10})
	c := newClient(t, srv, nil)
	es := roles(40, 10<<10)
	es[7] = role(es[7].Identifier.(string), 100<<10) // too big even alone
	fs, err := c.Upsert(context.Background(), "okta_role", es)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Index != 7 || fs[0].Status != http.StatusRequestEntityTooLarge || fs[0].Error != "request_too_large" {
		t.Fatalf("failures %+v, want entity 7 refused with 413", fs)
	}
	if got := len(srv.Entities("okta_role")); got != 39 {
		t.Errorf("stored %d, want 39", got)
	}
	st := srv.Stats()
	if st.TooLarge == 0 || st.MaxBodyBytes > 64<<10 || c.Stats().Splits == 0 {
		t.Errorf("server TooLarge %d MaxBodyBytes %d client Splits %d", st.TooLarge, st.MaxBodyBytes, c.Stats().Splits)
	}
}

func TestUpsertEntityOverPortLimit(t *testing.T) {
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
	c := newClient(t, srv, nil)
	es := []Entity{role("ok", 0), role("huge", maxBodyBytes), {Identifier: "bad id"}, {Identifier: 42}}
	fs, err := c.Upsert(context.Background(), "okta_role", es)
	if err != nil {
		t.Fatal(err)
	}
	wantCodes := []string{"entity_too_large", "invalid_identifier", "invalid_identifier"}
	if len(fs) != 3 {
		t.Fatalf("failures %+v", fs)
	}
	for i, f := range fs {
		if f.Index != i+1 || f.Status != 0 || f.Error != wantCodes[i] {
			t.Errorf("failure %+v, want index %d refused locally with %s", f, i+1, wantCodes[i])
		}
	}
	if st := srv.Stats(); st.EntitiesUpserted != 1 || st.MaxBodyBytes > 1<<10 {
		t.Errorf("server saw %+v, want only the valid entity", st)
	}
}

func TestUpsertBatchLimits(t *testing.T) {
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
	c := newClient(t, srv, nil)
	es := append(roles(100, 0), roles(30, 150<<10)...)
	for i := 100; i < 130; i++ {
		es[i].Identifier = fmt.Sprintf("big%d", i)
		es[i].Properties["id"] = es[i].Identifier
	}
	fs, err := c.Upsert(context.Background(), "okta_role", es)
	if err != nil || len(fs) != 0 {
		t.Fatalf("%v %v", fs, err)
	}
	st := srv.Stats()
	if st.MaxBulkEntities > maxBatchEntities || st.MaxBodyBytes > maxBodyBytes || st.TooLarge != 0 || st.EntitiesUpserted != 130 {
		t.Errorf("server stats %+v", st)
	}
	// 100 small entities fill 5 batches; 30 of 150 KiB fit 6 to a body.
	if got := st.Requests["POST /v1/blueprints/{blueprint_identifier}/entities/bulk"]; got != 5+5 {
		t.Errorf("bulk requests %d, want 10", got)
	}
}

func TestUpsertRateLimited(t *testing.T) {
	for _, epoch := range []bool{false, true} {
		t.Run("epoch="+strconv.FormatBool(epoch), func(t *testing.T) {
			clk := newFakeClock()
			srv := newServer(t, porttest.Options{
				Clock: clk, Blueprints: oktaBlueprints(t), ResetAsEpoch: epoch,
				Faults: []porttest.Fault{{From: 3, Count: 6, Status: http.StatusTooManyRequests, Reset: 7 * time.Second}},
			})
			c := newClient(t, srv, func(cfg *Config) { cfg.Clock = clk; cfg.Concurrency = 2 })
			start := clk.Now()
			fs, err := c.Upsert(context.Background(), "okta_role", roles(200, 0))
			if err != nil || len(fs) != 0 {
				t.Fatalf("%v %v", fs, err)
			}
			if got := len(srv.Entities("okta_role")); got != 200 {
				t.Errorf("stored %d, want 200: nothing may be lost", got)
			}
			st := c.Stats()
			if st.RateLimitWaits != 6 {
				t.Errorf("RateLimitWaits %d, want 6", st.RateLimitWaits)
			}
			if waited := clk.Now().Sub(start); waited < 7*time.Second {
				t.Errorf("waited %v, want at least the 7s reset", waited)
			}
		})
	}
}

func TestUpsertWithinRateLimit(t *testing.T) {
	clk := newFakeClock()
	srv := newServer(t, porttest.Options{Clock: clk, Blueprints: oktaBlueprints(t), RateLimit: 10, Window: 10 * time.Second})
	c := newClient(t, srv, func(cfg *Config) { cfg.Clock = clk; cfg.Concurrency = 2 })
	fs, err := c.Upsert(context.Background(), "okta_role", roles(1000, 0))
	if err != nil || len(fs) != 0 {
		t.Fatalf("%v %v", fs, err)
	}
	if got := len(srv.Entities("okta_role")); got != 1000 {
		t.Errorf("stored %d, want 1000", got)
	}
	st := c.Stats()
	if st.PacingWaits == 0 {
		t.Errorf("no proactive pacing: %+v", st)
	}
	// Spreading the budget left, in-flight requests counted, avoids 429s.
	if got := srv.Stats().RateLimited; got != 0 {
		t.Errorf("server sent %d 429s for 50 requests at 10 per window", got)
	}
}

func TestUpsertServerErrorsRetried(t *testing.T) {
	clk := newFakeClock()
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t), Faults: []porttest.Fault{
		{From: 1, Status: 500}, {From: 3, Count: 2, Status: 502}, {From: 7, Status: 503},
	}})
	c := newClient(t, srv, func(cfg *Config) { cfg.Clock = clk })
	start := clk.Now()
	fs, err := c.Upsert(context.Background(), "okta_role", roles(100, 0))
	if err != nil || len(fs) != 0 {
		t.Fatalf("%v %v", fs, err)
	}
	if got := len(srv.Entities("okta_role")); got != 100 {
		t.Errorf("stored %d, want 100", got)
	}
	st := c.Stats()
	if st.Retries != 4 || st.Requests != 9 {
		t.Errorf("stats %+v, want 4 retries over 9 requests", st)
	}
	if clk.Now().Sub(start) < backoffBase/2 {
		t.Errorf("no backoff before retrying")
	}
}

func TestUpsertRetriesExhausted(t *testing.T) {
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t), Faults: []porttest.Fault{{From: 1, Count: 1000, Status: 503}}})
	c := newClient(t, srv, func(cfg *Config) { cfg.Clock = newFakeClock(); cfg.MaxRetries = 2; cfg.Concurrency = 1 })
	_, err := c.Upsert(context.Background(), "okta_role", roles(5, 0))
	var apiErr *APIError
	if err == nil || !strings.Contains(err.Error(), "giving up after 2 retries") || !errors.As(err, &apiErr) || apiErr.Status != 503 {
		t.Fatalf("err %v", err)
	}
	if got := srv.Stats().APIRequests; got != 3 {
		t.Errorf("requests %d, want 3", got)
	}
}

func TestUpsertConcurrencyLimit(t *testing.T) {
	for _, limit := range []int{1, 3} {
		t.Run(strconv.Itoa(limit), func(t *testing.T) {
			srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t), Latency: 15 * time.Millisecond})
			c := newClient(t, srv, func(cfg *Config) { cfg.Concurrency = limit })
			// Two calls at once share the client's limit.
			errc := make(chan error, 2)
			for range 2 {
				go func() {
					_, err := c.Upsert(context.Background(), "okta_role", roles(200, 0))
					errc <- err
				}()
			}
			for range 2 {
				if err := <-errc; err != nil {
					t.Fatal(err)
				}
			}
			if got := srv.Stats().MaxInFlight; got > limit || (limit > 1 && got < 2) {
				t.Errorf("server saw %d requests in flight, limit %d", got, limit)
			}
		})
	}
}

func TestUpsertRelations(t *testing.T) {
	tests := []struct {
		createMissing bool
		wantFailure   string
		wantStub      bool
	}{
		{false, "related_entity_not_found", false},
		{true, "", true},
	}
	for _, tt := range tests {
		t.Run(strconv.FormatBool(tt.createMissing), func(t *testing.T) {
			srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
			c := newClient(t, srv, func(cfg *Config) { cfg.CreateMissingRelated = &tt.createMissing })
			e := role("cr1", 0)
			e.Relations = map[string]any{"permissions": []string{"https://x.okta.com/api/v1/iam/roles/cr1/permissions/okta.users.read"}}
			fs, err := c.Upsert(context.Background(), "okta_role", []Entity{e, role("cr2", 0)})
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantFailure == "" && len(fs) != 0 || tt.wantFailure != "" && (len(fs) != 1 || fs[0].Error != tt.wantFailure || fs[0].Status != 422) {
				t.Errorf("failures %+v, want %q", fs, tt.wantFailure)
			}
			if _, ok := srv.Entity("okta_permission", "https://x.okta.com/api/v1/iam/roles/cr1/permissions/okta.users.read"); ok != tt.wantStub {
				t.Errorf("stub exists %v, want %v", ok, tt.wantStub)
			}
		})
	}
}

func TestUpsertMergeAndDuplicates(t *testing.T) {
	for _, merge := range []bool{true, false} {
		t.Run(strconv.FormatBool(merge), func(t *testing.T) {
			srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
			c := newClient(t, srv, func(cfg *Config) { cfg.Merge = &merge })
			first := role("cr1", 0)
			first.Properties["_links"] = map[string]any{"self": map[string]any{"href": "https://x.okta.com/cr1"}}
			second := role("cr1", 0)
			second.Properties["label"] = "v2"
			// Both versions in one call: the later must land last.
			if fs, err := c.Upsert(context.Background(), "okta_role", append([]Entity{first}, append(roles(30, 0), second)...)); err != nil || len(fs) != 0 {
				t.Fatalf("%v %v", fs, err)
			}
			e, _ := srv.Entity("okta_role", "cr1")
			_, kept := e.Properties["_links"]
			if e.Properties["label"] != "v2" || kept != merge {
				t.Errorf("entity %+v: want label v2 and _links kept only when merging", e.Properties)
			}
		})
	}
}

func TestUpsertSchemaFailures(t *testing.T) {
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
	c := newClient(t, srv, nil)
	tests := []struct {
		name string
		edit func(*Entity)
		code string
	}{
		{"required", func(e *Entity) { delete(e.Properties, "created") }, "missing_required_properties"},
		{"type", func(e *Entity) { e.Properties["label"] = 7 }, "invalid_property_value"},
		{"date-time", func(e *Entity) { e.Properties["lastUpdated"] = "2024-13-45" }, "invalid_property_value"},
		{"url", func(e *Entity) {
			e.Properties["_links"] = map[string]any{"self": map[string]any{"href": "not a url"}}
		}, "invalid_property_value"},
		{"many relation as string", func(e *Entity) { e.Relations = map[string]any{"permissions": "p1"} }, "invalid_relation_value"},
	}
	var es []Entity
	for i, tt := range tests {
		e := role(fmt.Sprintf("bad%d", i), 0)
		tt.edit(&e)
		es = append(es, e, role(fmt.Sprintf("good%d", i), 0))
	}
	fs, err := c.Upsert(context.Background(), "okta_role", es)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != len(tests) {
		t.Fatalf("failures %+v", fs)
	}
	for i, tt := range tests {
		if f := fs[i]; f.Index != 2*i || f.Error != tt.code || f.Status != 422 {
			t.Errorf("%s: failure %+v, want %s", tt.name, f, tt.code)
		}
	}
	if got := len(srv.Entities("okta_role")); got != len(tests) {
		t.Errorf("stored %d, want the %d good ones", got, len(tests))
	}
}

func TestUpsertUnknownBlueprint(t *testing.T) {
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
	c := newClient(t, srv, nil)
	fs, err := c.Upsert(context.Background(), "nope", roles(25, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 25 || fs[24].Status != 404 || fs[24].Error != "not_found" {
		t.Errorf("failures %d, last %+v", len(fs), fs[len(fs)-1])
	}
	if got := srv.Stats().APIRequests; got != 2 {
		t.Errorf("requests %d, want 2 (no splitting on a missing blueprint)", got)
	}
}

func TestUpsertCancelled(t *testing.T) {
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t), Latency: 50 * time.Millisecond})
	c := newClient(t, srv, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Upsert(ctx, "okta_role", roles(500, 0)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the deadline", err)
	}
}

// TestUpsertLearnsPortsBodyLimit: after Port answers 413, later batches are
// cut under the size Port refused, so a Port with a lower body limit than
// documented costs a few 413s, not one per batch.
func TestUpsertLearnsPortsBodyLimit(t *testing.T) {
	const limit = 64 << 10
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t), MaxBodyBytes: limit})
	c := newClient(t, srv, nil)
	es := roles(4000, 5<<10)
	var bodyBytes int
	for _, e := range es {
		b, _ := json.Marshal(e)
		bodyBytes += len(b) + 1
	}
	// The loader hands entities over in flushes of a few hundred.
	for from := 0; from < len(es); from += 400 {
		fs, err := c.Upsert(context.Background(), "okta_role", es[from:from+400])
		if err != nil || len(fs) != 0 {
			t.Fatalf("flush at %d: %v %v", from, fs, err)
		}
	}
	if got := len(srv.Entities("okta_role")); got != len(es) {
		t.Fatalf("stored %d, want %d", got, len(es))
	}
	st := srv.Stats()
	if st.TooLarge > 20 {
		t.Errorf("%d 413 answers for %d entities: the client did not learn Port's limit", st.TooLarge, len(es))
	}
	// Bodies stay close to the limit: not many more requests than the minimum.
	minimum := bodyBytes/limit + 1
	if got := st.Requests["POST /v1/blueprints/{blueprint_identifier}/entities/bulk"] - st.TooLarge; got > minimum*3/2 {
		t.Errorf("%d accepted bulk requests, want at most %d (minimum %d)", got, minimum*3/2, minimum)
	}
	t.Logf("413s %d, accepted requests %d, minimum %d", st.TooLarge, st.Requests["POST /v1/blueprints/{blueprint_identifier}/entities/bulk"]-st.TooLarge, minimum)
}
