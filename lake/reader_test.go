package lake

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
)

func gzipBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// readerStep is what one call to Next should give.
type readerStep struct {
	data    string // record data, when no error
	line    int
	lineErr string // substring of a *LineError, when one is expected
}

func TestReaderLines(t *testing.T) {
	big := `{"id":"big","blob":"` + strings.Repeat("x", 3<<20) + `"}`
	input := strings.Join([]string{
		`{"_airbyte_raw_id":"a","_airbyte_extracted_at":1,"_airbyte_data":{"id":1}}`,
		`{"_airbyte_raw_id":"b","_airbyte_data":{"id":`, // truncated JSON
		``,
		`{"_airbyte_raw_id":"c","_airbyte_data":null}`,
		`{"_airbyte_ab_id":"d","_airbyte_emitted_at":1,"_airbyte_data":` + big + `}`,
		"{\"_airbyte_raw_id\":\"e\",\"id\":5}\r",
		`42`,
		`{"_airbyte_raw_id":"f","_airbyte_data":{"id":"last, no newline"}}`,
	}, "\n")
	want := []readerStep{
		{data: `{"id":1}`, line: 1},
		{lineErr: "line 2: decoding line: invalid JSON", line: 2},
		{lineErr: "line 4: decoding line: _airbyte_data is null", line: 4},
		{data: big, line: 5},
		{data: `{"id":5}`, line: 6},
		{lineErr: "line 7: decoding line: not a JSON object", line: 7},
		{data: `{"id":"last, no newline"}`, line: 8},
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"gzip", gzipBytes(t, []byte(input))},
		{"plain", []byte(input)},
		{"gzip, two members", append(gzipBytes(t, []byte(input[:len(input)/2])), gzipBytes(t, []byte(input[len(input)/2:]))...)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range want {
				rec, err := r.Next()
				if w.lineErr != "" {
					var le *LineError
					if !errors.As(err, &le) || le.Line != w.line || !strings.Contains(err.Error(), w.lineErr) {
						t.Fatalf("step %d: err = %v, want LineError %q", i, err, w.lineErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if string(rec.Data) != w.data || rec.Line != w.line {
					t.Fatalf("step %d: line %d data %.80s, want line %d data %.80s", i, rec.Line, rec.Data, w.line, w.data)
				}
			}
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("after the last record: err = %v, want io.EOF", err)
			}
		})
	}
}

func TestReaderDataIsCallers(t *testing.T) {
	in := "{\"_airbyte_data\":{\"id\":1}}\n{\"_airbyte_data\":{\"id\":2}}\n"
	r, err := NewReader(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := r.Next()
	b, _ := r.Next()
	if string(a.Data) != `{"id":1}` || string(b.Data) != `{"id":2}` {
		t.Errorf("records alias the reader's buffer: %s, %s", a.Data, b.Data)
	}
}

func TestReaderBrokenGzip(t *testing.T) {
	var lines bytes.Buffer
	for i := 0; i < 5000; i++ {
		lines.WriteString(`{"_airbyte_raw_id":"r","_airbyte_data":{"i":` + strings.Repeat("1", i%50+1) + `}}` + "\n")
	}
	good := gzipBytes(t, lines.Bytes())
	corrupt := bytes.Clone(good)
	for i := len(corrupt) / 3; i < len(corrupt)/3+64; i++ {
		corrupt[i] ^= 0x5a
	}
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-8] ^= 0xff
	tests := []struct {
		name string
		data []byte
	}{
		{"corrupt deflate data", corrupt},
		{"truncated", good[:len(good)/2]},
		{"bad checksum", badCRC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatalf("NewReader: %v (the damage is past the header)", err)
			}
			var fatal error
			for n := 0; n < 10000; n++ {
				_, err := r.Next()
				var le *LineError
				if err == nil || errors.As(err, &le) {
					continue // garbage may decode into bad lines before the stream fails
				}
				fatal = err
				break
			}
			if fatal == nil || fatal == io.EOF {
				t.Fatalf("got %v, want a stream error", fatal)
			}
			if _, err := r.Next(); err != fatal {
				t.Errorf("Next after a stream error = %v, want the same error again", err)
			}
		})
	}
	if _, err := NewReader(bytes.NewReader([]byte{0x1f, 0x8b, 0x00})); err == nil {
		t.Error("NewReader accepted a broken gzip header")
	}
}

func TestReaderEmpty(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("\n\n"), gzipBytes(t, nil)} {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(); err != io.EOF {
			t.Errorf("Next on %q = %v, want io.EOF", data, err)
		}
	}
}
