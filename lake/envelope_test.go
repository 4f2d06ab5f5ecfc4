package lake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// envelopeRecords are the records the golden files wrap.
var envelopeRecords = []string{
	`{"id":"00u1a2b3c4","status":"ACTIVE","profile":{"login":"ada@example.com","firstName":"Ada"}}`,
	`{"id":"00u5","profile":{"nickName":"Zoë \"Z\" <z>","tags":["a","b"]},"n":1.5e3,"ok":true,"none":null}`,
	"{\n  \"id\": \"pretty\",\n  \"nested\": {\"a\": [1,\n 2]}\n}",
	`{}`,
	`  {"id":"padded"}  `,
}

func testMeta(i int) LineMeta {
	return LineMeta{
		RawID:        "7c9e6679-7425-40de-944b-e07fc1f90ae" + string(rune('0'+i)),
		ExtractedAt:  time.Date(2024, 5, 17, 10, 0, i, 250_000_000, time.FixedZone("CEST", 2*3600)),
		GenerationID: 3,
		SyncID:       42,
	}
}

func TestEnvelopeGolden(t *testing.T) {
	for _, env := range []Envelope{V2, V1, Flat, Raw} {
		t.Run(env.String(), func(t *testing.T) {
			var out []byte
			for i, rec := range envelopeRecords {
				var err error
				out, err = env.AppendLine(out, json.RawMessage(rec), testMeta(i))
				if err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
			}
			if n := bytes.Count(out, []byte("\n")); n != len(envelopeRecords) {
				t.Errorf("%d lines for %d records", n, len(envelopeRecords))
			}
			for i, line := range bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n")) {
				if !json.Valid(line) {
					t.Errorf("line %d is not valid JSON: %s", i+1, line)
				}
			}
			golden(t, "envelope_"+env.String()+".jsonl", out)
		})
	}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	for _, env := range []Envelope{V2, V1, Flat} {
		for i, rec := range envelopeRecords {
			line, err := env.AppendLine(nil, json.RawMessage(rec), testMeta(i))
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeLine(line)
			if err != nil {
				t.Fatalf("%s record %d: %v", env, i, err)
			}
			if got.Envelope != env {
				t.Errorf("%s record %d decoded as %s", env, i, got.Envelope)
			}
			if want := compact(t, rec); string(got.Data) != want {
				t.Errorf("%s record %d: data %s, want %s", env, i, got.Data, want)
			}
			m := testMeta(i)
			if got.RawID != m.RawID || !got.ExtractedAt.Equal(m.ExtractedAt.Truncate(time.Millisecond)) {
				t.Errorf("%s record %d: raw id %q at %v, want %q at %v", env, i, got.RawID, got.ExtractedAt, m.RawID, m.ExtractedAt)
			}
		}
	}
}

func compact(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestAppendLineErrors(t *testing.T) {
	tests := []struct {
		env     Envelope
		record  string
		wantErr string
	}{
		{Flat, `["not","an","object"]`, "needs a JSON object"},
		{Flat, `"str"`, "needs a JSON object"},
		{V2, ``, "empty"},
		{V2, "{\n\"broken\": }", "invalid character"},
		{Envelope(9), `{}`, "unknown envelope"},
	}
	for _, tt := range tests {
		_, err := tt.env.AppendLine(nil, json.RawMessage(tt.record), LineMeta{})
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s AppendLine(%q) err = %v, want %q", tt.env, tt.record, err, tt.wantErr)
		}
	}
	// Non-object records are fine in the wrapped envelopes.
	for _, env := range []Envelope{V2, V1} {
		line, err := env.AppendLine(nil, json.RawMessage(`[1,2]`), LineMeta{})
		if err != nil {
			t.Fatal(err)
		}
		if r, err := DecodeLine(line); err != nil || string(r.Data) != `[1,2]` {
			t.Errorf("%s array record: %s, %v", env, r.Data, err)
		}
	}
}

