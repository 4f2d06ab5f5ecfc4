package iox

import (
	"bytes"
	"errors"
	"testing"
)

type failAfter struct {
	ok  int
	buf bytes.Buffer
}

func (f *failAfter) Write(p []byte) (int, error) {
	if f.ok == 0 {
		return 0, errors.New("disk full")
	}
	f.ok--
	return f.buf.Write(p)
}

func TestCountingWriterKeepsTheFirstError(t *testing.T) {
	w := &failAfter{ok: 1}
	c := &CountingWriter{W: w}
	c.Write([]byte("abc"))
	if _, err := c.Write([]byte("de")); err == nil {
		t.Fatal("the second write should fail")
	}
	w.ok = 5
	if n, err := c.Write([]byte("f")); n != 0 || err == nil || err.Error() != "disk full" {
		t.Fatalf("after a failure: %d %v, want 0 and the first error", n, err)
	}
	if c.N != 3 || w.buf.String() != "abc" {
		t.Fatalf("counted %d, wrote %q; want 3 and abc", c.N, w.buf.String())
	}
}
