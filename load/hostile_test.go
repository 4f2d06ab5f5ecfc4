package load

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/oktalake/oktalake/internal/heap"
)

// TestNotGzipObjectIsOneDeadLetter: random bytes in an object named
// .jsonl.gz are one dead letter for the object, not a dead letter per
// "line" of garbage read as plain text.
func TestNotGzipObjectIsOneDeadLetter(t *testing.T) {
	store := newStore(t)
	var garbage bytes.Buffer
	for i := range 26 {
		garbage.WriteString(strings.Repeat(string(rune('a'+i)), 40) + "\x00\xff\n")
	}
	bad := dataKey("users", "01_1000_0")
	if err := store.Put(context.Background(), bad, garbage.Bytes()); err != nil {
		t.Fatal(err)
	}
	// Plain JSONL named .jsonl is still read as plain text.
	plain := lakeKey("users", "01_1000_1.jsonl")
	line, _ := json.Marshal(map[string]any{"_airbyte_raw_id": "r", "_airbyte_extracted_at": 1, "_airbyte_data": userRecord(1)})
	if err := store.Put(context.Background(), plain, append(line, '\n')); err != nil {
		t.Fatal(err)
	}
	pe := newPort(t, portSetup{})
	run(t, newLoader(t, store, pe, Config{}))
	_, dls := deadLettersIn(t, store, "data")
	if len(dls) != 1 {
		t.Fatalf("%d dead letters, want one for the object", len(dls))
	}
	if dl := dls[0]; dl.ObjectKey != bad || dl.Line != 0 || !strings.Contains(dl.Reason, "not gzip") {
		t.Errorf("dead letter %+v, want the object %s refused as not gzip", dl, bad)
	}
	if got := pe.count("okta_user"); got != 1 {
		t.Errorf("%d users in Port, want the plain object's one", got)
	}
}

// TestBadLineDeadLetterKeepsRawLine: a line that is not JSON is kept in its
// dead letter (so nothing is lost), with its length.
func TestBadLineDeadLetterKeepsRawLine(t *testing.T) {
	store := newStore(t)
	const bad = `{"_airbyte_raw_id":"r","_airbyte_data":{"id": "00u1", "profile": `
	binary := "\xff\xfe not UTF-8 \x00"
	good, _ := json.Marshal(map[string]any{"_airbyte_raw_id": "r", "_airbyte_extracted_at": 1, "_airbyte_data": userRecord(1)})
	key := dataKey("users", "01_1000_0")
	if err := store.Put(context.Background(), key, gzipBytes(t, []byte(bad+"\n"+string(good)+"\n"+binary+"\n"))); err != nil {
		t.Fatal(err)
	}
	pe := newPort(t, portSetup{})
	run(t, newLoader(t, store, pe, Config{}))
	_, dls := deadLettersIn(t, store, "data")
	if len(dls) != 2 {
		t.Fatalf("%d dead letters, want 2: %+v", len(dls), dls)
	}
	if dl := dls[0]; dl.Line != 1 || dl.RawLine != bad || dl.RawLineBytes != len(bad) {
		t.Errorf("dead letter for line 1: raw %q (%d bytes), want the line itself", dl.RawLine, dl.RawLineBytes)
	}
	if dl := dls[1]; dl.Line != 3 || string(dl.RawLineBase64) != binary || dl.RawLineBytes != len(binary) {
		t.Errorf("dead letter for line 3: raw %q / %q (%d bytes), want the bytes base64-encoded", dl.RawLine, dl.RawLineBase64, dl.RawLineBytes)
	}
}

// TestLongLineIsDeadLetteredWithoutReadingItWhole: a 48 MiB line inside a
// small gzip is dead-lettered (its length and first 64 KiB kept) without
// the loader holding it; the records around it load.
func TestLongLineIsDeadLetteredWithoutReadingItWhole(t *testing.T) {
	store := newStore(t)
	const n = 48 << 20
	var obj bytes.Buffer
	zw := gzip.NewWriter(&obj)
	writeLine := func(rec map[string]any) {
		b, _ := json.Marshal(map[string]any{"_airbyte_raw_id": "r", "_airbyte_extracted_at": 1, "_airbyte_data": rec})
		zw.Write(append(b, '\n'))
	}
	writeLine(userRecord(1))
	head := `{"_airbyte_raw_id":"r","_airbyte_data":{"id":"00u2","blob":"`
	io.WriteString(zw, head)
	chunk := strings.Repeat("x", 1<<20)
	for left := n - len(head) - len(`"}}`); left > 0; left -= len(chunk) {
		io.WriteString(zw, chunk[:min(left, len(chunk))])
	}
	io.WriteString(zw, `"}}`+"\n")
	writeLine(userRecord(3))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	key := dataKey("users", "01_1000_0")
	if err := store.Put(context.Background(), key, obj.Bytes()); err != nil {
		t.Fatal(err)
	}
	pe := newPort(t, portSetup{})
	l := newLoader(t, store, pe, Config{MaxLineBytes: 1 << 20})
	growth := heap.PeakGrowth(func() { run(t, l) })
	t.Logf("a %d MiB line in a %d KiB object grew the heap by %d MiB", n>>20, obj.Len()>>10, growth>>20)
	if growth > 24<<20 {
		t.Errorf("loading grew the heap by %d MiB, want at most 24 MiB with a 1 MiB line limit", growth>>20)
	}
	if got := pe.count("okta_user"); got != 2 {
		t.Errorf("%d users in Port, want the 2 around the long line", got)
	}
	_, dls := deadLettersIn(t, store, "data")
	if len(dls) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dls))
	}
	if dl := dls[0]; dl.Line != 2 || !strings.Contains(dl.Reason, "line too long") || dl.RawLineBytes != n || len(dl.RawLine) != 64<<10 || !strings.HasPrefix(dl.RawLine, head) {
		t.Errorf("dead letter: line %d, reason %q, raw %d of %d bytes", dl.Line, dl.Reason, len(dl.RawLine), dl.RawLineBytes)
	}
}

// lakeKey is a key in the default layout with the given file name.
func lakeKey(stream, file string) string {
	return strings.TrimSuffix(dataKey(stream, "x"), "x.jsonl.gz") + file
}
