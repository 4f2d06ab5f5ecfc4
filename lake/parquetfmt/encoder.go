package parquetfmt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/oktalake/oktalake/internal/iox"
	"github.com/oktalake/oktalake/lake"
)

// Records are gathered in Arrow builders and handed to the Parquet writer
// in batches of this many rows (or this many bytes of JSON): each batch
// leaves its builders' buffers as garbage, so small batches keep the heap
// near what is live (1M users peak at about 130 MB RSS, against 150 with
// 4096-row batches, at the same speed; BenchmarkPeakMemory1MUsers).
const (
	batchRows  = 1024
	batchBytes = 1 << 20
)

// encState is a node's encoder state: its builder and scratch space reused
// from record to record.
type encState struct {
	tok   []byte // the node's JSON Pointer reference token, "/name"
	b     array.Builder
	str   *array.StringBuilder // kindString, kindJSON
	ts    *array.TimestampBuilder
	i64   *array.Int64Builder
	f64   *array.Float64Builder
	bl    *array.BooleanBuilder
	st    *array.StructBuilder // kindStruct, nil for the root
	lst   *array.ListBuilder
	resid *array.StringBuilder // kindStruct: the additional-properties child

	members  []member
	slot     []int // child index → member index, -1 for absent
	extra    []int // members no child declares
	residBuf []byte
}

// Encoder writes the records of one stream as one Parquet object to an
// io.Writer, streaming: a row group is written out once it reaches
// Options.RowGroupSize, so memory is bounded by about one row group and
// one batch of records, whatever the stream's size. Close writes the
// footer; the object is not readable before. An Encoder is not safe for
// concurrent use.
type Encoder struct {
	stream string
	opts   Options
	lay    *layout
	out    *iox.CountingWriter // keeps the first write error: the Parquet writer does not report every failed write of a row group
	fw     *pqarrow.FileWriter
	rb     *array.RecordBuilder

	rawID       *array.StringBuilder
	extractedAt *array.TimestampBuilder
	generation  *array.Int64Builder
	meta        *array.StructBuilder
	changes     *array.ListBuilder
	syncID      *array.Int64Builder
	nulls       *array.ListBuilder
	nullValues  *array.StringBuilder

	compact       []byte // the record being written, compacted
	scratch       []byte
	path          []byte // JSON Pointer of the object being encoded
	nullsOpen     bool   // the current row's null list has been started
	rows          int    // rows in the open batch
	batchBytes    int
	rowGroupBytes int64 // bytes of the records bound for the open row group
	records       int64
	rowGroupFull  bool // the open row group has reached RowGroupSize
	err           error
}

// NewEncoder starts a Parquet object of stream on w, with the layout
// derived from the stream's JSON schema (see the package documentation).
// Nothing is written to w before the first row group but the file's magic.
func NewEncoder(w io.Writer, stream string, opts Options) (*Encoder, error) {
	l, err := streamLayout(stream)
	if err != nil {
		return nil, err
	}
	return newEncoder(w, l, opts)
}

func newEncoder(w io.Writer, l *layout, opts Options) (*Encoder, error) {
	opts.SetDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	arrowProps := pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())
	leaves, err := pqarrow.ToParquet(l.schema, nil, arrowProps)
	if err != nil {
		return nil, fmt.Errorf("starting a Parquet object of %s: %w", l.stream, err)
	}
	out := &iox.CountingWriter{W: w}
	fw, err := pqarrow.NewFileWriter(l.schema, out, opts.writerProperties(leaves), arrowProps)
	if err != nil {
		return nil, fmt.Errorf("starting a Parquet object of %s: %w", l.stream, err)
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, l.schema)
	e := &Encoder{stream: l.stream, opts: opts, lay: l, out: out, fw: fw, rb: rb}
	e.rawID = rb.Field(0).(*array.StringBuilder)
	e.extractedAt = rb.Field(1).(*array.TimestampBuilder)
	e.generation = rb.Field(2).(*array.Int64Builder)
	e.meta = rb.Field(3).(*array.StructBuilder)
	e.changes = e.meta.FieldBuilder(0).(*array.ListBuilder)
	e.syncID = e.meta.FieldBuilder(1).(*array.Int64Builder)
	const first = 4 // record columns start after the envelope's
	root := l.root
	for i, c := range root.children {
		bindEnc(c, rb.Field(first+i))
	}
	root.enc.resid = rb.Field(first + len(root.children)).(*array.StringBuilder)
	root.enc.slot = make([]int, len(root.children))
	e.nulls = rb.Field(first + len(root.children) + 1).(*array.ListBuilder)
	e.nullValues = e.nulls.ValueBuilder().(*array.StringBuilder)
	return e, nil
}

