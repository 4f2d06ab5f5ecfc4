package enrich

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

var t0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// put writes one gzip JSONL object of Airbyte v2 lines extracted at at.
func put(t *testing.T, s lake.Store, stream, name string, at time.Time, recs ...string) {
	t.Helper()
	var lines []byte
	for i, r := range recs {
		var err error
		lines, err = lake.V2.AppendLine(lines, json.RawMessage(r), lake.LineMeta{RawID: fmt.Sprintf("%s-%d", name, i), ExtractedAt: at})
		if err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(lines)
	zw.Close()
	if err := s.Put(context.Background(), lake.JoinKey("data", "okta", stream, "year=2026", "month=11", name+".jsonl.gz"), buf.Bytes()); err != nil {
		t.Fatal(err)
	}
}

func enrichments(t *testing.T, options ...string) []streams.Enrichment {
	t.Helper()
	var out []streams.Enrichment
	for _, e := range streams.Enrichments() {
		if slices.Contains(options, e.Option) {
			out = append(out, e)
		}
	}
	if len(out) != len(options) {
		t.Fatalf("catalog enrichments %v lack some of %v", streams.Enrichments(), options)
	}
	return out
}

func listField(t *testing.T, rec json.RawMessage, field, sub string) []string {
	t.Helper()
	var loose map[string]json.RawMessage
	if err := json.Unmarshal(rec, &loose); err != nil {
		t.Fatal(err)
	}
	raw, ok := loose[field]
	if !ok {
		t.Fatalf("record has no %s: %s", field, rec)
	}
	var list []map[string]any
	if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		t.Fatalf("%s is not a list: %s", field, raw)
	}
	var out []string
	for _, e := range list {
		out = append(out, fmt.Sprint(e[sub]))
	}
	slices.Sort(out)
	return out
}