func TestDecodeLine(t *testing.T) {
	ms := time.UnixMilli(1715940000123).UTC()
	tests := []struct {
		name    string
		line    string
		want    Record
		wantErr string
	}{
		{name: "v2", line: `{"_airbyte_raw_id":"r1","_airbyte_extracted_at":1715940000123,"_airbyte_generation_id":0,"_airbyte_meta":{"changes":[],"sync_id":1},"_airbyte_data":{"id":1}}`,
			want: Record{Envelope: V2, RawID: "r1", ExtractedAt: ms, Data: json.RawMessage(`{"id":1}`)}},
		{name: "v2 data first, spaced", line: ` { "_airbyte_data" : { "id" : 1 } , "_airbyte_raw_id" : "r1" } `,
			want: Record{Envelope: V2, RawID: "r1", Data: json.RawMessage(`{ "id" : 1 }`)}},
		{name: "v2 with RFC 3339 extracted_at", line: `{"_airbyte_raw_id":"r1","_airbyte_extracted_at":"2024-05-17T10:00:00.123Z","_airbyte_data":{}}`,
			want: Record{Envelope: V2, RawID: "r1", ExtractedAt: ms, Data: json.RawMessage(`{}`)}},
		{name: "v1", line: `{"_airbyte_ab_id":"a1","_airbyte_emitted_at":1715940000123,"_airbyte_data":{"id":"x"}}`,
			want: Record{Envelope: V1, RawID: "a1", ExtractedAt: ms, Data: json.RawMessage(`{"id":"x"}`)}},
		{name: "flat", line: `{"_airbyte_raw_id":"r2","_airbyte_extracted_at":1715940000123,"id":"u1","_airbyte_meta":{"changes":[]},"profile":{"_airbyte_data":"kept, not top level"},"n":[1,{"a":"}"}]}`,
			want: Record{Envelope: Flat, RawID: "r2", ExtractedAt: ms, Data: json.RawMessage(`{"id":"u1","profile":{"_airbyte_data":"kept, not top level"},"n":[1,{"a":"}"}]}`)}},
		{name: "bare object reads as flat", line: `{"id":"u1","status":"ACTIVE"}`,
			want: Record{Envelope: Flat, Data: json.RawMessage(`{"id":"u1","status":"ACTIVE"}`)}},
		{name: "escaped key", line: `{"_airbyte_\u0064ata":{"id":2},"_airbyte_raw_id":"r\"3"}`,
			want: Record{Envelope: V2, RawID: `r"3`, Data: json.RawMessage(`{"id":2}`)}},
		{name: "invalid JSON", line: `{"_airbyte_data":{"id":1}`, wantErr: "invalid JSON"},
		{name: "not an object", line: `[{"_airbyte_data":{}}]`, wantErr: "not a JSON object"},
		{name: "null data", line: `{"_airbyte_raw_id":"r","_airbyte_data":null}`, wantErr: "_airbyte_data is null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeLine([]byte(tt.line))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Envelope != tt.want.Envelope || got.RawID != tt.want.RawID || !got.ExtractedAt.Equal(tt.want.ExtractedAt) || string(got.Data) != string(tt.want.Data) {
				t.Errorf("got  %s %q %v %s\nwant %s %q %v %s", got.Envelope, got.RawID, got.ExtractedAt, got.Data,
					tt.want.Envelope, tt.want.RawID, tt.want.ExtractedAt, tt.want.Data)
			}
		})
	}
}

func TestParseEnvelope(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Envelope
	}{{"v2", V2}, {"V1", V1}, {"flat", Flat}, {"", V2}} {
		got, err := ParseEnvelope(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseEnvelope(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if tt.in != "" && !strings.EqualFold(got.String(), tt.in) {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	if _, err := ParseEnvelope("v3"); err == nil || !strings.Contains(err.Error(), `"v3"`) {
		t.Errorf("ParseEnvelope(v3) err = %v", err)
	}
}

// The Raw envelope writes a record as it is, one a line, and a Reader told
// so reads it back as it is, even a record with _airbyte_ fields of its own
// that envelope detection would unwrap; the CLI cannot choose it for data.
func TestRawEnvelopeKeepsLinesAsTheyAre(t *testing.T) {
	ctx := context.Background()
	store, err := NewLocalStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	records := []string{
		`{"objectKey":"data/okta/users/x_0.jsonl.gz","line":3,"reason":"port 422"}`,
		`{"_airbyte_data":{"id":"inner"},"_airbyte_raw_id":"r"}`,
		"{\n  \"pretty\": true\n}",
	}
	w, err := NewWriter(store, WriterConfig{Prefix: "p", Stream: "s", PathFormat: "${STREAM_NAME}/${UUID}_", Envelope: Raw})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records {
		if err := w.Write(ctx, json.RawMessage(r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	objs := w.Objects()
	if len(objs) != 1 {
		t.Fatalf("%d objects, want 1", len(objs))
	}
	read := func(raw bool) []Record {
		rc, err := store.Open(ctx, objs[0].Key)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		r, err := NewReaderWith(rc, ReaderOptions{RequireGzip: true, Raw: raw})
		if err != nil {
			t.Fatal(err)
		}
		var out []Record
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, rec)
		}
	}
	got := read(true)
	if len(got) != len(records) {
		t.Fatalf("read %d records, want %d", len(got), len(records))
	}
	for i, rec := range got {
		if want := compact(t, records[i]); string(rec.Data) != want || rec.Envelope != Raw || rec.Line != i+1 {
			t.Errorf("record %d: %s %s line %d, want %s raw line %d", i, rec.Envelope, rec.Data, rec.Line, want, i+1)
		}
	}
	if detected := read(false); string(detected[1].Data) != `{"id":"inner"}` {
		t.Errorf("without Raw the second line reads as %s: the test does not show what Raw prevents", detected[1].Data)
	}
	if _, err := ParseEnvelope("raw"); err == nil {
		t.Error(`ParseEnvelope("raw") accepted the envelope meant for oktalake's own objects`)
	}
}