// bindEnc attaches a node (and its descendants) to its builder.
func bindEnc(n *node, b array.Builder) {
	s := &n.enc
	s.tok = appendPointerToken(nil, n.name)
	s.b = b
	switch n.kind {
	case kindString, kindJSON:
		s.str = b.(*array.StringBuilder)
	case kindTimestamp:
		s.ts = b.(*array.TimestampBuilder)
	case kindInt:
		s.i64 = b.(*array.Int64Builder)
	case kindFloat:
		s.f64 = b.(*array.Float64Builder)
	case kindBool:
		s.bl = b.(*array.BooleanBuilder)
	case kindStruct:
		s.st = b.(*array.StructBuilder)
		for i, c := range n.children {
			bindEnc(c, s.st.FieldBuilder(i))
		}
		s.resid = s.st.FieldBuilder(len(n.children)).(*array.StringBuilder)
		s.slot = make([]int, len(n.children))
	case kindList:
		s.lst = b.(*array.ListBuilder)
		bindEnc(n.item, s.lst.ValueBuilder())
	}
}

// Write appends one record, a JSON object, with its Airbyte metadata. A
// record that is not a valid UTF-8 JSON object is rejected (an error
// wrapping lake.ErrRejected) without harming the object; any other failure
// ends the encoder.
func (e *Encoder) Write(record json.RawMessage, m lake.LineMeta) error {
	if e.err != nil {
		return e.err
	}
	rec, err := compactJSON(e.compact[:0], record)
	if err != nil {
		return fmt.Errorf("encoding a %s record: %w: %w", e.stream, lake.ErrRejected, err)
	}
	e.compact = rec
	if rec[0] != '{' {
		return fmt.Errorf("encoding a %s record: %w: %w", e.stream, lake.ErrRejected, errNotObject)
	}
	if !utf8.Valid(rec) {
		return fmt.Errorf("encoding a %s record: %w: record is not valid UTF-8", e.stream, lake.ErrRejected)
	}
	e.rawID.Append(m.RawID)
	e.extractedAt.Append(arrow.Timestamp(m.ExtractedAt.UnixMilli()))
	e.generation.Append(m.GenerationID)
	e.meta.Append(true)
	e.changes.Append(true) // Airbyte's changes: always empty, nothing is nulled or truncated
	e.syncID.Append(m.SyncID)

	e.path, e.nullsOpen = e.path[:0], false
	e.encodeObject(e.lay.root, rec)
	if !e.nullsOpen {
		e.nulls.AppendNull()
	}
	e.records++
	e.rows++
	e.batchBytes += len(rec)
	e.rowGroupBytes += int64(len(rec))
	if e.rows >= batchRows || e.batchBytes >= batchBytes || e.rowGroupBytes >= e.opts.RowGroupSize {
		return e.flush()
	}
	return nil
}

// encodeObject appends the JSON object obj to the children of struct node
// n: each declared member to its child's column, and every member the
// columns do not hold exactly to n's additional properties.
func (e *Encoder) encodeObject(n *node, obj []byte) {
	s := &n.enc
	s.members = appendMembers(s.members[:0], obj)
	for i := range s.slot {
		s.slot[i] = -1
	}
	s.extra = s.extra[:0]
	for mi := range s.members {
		if ci, ok := n.byName[string(s.members[mi].key)]; ok {
			s.slot[ci] = mi // a repeated key: the last one wins, as in encoding/json and jq
		} else {
			s.extra = append(s.extra, mi)
		}
	}
	resid := s.residBuf[:0]
	for ci, c := range n.children {
		mi := s.slot[ci]
		if mi < 0 {
			c.enc.b.AppendNull()
			continue
		}
		v := s.members[mi].value
		if v[0] == 'n' {
			c.enc.b.AppendNull()
			e.addNull(c.enc.tok)
			continue
		}
		mark := len(e.path)
		e.path = append(e.path, c.enc.tok...)
		exact := e.encodeValue(c, v)
		e.path = e.path[:mark]
		if !exact {
			resid = appendMember(resid, &s.members[mi])
		}
	}
	for _, mi := range s.extra {
		resid = appendMember(resid, &s.members[mi])
	}
	if len(resid) == 0 {
		s.resid.AppendNull()
	} else {
		s.resid.BinaryBuilder.Append(append(resid, '}'))
	}
	s.residBuf = resid
}