// TestJoinFromTheLake: users get their groups (the groups stream's newest
// records), their applications, and groups their members; the newest
// record of a membership wins, a tombstoned one is gone, a group missing
// from the groups stream is its id alone, and the sort spills to disk.
func TestJoinFromTheLake(t *testing.T) {
	s, _, err := lake.OpenStore(context.Background(), t.TempDir(), lake.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, "groups", "1", t0, `{"id":"g1","profile":{"name":"old name"}}`, `{"id":"g2","profile":{"name":"Two"}}`)
	put(t, s, "groups", "2", t0.Add(time.Hour), `{"id":"g1","profile":{"name":"One"}}`)
	put(t, s, "applications", "1", t0, `{"id":"a1","label":"App One"}`)
	put(t, s, "group_members", "1", t0,
		`{"groupId":"g1","id":"u1","status":"ACTIVE"}`, `{"groupId":"g2","id":"u1","status":"ACTIVE"}`,
		`{"groupId":"g1","id":"u2","status":"ACTIVE"}`, `{"groupId":"g9","id":"u2","status":"ACTIVE"}`,
		`{"groupId":"g2","id":"u3","status":"ACTIVE"}`, `{"bad":"no key"}`)
	// Later: u1's membership of g2 is removed, u2's record in g1 changes.
	put(t, s, "group_members", "2", t0.Add(time.Hour),
		`{"groupId":"g2","id":"u1","_ab_cdc_deleted_at":"2026-11-20T13:00:00.000Z"}`, `{"groupId":"g1","id":"u2","status":"SUSPENDED"}`)
	put(t, s, "application_users", "1", t0, `{"appId":"a1","id":"u1"}`, `{"appId":"a1","id":"u3"}`)
	j := New(Config{Store: s, Enrichments: enrichments(t, "include_groups", "include_members", "include_applications"), Dir: t.TempDir(), SortBytes: 200})
	defer j.Close()
	ctx := context.Background()
	if err := j.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	user := func(id string) json.RawMessage {
		rec, err := j.Enrich(ctx, "users", json.RawMessage(`{"id":"`+id+`","profile":{"login":"`+id+`@example.com"}}`))
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	if got := listField(t, user("u1"), "groups", "id"); !slices.Equal(got, []string{"g1"}) {
		t.Errorf("u1 groups %v, want [g1] (g2 tombstoned)", got)
	}
	if got := listField(t, user("u1"), "groups", "profile"); !slices.Equal(got, []string{"map[name:One]"}) {
		t.Errorf("u1's group is %v, want the newest group record", got)
	}
	if got := listField(t, user("u2"), "groups", "id"); !slices.Equal(got, []string{"g1", "g9"}) {
		t.Errorf("u2 groups %v, want [g1 g9] (g9 as its id alone)", got)
	}
	if got := listField(t, user("u1"), "applications", "label"); !slices.Equal(got, []string{"App One"}) {
		t.Errorf("u1 applications %v", got)
	}
	if got := listField(t, user("u4"), "groups", "id"); len(got) != 0 {
		t.Errorf("u4 groups %v, want an empty list", got)
	}
	g1, err := j.Enrich(ctx, "groups", json.RawMessage(`{"id":"g1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := listField(t, g1, "users", "status"); !slices.Equal(got, []string{"ACTIVE", "SUSPENDED"}) {
		t.Errorf("g1 members' statuses %v, want u1 ACTIVE and u2's newest, SUSPENDED", got)
	}
	other, err := j.Enrich(ctx, "applications", json.RawMessage(`{"id":"a1"}`))
	if err != nil || string(other) != `{"id":"a1"}` {
		t.Errorf("a stream without enrichments changed: %s %v", other, err)
	}
	st := j.Stats()
	if st.Spills == 0 || st.Skipped != 1 || st.Records != 14 {
		t.Errorf("stats %+v: want spills, 1 skipped record, 14 read", st)
	}
	// A second Prepare over the same objects rebuilds nothing.
	spills := st.Spills
	if err := j.Prepare(ctx); err != nil || j.Stats().Spills != spills {
		t.Errorf("Prepare over unchanged objects rebuilt (%v)", err)
	}
}

// TestTableLookups: a table spanning many index blocks finds every key's
// values, in order, and nothing for keys between or beyond them.
func TestTableLookups(t *testing.T) {
	var spills int64
	s := newSorter(t.TempDir(), 4<<10, &spills)
	const keys = 3000
	for i := keys - 1; i >= 0; i-- {
		for v := 0; v < i%4; v++ {
			if err := s.add(fmt.Sprintf("k%05d", i*2), uint64(v), []byte(fmt.Sprintf(`{"k":%d,"v":%d,"pad":"%0100d"}`, i, v, 0))); err != nil {
				t.Fatal(err)
			}
		}
	}
	tw, err := newTableWriter(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.merge(func(e entry) error { return tw.add(e.key, e.val) }); err != nil {
		t.Fatal(err)
	}
	tab, err := tw.finish()
	if err != nil {
		t.Fatal(err)
	}
	defer tab.close()
	if len(tab.index) < 20 || spills < 10 {
		t.Fatalf("index %d entries, %d spills: the test spans too little", len(tab.index), spills)
	}
	for i := 0; i < keys; i++ {
		vals, err := tab.lookup(fmt.Sprintf("k%05d", i*2))
		if err != nil {
			t.Fatal(err)
		}
		if len(vals) != i%4 {
			t.Fatalf("key %d: %d values, want %d", i, len(vals), i%4)
		}
		for v, b := range vals {
			if want := fmt.Sprintf(`{"k":%d,"v":%d,`, i, v); !bytes.HasPrefix(b, []byte(want)) {
				t.Fatalf("key %d value %d = %.30s, want %s…", i, v, b, want)
			}
		}
		if between, _ := tab.lookup(fmt.Sprintf("k%05d", i*2+1)); len(between) != 0 {
			t.Fatalf("key between %d and %d found %d values", i*2, i*2+2, len(between))
		}
	}
	if beyond, _ := tab.lookup("z"); len(beyond) != 0 {
		t.Fatal("a key past the last found values")
	}
}
