package lake

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/oktalake/oktalake/internal/heap"
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

// longLineObject gzips a good line, a line of n bytes (a JSON string
// of x's inside a record) and another good line, streaming, so the test
// never holds the long line itself.
func longLineObject(t testing.TB, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	write := func(s string) {
		if _, err := io.WriteString(zw, s); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"_airbyte_data":{"id":1}}` + "\n")
	head := `{"_airbyte_data":{"blob":"`
	write(head)
	chunk := strings.Repeat("x", 1<<20)
	for left := n - len(head) - len(`"}}`); left > 0; left -= len(chunk) {
		write(chunk[:min(left, len(chunk))])
	}
	write(`"}}` + "\n")
	write(`{"_airbyte_data":{"id":3}}` + "\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestReaderLongLineBoundedMemory: a line over the limit (64 MiB in a gzip
// of a few hundred KiB) is a LineError carrying its length and its first
// 64 KiB, read past without being held whole; the lines around it load.
func TestReaderLongLineBoundedMemory(t *testing.T) {
	const n = 64 << 20
	obj := longLineObject(t, n)
	var steps []string
	var le *LineError
	growth := heap.PeakGrowth(func() {
		r, err := NewReader(bytes.NewReader(obj))
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if errors.As(err, &le) {
				steps = append(steps, "error")
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			steps = append(steps, string(rec.Data))
		}
	})
	if want := []string{`{"id":1}`, "error", `{"id":3}`}; strings.Join(steps, " ") != strings.Join(want, " ") {
		t.Fatalf("read %v, want %v", steps, want)
	}
	if le.Line != 2 || !errors.Is(le, ErrLineTooLong) || le.Len != n || len(le.Raw) != MaxRawLine || !bytes.HasPrefix(le.Raw, []byte(`{"_airbyte_data":{"blob":"xxx`)) {
		t.Errorf("line error: line %d, %v, length %d, raw %d bytes", le.Line, le.Err, le.Len, len(le.Raw))
	}
	t.Logf("a %d MiB line in a %d KiB gzip grew the heap by %d MiB", n>>20, len(obj)>>10, growth>>20)
	if limit := uint64(5 * DefaultMaxLineBytes / 2); growth > limit {
		t.Errorf("reading a %d MiB line grew the heap by %d MiB, want at most %d MiB", n>>20, growth>>20, limit>>20)
	}
}

// TestReaderMaxLineBytes: the limit is the caller's to set.
func TestReaderMaxLineBytes(t *testing.T) {
	line := `{"_airbyte_data":{"s":"` + strings.Repeat("y", 2000) + `"}}`
	for _, tt := range []struct {
		max     int
		tooLong bool
	}{{len(line), false}, {len(line) - 1, true}, {1 << 20, false}} {
		r, err := NewReaderWith(strings.NewReader(line+"\n"+line), ReaderOptions{MaxLineBytes: tt.max})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			_, err := r.Next()
			if got := errors.Is(err, ErrLineTooLong); got != tt.tooLong {
				t.Errorf("max %d, line %d (%d bytes): err %v, want too long %v", tt.max, i+1, len(line), err, tt.tooLong)
			}
		}
	}
}

// TestReaderBadLineKeepsRaw: a line that is not a record comes back with
// its bytes, so its dead letter can show it.
func TestReaderBadLineKeepsRaw(t *testing.T) {
	r, err := NewReader(strings.NewReader("{\"_airbyte_data\":{\"id\":\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Next()
	var le *LineError
	if !errors.As(err, &le) || string(le.Raw) != `{"_airbyte_data":{"id":` || le.Len != len(le.Raw) {
		t.Fatalf("err %v, raw %q, length %d", err, le.Raw, le.Len)
	}
}

// TestReaderRequireGzip: an object named .gz that is not gzip is refused
// as a whole instead of being read as plain text, line after garbage line.
func TestReaderRequireGzip(t *testing.T) {
	for _, tt := range []struct {
		name    string
		data    []byte
		wantErr bool
	}{
		{"random bytes", []byte("\x8a\x07random bytes\nthat are not gzip\n"), true},
		{"plain JSONL", []byte("{\"_airbyte_data\":{\"id\":1}}\n"), true},
		{"gzip", gzipBytes(t, []byte("{\"_airbyte_data\":{\"id\":1}}\n")), false},
		{"empty", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReaderWith(bytes.NewReader(tt.data), ReaderOptions{RequireGzip: true})
			if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, ErrNotGzip)) {
				t.Errorf("err %v, want an error %v", err, tt.wantErr)
			}
		})
	}
}