// appendMember adds "key":value to a JSON object being built in dst.
func appendMember(dst []byte, m *member) []byte {
	if len(dst) == 0 {
		dst = append(dst, '{')
	} else {
		dst = append(dst, ',')
	}
	dst = append(dst, m.rawKey...)
	dst = append(dst, ':')
	return append(dst, m.value...)
}

// addNull records that the member at the current path plus tok was null.
func (e *Encoder) addNull(tok []byte) {
	if !e.nullsOpen {
		e.nulls.Append(true)
		e.nullsOpen = true
	}
	e.nullValues.BinaryBuilder.Append(append(e.path, tok...))
}

// encodeValue appends the non-null value v to node n's column, or a null
// when the column cannot hold it. It reports whether the column holds v
// exactly: when not, the caller keeps v in the additional properties,
// which then take precedence when the record is read back.
func (e *Encoder) encodeValue(n *node, v []byte) (exact bool) {
	s := &n.enc
	switch n.kind {
	case kindString:
		if v[0] != '"' {
			break
		}
		var b []byte
		b, exact = e.unquote(v)
		s.str.BinaryBuilder.Append(b)
		return exact
	case kindTimestamp:
		ms, ok, exact := e.timestamp(v)
		if !ok {
			break
		}
		s.ts.Append(arrow.Timestamp(ms))
		return exact
	case kindInt:
		i, ok, exact := parseInt(v)
		if !ok {
			break
		}
		s.i64.Append(i)
		return exact
	case kindFloat:
		f, ok, exact := parseFloat(v)
		if !ok {
			break
		}
		s.f64.Append(f)
		return exact
	case kindBool:
		if v[0] != 't' && v[0] != 'f' {
			break
		}
		s.bl.Append(v[0] == 't')
		return true
	case kindJSON:
		if n.jsonOnly != 0 && v[0] != n.jsonOnly {
			break
		}
		s.str.BinaryBuilder.Append(v)
		return true
	case kindStruct:
		if v[0] != '{' {
			break
		}
		s.st.Append(true)
		e.encodeObject(n, v)
		return true
	case kindList:
		if v[0] != '[' || !e.fits(n, v) {
			break
		}
		s.lst.Append(true)
		exact = true
		mark := len(e.path)
		eachItem(v, func(j int, item []byte) {
			if item[0] == 'n' {
				n.item.enc.b.AppendNull()
				return
			}
			e.path = strconv.AppendInt(append(e.path[:mark], '/'), int64(j), 10)
			if !e.encodeValue(n.item, item) {
				exact = false // the list holds every item, but not exactly: the caller keeps the array
			}
		})
		e.path = e.path[:mark]
		return exact
	}
	s.b.AppendNull()
	return false
}

// fits reports whether node n's column can hold v, which for a list means
// every item: a list is typed whole or not at all.
func (e *Encoder) fits(n *node, v []byte) bool {
	if v[0] == 'n' {
		return true
	}
	switch n.kind {
	case kindString:
		return v[0] == '"'
	case kindTimestamp:
		_, ok, _ := e.timestamp(v)
		return ok
	case kindInt:
		_, ok, _ := parseInt(v)
		return ok
	case kindFloat:
		_, ok, _ := parseFloat(v)
		return ok
	case kindBool:
		return v[0] == 't' || v[0] == 'f'
	case kindJSON:
		return n.jsonOnly == 0 || v[0] == n.jsonOnly
	case kindStruct:
		return v[0] == '{'
	case kindList:
		if v[0] != '[' {
			return false
		}
		ok := true
		eachItem(v, func(_ int, item []byte) { ok = ok && e.fits(n.item, item) })
		return ok
	}
	return false
}

