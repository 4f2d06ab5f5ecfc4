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
	"github.com/oktalake/oktalake/load/port"
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
	first := 0
	rec := json.RawMessage(`{"id":"00u1","profile":{"login":"a<b>@example.com"}}`)
	dl.add(DeadLetter{Line: 1, Record: rec, MappingIndex: &first, Blueprint: "okta_user", Status: 422, Reason: "port 422 invalid"})
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

// Every dead letter comes from newDeadLetter; each kind keeps the fields it
// had when they were built by hand at each place.
func TestNewDeadLetterKeepsEachKindsFields(t *testing.T) {
	const key = "data/okta/users/year=2026/month=11/01_1000_0.jsonl.gz"
	from := recordOrigin(key, lake.Record{Line: 7, Data: json.RawMessage(`{"id":"00u1"}`)})
	entity := port.Entity{Identifier: "00u1", Properties: map[string]any{"status": "ACTIVE"}}
	refused := port.Failure{Index: 0, Status: 422, Error: "invalid_property_value", Message: "bad status"}
	tests := []struct {
		name string
		dl   DeadLetter
		want string
	}{
		{"unreadable object", newDeadLetter(origin{objectKey: key}, "unreadable object: gzip: invalid header", nil),
			`{"objectKey":"` + key + `","stream":"","reason":"unreadable object: gzip: invalid header","at":""}`},
		{"bad line", newDeadLetter(origin{objectKey: key, line: 3}, "bad line: invalid JSON", nil).withRawLine([]byte("{x"), 2),
			`{"objectKey":"` + key + `","line":3,"stream":"","rawLine":"{x","rawLineBytes":2,"reason":"bad line: invalid JSON","at":""}`},
		{"mapping interrupted", newDeadLetter(from, "mapping: timed out", nil),
			`{"objectKey":"` + key + `","line":7,"stream":"","record":{"id":"00u1"},"reason":"mapping: timed out","at":""}`},
		{"rejected by the identifier rule", newDeadLetter(from.mapped(2, "okta_user", false, entity), "invalid identifier", nil),
			`{"objectKey":"` + key + `","line":7,"stream":"","record":{"id":"00u1"},"mappingIndex":2,"blueprint":"okta_user","entity":{"identifier":"00u1","properties":{"status":"ACTIVE"}},"reason":"invalid identifier","at":""}`},
		{"delete without a string identifier", newDeadLetter(from.mapped(1, "okta_user", true, nil), "delete needs a string identifier", nil),
			`{"objectKey":"` + key + `","line":7,"stream":"","record":{"id":"00u1"},"mappingIndex":1,"blueprint":"okta_user","operation":"delete","reason":"delete needs a string identifier","at":""}`},
		{"upsert refused by Port", newDeadLetter(from.mapped(0, "okta_user", false, entity), "", &refused),
			`{"objectKey":"` + key + `","line":7,"stream":"","record":{"id":"00u1"},"mappingIndex":0,"blueprint":"okta_user","entity":{"identifier":"00u1","properties":{"status":"ACTIVE"}},"status":422,"reason":"port 422 invalid_property_value: bad status","at":""}`},
		{"delete refused by Port", newDeadLetter(from.mapped(0, "okta_user", true, map[string]any{"identifier": "00u1"}), "", &port.Failure{Status: 409, Error: "has_dependents"}),
			`{"objectKey":"` + key + `","line":7,"stream":"","record":{"id":"00u1"},"mappingIndex":0,"blueprint":"okta_user","operation":"delete","entity":{"identifier":"00u1"},"status":409,"reason":"port 409 has_dependents","at":""}`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.dl)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}
