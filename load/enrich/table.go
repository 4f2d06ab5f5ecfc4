package enrich

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// The join's bounded memory: entries are gathered up to a byte budget,
// sorted, and spilled to run files; a k-way merge of the runs streams them
// in key order into a table file, of which only a sparse index (one key
// per indexEvery bytes) stays in memory. A lookup reads one stretch of
// the file from the index entry before the key.

// indexEvery is how many table bytes one index entry covers.
const indexEvery = 16 << 10

// entry is one (key, seq, value) of a sort; seq orders equal keys.
type entry struct {
	key string
	seq uint64
	val []byte
}

func (e entry) size() int { return len(e.key) + len(e.val) + 48 }

func less(a, b entry) bool {
	if a.key != b.key {
		return a.key < b.key
	}
	return a.seq < b.seq
}

// sorter is an external sort of entries by (key, seq).
type sorter struct {
	dir    string
	limit  int
	buf    []entry
	bytes  int
	runs   []string
	spills *int64
}

func newSorter(dir string, limit int, spills *int64) *sorter {
	return &sorter{dir: dir, limit: limit, spills: spills}
}

func (s *sorter) add(key string, seq uint64, val []byte) error {
	e := entry{key: key, seq: seq, val: val}
	s.buf = append(s.buf, e)
	s.bytes += e.size()
	if s.bytes >= s.limit {
		return s.spill()
	}
	return nil
}

// spill writes the buffer, sorted, to a run file.
func (s *sorter) spill() error {
	if len(s.buf) == 0 {
		return nil
	}
	s.sortBuffer()
	f, err := os.CreateTemp(s.dir, "run-*.bin")
	if err != nil {
		return fmt.Errorf("creating a sort run: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	for _, e := range s.buf {
		writeEntry(w, e)
	}
	err = errors.Join(w.Flush(), f.Close())
	if err != nil {
		return fmt.Errorf("writing sort run %s: %w", f.Name(), err)
	}
	s.runs = append(s.runs, f.Name())
	*s.spills++
	s.buf, s.bytes = s.buf[:0], 0
	return nil
}

func writeEntry(w *bufio.Writer, e entry) {
	var tmp [binary.MaxVarintLen64]byte
	w.Write(tmp[:binary.PutUvarint(tmp[:], uint64(len(e.key)))])
	w.WriteString(e.key)
	w.Write(tmp[:binary.PutUvarint(tmp[:], e.seq)])
	w.Write(tmp[:binary.PutUvarint(tmp[:], uint64(len(e.val)))])
	w.Write(e.val)
}

// readEntry reads one entry; io.EOF at a clean end.
func readEntry(r *bufio.Reader) (entry, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return entry{}, err
	}
	key := make([]byte, n)
	if _, err := io.ReadFull(r, key); err != nil {
		return entry{}, unexpected(err)
	}
	seq, err := binary.ReadUvarint(r)
	if err != nil {
		return entry{}, unexpected(err)
	}
	n, err = binary.ReadUvarint(r)
	if err != nil {
		return entry{}, unexpected(err)
	}
	val := make([]byte, n)
	if _, err := io.ReadFull(r, val); err != nil {
		return entry{}, unexpected(err)
	}
	return entry{key: string(key), seq: seq, val: val}, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// merge calls fn with every entry in (key, seq) order and removes the runs.
func (s *sorter) merge(fn func(entry) error) error {
	defer s.cleanup()
	if len(s.runs) == 0 { // everything fit in memory
		s.sortBuffer()
		for _, e := range s.buf {
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.spill(); err != nil {
		return err
	}
	h := &runHeap{}
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, name := range s.runs {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("opening sort run: %w", err)
		}
		files = append(files, f)
		r := bufio.NewReaderSize(f, 32<<10)
		e, err := readEntry(r)
		if errors.Is(err, io.EOF) {
			continue
		}
		if err != nil {
			return fmt.Errorf("reading sort run %s: %w", name, err)
		}
		heap.Push(h, &run{r: r, head: e, name: name})
	}
	for h.Len() > 0 {
		top := (*h)[0]
		if err := fn(top.head); err != nil {
			return err
		}
		e, err := readEntry(top.r)
		switch {
		case errors.Is(err, io.EOF):
			heap.Pop(h)
		case err != nil:
			return fmt.Errorf("reading sort run %s: %w", top.name, err)
		default:
			top.head = e
			heap.Fix(h, 0)
		}
	}
	return nil
}

// sortBuffer sorts the buffer by (key, seq), keeping the order of equals.
func (s *sorter) sortBuffer() {
	slices.SortStableFunc(s.buf, func(a, b entry) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	})
}

func (s *sorter) cleanup() {
	for _, name := range s.runs {
		os.Remove(name)
	}
	s.runs, s.buf = nil, nil
}

type run struct {
	r    *bufio.Reader
	head entry
	name string
}

type runHeap []*run

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return less(h[i].head, h[j].head) }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*run)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// table is a sorted file of (key, value) entries, several per key, with a
// sparse in-memory index.
type table struct {
	f     *os.File
	size  int64
	index []indexEntry
}