// unquote decodes a string token; the result is valid until the next call.
func (e *Encoder) unquote(tok []byte) ([]byte, bool) {
	body := tok[1 : len(tok)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		return body, true
	}
	s, exact := unquote(tok)
	e.scratch = append(e.scratch[:0], s...)
	return e.scratch, exact
}

// timestamp reads a date-time token: Okta's own layout on a fast path,
// any other RFC 3339 date-time through time.Parse.
func (e *Encoder) timestamp(tok []byte) (ms int64, ok, exact bool) {
	if ms, ok := canonicalMillis(tok); ok {
		return ms, true, true
	}
	return parseTimestamp(tok)
}

// canonicalMillis parses a token in exactly timeLayout, "2024-05-01T09:30:00.000Z";
// any such token with valid fields formats back to itself.
func canonicalMillis(tok []byte) (int64, bool) {
	if len(tok) != 26 || tok[0] != '"' || tok[25] != '"' {
		return 0, false
	}
	b := tok[1:25]
	if b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[19] != '.' || b[23] != 'Z' {
		return 0, false
	}
	num := func(b []byte) int {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d, h, mi, sec, milli := num(b[0:4]), num(b[5:7]), num(b[8:10]), num(b[11:13]), num(b[14:16]), num(b[17:19]), num(b[20:23])
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || milli < 0 {
		return 0, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, milli*int(time.Millisecond), time.UTC)
	if t.Day() != d { // 31 April rolls over into May
		return 0, false
	}
	return t.UnixMilli(), true
}

// flush hands the open batch to the Parquet writer. Once the row group
// holds RowGroupSize bytes of records it is full: the next batch starts a
// new one, which writes the full one out. (Starting it at once would leave
// an empty row group at the end of an object that ends here.)
func (e *Encoder) flush() (err error) {
	if e.rows == 0 {
		return nil
	}
	defer e.recoverInto(&err, "writing a row group")
	rec := e.rb.NewRecord()
	defer rec.Release()
	if e.rowGroupFull {
		e.fw.NewBufferedRowGroup()
		e.rowGroupFull = false
	}
	if err := e.fw.WriteBuffered(rec); err != nil {
		return e.fail(fmt.Errorf("writing a row group of %s: %w", e.stream, err))
	}
	if err := e.out.Err; err != nil {
		return e.fail(fmt.Errorf("writing a row group of %s: %w", e.stream, err))
	}
	e.rows, e.batchBytes = 0, 0
	if e.rowGroupBytes >= e.opts.RowGroupSize {
		e.rowGroupFull, e.rowGroupBytes = true, 0
	}
	return nil
}

// recoverInto turns a panic of arrow's writer into the encoder's failure:
// the part is then aborted by its writer, the process goes on.
func (e *Encoder) recoverInto(err *error, doing string) {
	if p := recover(); p != nil {
		*err = e.fail(fmt.Errorf("%s of %s: %v", doing, e.stream, p))
	}
}

// Close writes the last row group and the footer. The encoder cannot be
// used afterwards; w is not closed.
func (e *Encoder) Close() (err error) {
	if e.err != nil {
		return e.err
	}
	defer e.recoverInto(&err, "finishing a Parquet object")
	if err := e.flush(); err != nil {
		return err
	}
	defer e.rb.Release()
	if err := e.fw.Close(); err != nil {
		return e.fail(fmt.Errorf("finishing a Parquet object of %s: %w", e.stream, err))
	}
	if err := e.out.Err; err != nil {
		return e.fail(fmt.Errorf("finishing a Parquet object of %s: %w", e.stream, err))
	}
	e.err = fmt.Errorf("writing %s: %w", e.stream, errClosed)
	return nil
}

var errClosed = errors.New("parquet encoder is closed")

// fail ends the encoder with err.
func (e *Encoder) fail(err error) error {
	e.err = err
	return err
}

// BytesWritten is the object's size so far, for rotation: the bytes handed
// to w plus the pages of the open row group compressed so far. Until the
// row group is written out, its columns' last pages and dictionaries are
// not counted: the object may end up to about one compressed row group
// larger, plus the footer.
func (e *Encoder) BytesWritten() int64 {
	if e.fw == nil {
		return e.out.N
	}
	return e.out.N + e.fw.RowGroupTotalCompressedBytes()
}

// Records is the number of records written so far.
func (e *Encoder) Records() int64 { return e.records }
