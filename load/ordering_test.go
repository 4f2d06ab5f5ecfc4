package load

import (
	"bytes"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/load/mapping"
	"github.com/oktalake/oktalake/load/porttest"
)

func porttestLatency(d time.Duration) porttest.Options { return porttest.Options{Latency: d} }

// A record that deletes an entity followed by one that creates it again
// leaves the entity in Port: deletes and upserts of one blueprint reach
// Port in record order.
func TestDeleteThenRecreateKeepsRecordOrder(t *testing.T) {
	pe := newPort(t, portSetup{})
	store := newStore(t)
	m := parseMapping(t, []byte(`[
	  {"blueprint": "okta_user", "operation": "delete", "filter": ".body.status == \"DELETED\"",
	   "entity": {"identifier": ".body.id"}},
	  {"blueprint": "okta_user", "filter": ".body.status != \"DELETED\"",
	   "entity": {"identifier": ".body.id", "title": ".body.profile.login",
	     "properties": {"id": ".body.id", "status": ".body.status", "created": ".body.created", "activated": ".body.activated // .body.created",
	       "statusChanged": ".body.statusChanged // .body.created", "lastUpdated": ".body.lastUpdated", "type": ".body.type",
	       "profile": ".body.profile", "credentials": ".body.credentials"}}}
	]`))
	recs := users(0, 3)
	gone := map[string]any{"id": recs[1]["id"], "status": "DELETED"}
	again := users(1, 2)[0]
	putObject(t, store, dataKey("users", "24_1_0"), append(recs, gone, again))
	sum := run(t, newLoader(t, store, pe, Config{Mapping: m}))
	if got := pe.count("okta_user"); got != 3 {
		t.Fatalf("%d users in Port, want 3: the re-created user must survive its earlier delete", got)
	}
	if _, ok := pe.srv.Entity("okta_user", recs[1]["id"].(string)); !ok {
		t.Fatal("the deleted-then-recreated user is missing")
	}
	if sum.Streams[0].Deletes != 1 {
		t.Errorf("deletes = %d, want 1", sum.Streams[0].Deletes)
	}
}

// Records no mapping applies to are counted, and a stream where none
// applies is called out in the log (a mapping or key layout mismatch).
func TestUnmatchedStreamWarned(t *testing.T) {
	pe := newPort(t, portSetup{})
	store := newStore(t)
	putObject(t, store, dataKey("users", "24_1_0"), users(0, 4))
	var logs bytes.Buffer
	m := parseMapping(t, []byte(`[{"blueprint": "okta_group", "filter": "false", "entity": {"identifier": ".body.id"}}]`))
	sum := run(t, newLoader(t, store, pe, Config{Mapping: m, Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	if got := sum.Streams[0].Unmatched; got != 4 {
		t.Errorf("unmatched = %d, want 4", got)
	}
	if !strings.Contains(logs.String(), "no mapping applied") || !strings.Contains(logs.String(), "stream=users") {
		t.Errorf("no warning about the unmatched stream:\n%s", logs.String())
	}
}

// Progress reports objects, records and entities while a load runs.
func TestLoadProgress(t *testing.T) {
	pe := newPort(t, portSetup{realClock: true, server: porttestLatency(5 * time.Millisecond)})
	store := newStore(t)
	for i := 0; i < 4; i++ {
		putObject(t, store, dataKey("users", fmt.Sprintf("24_%d_0", i)), users(i*50, i*50+50))
	}
	var last atomic.Pointer[Progress]
	l := newLoader(t, store, pe, Config{Clock: clock.Real(), ProgressEvery: 2 * time.Millisecond, Progress: func(p Progress) { last.Store(&p) }})
	run(t, l)
	p := last.Load()
	if p == nil || p.Records == 0 || p.Entities == 0 {
		t.Fatalf("last progress = %+v, want records and entities", p)
	}
	if !strings.Contains(p.String(), "entities/s") {
		t.Errorf("progress line %q", p.String())
	}
}

func TestPartOrder(t *testing.T) {
	keys := []string{"a/24_5_10.jsonl.gz", "a/24_5_2.jsonl.gz", "a/24_5_1.jsonl.gz", "a/24_4_11.jsonl.gz", "a/zz.jsonl.gz"}
	sort.SliceStable(keys, func(i, j int) bool { return partLess(keys[i], keys[j]) })
	want := "a/24_4_11.jsonl.gz a/24_5_1.jsonl.gz a/24_5_2.jsonl.gz a/24_5_10.jsonl.gz a/zz.jsonl.gz"
	if got := strings.Join(keys, " "); got != want {
		t.Fatalf("order = %s\nwant    %s", got, want)
	}
}

// A record whose jq runs out of time is dead-lettered, never dropped as if
// no mapping applied, and never sent half-mapped.
func TestMappingTimeoutDeadLettered(t *testing.T) {
	pe := newPort(t, portSetup{})
	store := newStore(t)
	recs := users(0, 3)
	recs[1]["slow"] = true
	putObject(t, store, dataKey("users", "24_1_0"), recs)
	m, err := mapping.Parse([]byte(`[{"blueprint": "okta_user",
	  "filter": "if .body.slow then ([range(1e12)] | length > 0) else true end",
	  "entity": {"identifier": ".body.id", "title": ".body.profile.login",
	    "properties": {"id": ".body.id", "status": ".body.status", "created": ".body.created", "activated": ".body.created",
	      "statusChanged": ".body.created", "lastUpdated": ".body.lastUpdated", "type": ".body.type",
	      "profile": ".body.profile", "credentials": ".body.credentials"}}}]`),
		"slow mapping", mapping.Options{Timeout: 30 * time.Millisecond, MaxValueBytes: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	sum := run(t, newLoader(t, store, pe, Config{Mapping: m}))
	if got := pe.count("okta_user"); got != 2 {
		t.Fatalf("%d users in Port, want the 2 fast ones", got)
	}
	_, items := deadLettersIn(t, store, "data")
	if len(items) != 1 || items[0].Line != 2 || !strings.Contains(items[0].Reason, "timed out") {
		t.Fatalf("dead letters = %+v, want line 2 with a timeout reason", items)
	}
	if s := sum.Streams[0]; s.Unmatched != 0 || s.Rejected != 1 {
		t.Errorf("summary %+v: the slow record must count as rejected, not unmatched", s)
	}
}
