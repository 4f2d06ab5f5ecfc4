package parquetfmt

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var compactSeeds = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e-3`, `true`, `null`, ` {"a" : [1, 2.0, "x\"y", {"b":null}], "c":false } `,
	"{\n\t\"k\": \"caf\\u00e9 \\ud83d\\ude00 \\/ \\n\"\r\n}", `{"a":1,}`, `[1,]`, `{"a"}`, `{"a":}`, `{a:1}`, `01`, `1.`, `.5`,
	`1e`, `1e+`, `-`, `--1`, `"\x"`, `"\u12"`, `"\u12zz"`, "\"a\x01b\"", `"unterminated`, `[1 2]`, `{"a":1 "b":2}`,
	`tru`, `nul`, `truex`, `[true false]`, `{"a":1}{"b":2}`, ``, `   `, "\xef\xbb\xbf{}", `1 2`, `[[[[]]]]`,
	`{"":""}`, `"\\"`, `"\"`, `[-1.25E+10,0.0e0]`,
}

// TestCompactJSONAgreesWithEncodingJSON: on valid text the compactor gives
// json.Compact's bytes; invalid text it refuses, as json.Valid does.
func TestCompactJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range compactSeeds {
		checkCompact(t, []byte(s))
	}
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if _, err := compactJSON(nil, []byte(deep)); err == nil || !strings.Contains(err.Error(), "too deep") {
		t.Errorf("compactJSON(%d nested arrays) = %v, want a depth error", maxDepth+1, err)
	}
}

func checkCompact(t *testing.T, src []byte) {
	t.Helper()
	got, err := compactJSON(nil, src)
	if valid := json.Valid(src); valid != (err == nil) {
		t.Fatalf("compactJSON(%q): error %v, but json.Valid says %v", src, err, valid)
	}
	if err != nil {
		return
	}
	var want bytes.Buffer
	if err := json.Compact(&want, src); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("compactJSON(%q) = %q, json.Compact gives %q", src, got, want.Bytes())
	}
}

// FuzzCompactJSON holds the compactor to encoding/json on any input.
func FuzzCompactJSON(f *testing.F) {
	for _, s := range compactSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if bytes.Count(src, []byte("[")) > 1000 || bytes.Count(src, []byte("{")) > 1000 {
			return // json.Valid would not stop at maxDepth in the same place
		}
		checkCompact(t, src)
	})
}
