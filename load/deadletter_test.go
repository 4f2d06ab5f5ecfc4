package load

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/lake"
)

// A dead-letter object is gzip JSONL whose every line is one DeadLetter's
// JSON, as other tools (and earlier versions) read it; objects written by
// earlier versions, with json.Encoder, read back the same.
func TestDeadLetterObjectsAreOneDeadLetterALine(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	cfg := Config{Store: store, Clock: clock.NewManual(testNow)}
	cfg.SetDefaults()
	dl := newDeadLetters(cfg, "users", dataKey("users", "01_1000_0"))
	rec := json.RawMessage(`{"id":"00u1","profile":{"login":"a<b>@example.com"}}`)
	dl.add(DeadLetter{Line: 1, Record: rec, MappingIndex: intPtr(0), Blueprint: "okta_user", Status: 422, Reason: "port 422 invalid"})
	dl.add(DeadLetter{Line: 2, Reason: "bad line: invalid JSON"}.withRawLine([]byte("{nope"), 5))
	if err := dl.commit(ctx); err != nil {
		t.Fatal(err)
	}
	keys, got := deadLettersIn(t, store, "data")
	if len(keys) != 1 || len(got) != 2 {
		t.Fatalf("%d objects with %d dead letters, want 1 with 2", len(keys), len(got))
	}
	if !strings.HasPrefix(keys[0], lake.StreamErrorsPrefix("data", DefaultName, "users")) {
		t.Errorf("dead letters at %s, want them under %s", keys[0], lake.StreamErrorsPrefix("data", DefaultName, "users"))
	}
	rc, err := store.Open(ctx, keys[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want) // how earlier versions wrote them
	for _, it := range got {
		if err := enc.Encode(it); err != nil {
			t.Fatal(err)
		}
	}
	if string(text) != want.String() {
		t.Errorf("object text:\n%s\nwant one DeadLetter JSON a line:\n%s", text, want.String())
	}

	legacy := lake.ErrorsRoot("data") + "users/20261120T120000Z_legacy.jsonl.gz"
	if err := store.Put(ctx, legacy, gzipBytes(t, want.Bytes())); err != nil {
		t.Fatal(err)
	}
	back, err := readDeadLetters(ctx, store, legacy, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, got) {
		t.Errorf("an earlier version's object reads back as\n%+v\nwant\n%+v", back, got)
	}
}