type indexEntry struct {
	key string
	off int64
}

// tableWriter writes a table; keys must come in order.
type tableWriter struct {
	f       *os.File
	cw      *countingWriter
	w       *bufio.Writer
	flushed int64 // bytes the buffer handed to the file
	off     int64
	indexed int64
	index   []indexEntry
	last    string
	n       int
}

func newTableWriter(dir string) (*tableWriter, error) {
	f, err := os.CreateTemp(dir, "table-*.bin")
	if err != nil {
		return nil, fmt.Errorf("creating a join table: %w", err)
	}
	t := &tableWriter{f: f, indexed: -indexEvery}
	t.cw = &countingWriter{w: f, n: &t.flushed}
	t.w = bufio.NewWriterSize(t.cw, 64<<10)
	return t, nil
}

// countingWriter counts the bytes written through it and keeps the first error.
type countingWriter struct {
	w   io.Writer
	n   *int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	*c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

func (t *tableWriter) add(key string, val []byte) error {
	if t.n > 0 && key < t.last {
		return fmt.Errorf("join table: key %q after %q", key, t.last)
	}
	if t.off-t.indexed >= indexEvery && (t.n == 0 || key != t.last) {
		t.index = append(t.index, indexEntry{key: key, off: t.off})
		t.indexed = t.off
	}
	before := t.w.Buffered()
	flushedBefore := t.flushed
	writeEntry(t.w, entry{key: key, val: val})
	if err := t.cw.err; err != nil {
		return fmt.Errorf("writing join table %s: %w", t.f.Name(), err)
	}
	n := (t.flushed - flushedBefore) + int64(t.w.Buffered()-before)
	t.off += n
	t.last, t.n = key, t.n+1
	return nil
}

// finish flushes the table and opens it for lookups.
func (t *tableWriter) finish() (*table, error) {
	if err := t.w.Flush(); err != nil {
		t.f.Close()
		return nil, fmt.Errorf("writing join table %s: %w", t.f.Name(), err)
	}
	return &table{f: t.f, size: t.off, index: t.index}, nil
}

// lookup returns every value stored under key, in the order written. It
// reads one stretch of the file: an index entry never falls inside a key's
// entries, so they all lie between two consecutive index offsets.
func (t *table) lookup(key string) ([][]byte, error) {
	lo, hi := 0, len(t.index)
	for lo < hi { // lo: the first index entry whose key is >= key
		mid := (lo + hi) / 2
		if t.index[mid].key < key {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	start, end := int64(0), t.size
	switch {
	case lo < len(t.index) && t.index[lo].key == key:
		start = t.index[lo].off
		if lo+1 < len(t.index) {
			end = t.index[lo+1].off
		}
	default:
		if lo > 0 {
			start = t.index[lo-1].off
		}
		if lo < len(t.index) {
			end = t.index[lo].off
		}
	}
	buf := make([]byte, end-start)
	if _, err := t.f.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading join table %s: %w", t.f.Name(), err)
	}
	var out [][]byte
	for len(buf) > 0 {
		k, v, rest, err := parseEntry(buf)
		if err != nil {
			return nil, fmt.Errorf("reading join table %s at %d: %w", t.f.Name(), start, err)
		}
		buf = rest
		if c := strings.Compare(string(k), key); c > 0 {
			break
		} else if c == 0 {
			out = append(out, v)
		}
	}
	return out, nil
}

// parseEntry cuts one entry off the front of b; the key and value share b.
func parseEntry(b []byte) (key, val, rest []byte, err error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < n {
		return nil, nil, nil, io.ErrUnexpectedEOF
	}
	key, b = b[w:w+int(n)], b[w+int(n):]
	if _, w = binary.Uvarint(b); w <= 0 { // seq, unused in tables
		return nil, nil, nil, io.ErrUnexpectedEOF
	}
	b = b[w:]
	n, w = binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < n {
		return nil, nil, nil, io.ErrUnexpectedEOF
	}
	return key, b[w : w+int(n) : w+int(n)], b[w+int(n):], nil
}

// close removes the table's file.
func (t *table) close() error {
	name := t.f.Name()
	return errors.Join(t.f.Close(), os.Remove(name))
}
