package parquetfmt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/oktalake/oktalake/lake"
)

// readBatchRows is how many rows the decoder reads from Parquet at a time.
const readBatchRows = 1024

// decState is a node's decoder state: its column in the current batch.
type decState struct {
	col       int    // index in the parent struct (or the file's columns)
	quotedKey []byte // "name":
	tok       []byte // "/name", the JSON Pointer reference token
	unit      arrow.TimeUnit

	arr   arrow.Array
	str   *array.String
	ts    *array.Timestamp
	i64   *array.Int64
	f64   *array.Float64
	bl    *array.Boolean
	st    *array.Struct
	lst   *array.List
	resid *array.String // kindStruct: the additional-properties child, if any

	residCol     int // kindStruct: index of the additional-properties child, -1 if none
	residBuf     []byte
	residMembers []member
}

// Decoder reads back the records of a Parquet object written by an
// Encoder: each row becomes the JSON object that was written (equal as a
// JSON value; see the package documentation). It also reads Parquet
// objects of other writers, such as Airbyte's, whose columns are of the
// types an Encoder writes, best effort: without their null list, null and
// absent typed members both read as absent. A Decoder is not safe for
// concurrent use.
type Decoder struct {
	pf     *file.Reader
	rr     pqarrow.RecordReader
	root   *node
	rawID  int // column indexes, -1 when absent
	extAt  int
	nullsI int

	rec     arrow.Record
	row     int   // next row in rec
	line    int   // rows returned so far, in the object
	total   int64 // rows in the object
	rawCol  *array.String
	extCol  *array.Timestamp
	extUnit arrow.TimeUnit
	nulls   *array.List
	nullVal *array.String

	nullIdx   map[string]int // the row's null pointers
	nullTaken []bool
	nullsLeft int
	path      []byte
	buf       []byte
	err       error
}

// NewDecoder opens the Parquet object r of size bytes. It reads the footer
// and the schema; rows are read a batch at a time, so memory is bounded by
// about one row group of the object.
func NewDecoder(r io.ReaderAt, size int64) (d *Decoder, err error) {
	defer func() { // a corrupt footer can panic arrow's thrift decoding
		if p := recover(); p != nil {
			d, err = nil, fmt.Errorf("opening Parquet object: %v", p)
		}
	}()
	pf, err := file.NewParquetReader(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, fmt.Errorf("opening Parquet object: %w", err)
	}
	if d, err = newDecoder(pf); err != nil {
		pf.Close()
		return nil, err
	}
	return d, nil
}

func newDecoder(pf *file.Reader) (*Decoder, error) {
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: readBatchRows}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("reading Parquet schema: %w", err)
	}
	sc, err := fr.Schema()
	if err != nil {
		return nil, fmt.Errorf("reading Parquet schema: %w", err)
	}
	d := &Decoder{pf: pf, rawID: -1, extAt: -1, nullsI: -1, total: pf.NumRows(), nullIdx: map[string]int{}}
	if v, ok := sc.Metadata().GetValue(metaLayout); ok && v != layoutV1 {
		return nil, fmt.Errorf("reading Parquet schema: layout version %q is not this reader's (%s): a newer oktalake wrote it", v, layoutV1)
	}
	root := &node{kind: kindStruct, dec: decState{residCol: -1}}
	for i, f := range sc.Fields() {
		switch f.Name {
		case RawIDColumn:
			if f.Type.ID() == arrow.STRING {
				d.rawID = i
			}
			continue
		case ExtractedAtColumn:
			if t, ok := f.Type.(*arrow.TimestampType); ok {
				d.extAt, d.extUnit = i, t.Unit
			}
			continue
		case GenerationIDColumn, MetaColumn, "_airbyte_ab_id", "_airbyte_emitted_at", "_airbyte_loaded_at":
			continue
		case AdditionalPropertiesColumn:
			if f.Type.ID() == arrow.STRING {
				root.dec.residCol = i
				continue
			}
		case NullFieldsColumn:
			if lt, ok := f.Type.(*arrow.ListType); ok && lt.Elem().ID() == arrow.STRING {
				d.nullsI = i
				continue
			}
		}
		c, err := decodeNode(f, false)
		if err != nil {
			return nil, fmt.Errorf("reading Parquet schema: column %s: %w", f.Name, err)
		}
		c.dec.col = i
		root.children = append(root.children, c)
	}
	d.root = root
	d.rr, err = fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		return nil, fmt.Errorf("reading Parquet row groups: %w", err)
	}
	return d, nil
}

// decodeNode builds the node of an Arrow field; json says an enclosing
// list was marked as holding JSON text.
func decodeNode(f arrow.Field, json bool) (*node, error) {
	if v, ok := f.Metadata.GetValue(metaEncoding); ok && v == encodingJSON {
		json = true
	}
	n := &node{name: f.Name}
	n.dec.quotedKey = append(appendQuoted(nil, f.Name), ':')
	n.dec.tok = appendPointerToken(nil, f.Name)
	switch t := f.Type.(type) {
	case *arrow.StringType:
		n.kind = kindString
		if json {
			n.kind = kindJSON
		}
	case *arrow.TimestampType:
		n.kind, n.dec.unit = kindTimestamp, t.Unit
	case *arrow.Int64Type:
		n.kind = kindInt
	case *arrow.Float64Type:
		n.kind = kindFloat
	case *arrow.BooleanType:
		n.kind = kindBool
	case *arrow.StructType:
		n.kind = kindStruct
		n.dec.residCol = -1
		for i, cf := range t.Fields() {
			if cf.Name == AdditionalPropertiesColumn && cf.Type.ID() == arrow.STRING {
				n.dec.residCol = i
				continue
			}
			c, err := decodeNode(cf, false)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", cf.Name, err)
			}
			c.dec.col = i
			n.children = append(n.children, c)
		}
	case *arrow.ListType:
		n.kind = kindList
		item, err := decodeNode(t.ElemField(), json)
		if err != nil {
			return nil, err
		}
		n.item = item
	default:
		return nil, fmt.Errorf("unsupported Arrow type %s", f.Type)
	}
	return n, nil
}

// bindDec attaches a node (and its descendants) to its array in the batch.
func bindDec(n *node, a arrow.Array) {
	s := &n.dec
	s.arr = a
	switch n.kind {
	case kindString, kindJSON:
		s.str = a.(*array.String)
	case kindTimestamp:
		s.ts = a.(*array.Timestamp)
	case kindInt:
		s.i64 = a.(*array.Int64)
	case kindFloat:
		s.f64 = a.(*array.Float64)
	case kindBool:
		s.bl = a.(*array.Boolean)
	case kindStruct:
		s.st = a.(*array.Struct)
		for _, c := range n.children {
			bindDec(c, s.st.Field(c.dec.col))
		}
		if s.residCol >= 0 {
			s.resid = s.st.Field(s.residCol).(*array.String)
		}
	case kindList:
		s.lst = a.(*array.List)
		bindDec(n.item, s.lst.ListValues())
	}
}

// NumRows is the number of rows (records) in the object.
func (d *Decoder) NumRows() int64 { return d.total }

// Next returns the next record, io.EOF after the last one, a
// *lake.LineError (Line is the 1-based row number) for a row that cannot
// be turned back into JSON (call Next again to continue), or another
// error when the object itself cannot be read, after which every call
// returns that error. Record.Envelope is lake.Flat: a row holds the
// record's members at the top level, beside the _airbyte_ columns.
func (d *Decoder) Next() (rec lake.Record, err error) {
	if d.err != nil {
		return lake.Record{}, d.err
	}
	// arrow's Parquet reader panics on some files (apache/arrow#43276); a
	// bad object must fail its load, not the process.
	defer func() {
		if p := recover(); p != nil {
			d.err = fmt.Errorf("reading Parquet rows after row %d: %v", d.line, p)
			rec, err = lake.Record{}, d.err
		}
	}()
	for d.rec == nil || d.row >= int(d.rec.NumRows()) {
		if !d.rr.Next() {
			if err := d.rr.Err(); err != nil && !errors.Is(err, io.EOF) {
				d.err = fmt.Errorf("reading Parquet rows after row %d: %w", d.line, err)
				return lake.Record{}, d.err
			}
			d.err = io.EOF
			return lake.Record{}, io.EOF
		}
		d.bind(d.rr.Record())
	}
	i := d.row
	d.row++
	d.line++
	data, err := d.decodeRow(i)
	if err != nil {
		return lake.Record{}, &lake.LineError{Line: d.line, Err: err}
	}
	r := lake.Record{Data: data, Line: d.line, Envelope: lake.Flat}
	if d.rawCol != nil && d.rawCol.IsValid(i) {
		r.RawID = strings.Clone(d.rawCol.Value(i))
	}
	if d.extCol != nil && d.extCol.IsValid(i) {
		r.ExtractedAt = d.extCol.Value(i).ToTime(d.extUnit).UTC()
	}
	return r, nil
}

// bind makes rec the current batch.
func (d *Decoder) bind(rec arrow.Record) {
	d.rec, d.row = rec, 0
	for _, c := range d.root.children {
		bindDec(c, rec.Column(c.dec.col))
	}
	d.root.dec.resid = nil
	if d.root.dec.residCol >= 0 {
		d.root.dec.resid = rec.Column(d.root.dec.residCol).(*array.String)
	}
	d.rawCol, d.extCol, d.nulls = nil, nil, nil
	if d.rawID >= 0 {
		d.rawCol = rec.Column(d.rawID).(*array.String)
	}
	if d.extAt >= 0 {
		d.extCol = rec.Column(d.extAt).(*array.Timestamp)
	}
	if d.nullsI >= 0 {
		d.nulls = rec.Column(d.nullsI).(*array.List)
		d.nullVal = d.nulls.ListValues().(*array.String)
	}
}

// decodeRow turns row i of the batch back into its JSON record.
func (d *Decoder) decodeRow(i int) (json.RawMessage, error) {
	clear(d.nullIdx)
	d.nullTaken = d.nullTaken[:0]
	d.nullsLeft = 0
	if d.nulls != nil && d.nulls.IsValid(i) {
		start, end := d.nulls.ValueOffsets(i)
		for j := start; j < end; j++ {
			p := d.nullVal.Value(int(j))
			if _, dup := d.nullIdx[p]; dup {
				continue
			}
			d.nullIdx[p] = len(d.nullTaken)
			d.nullTaken = append(d.nullTaken, false)
			d.nullsLeft++
		}
	}
	d.path = d.path[:0]
	var err error
	d.buf, err = d.appendObject(d.buf[:0], d.root, i)
	if err != nil {
		return nil, err
	}
	if d.nullsLeft > 0 {
		var left []string
		for p, k := range d.nullIdx {
			if !d.nullTaken[k] {
				left = append(left, p)
			}
		}
		sort.Strings(left)
		return nil, fmt.Errorf("%s names %q, which is no null typed member of the row", NullFieldsColumn, left)
	}
	return bytes.Clone(d.buf), nil
}

// takeNull reports whether the member at the current path plus tok is in
// the row's null list, and marks it as seen.
func (d *Decoder) takeNull(tok []byte) bool {
	mark := len(d.path)
	d.path = append(d.path, tok...)
	k, ok := d.nullIdx[string(d.path)]
	d.path = d.path[:mark]
	if !ok || d.nullTaken[k] {
		return false
	}
	d.nullTaken[k] = true
	d.nullsLeft--
	return true
}

// appendObject writes struct node n at row i: its typed members, then its
// additional properties, which take precedence over a typed member of the
// same name (the typed column then holds an approximation, such as a
// date-time in another layout truncated to milliseconds).
func (d *Decoder) appendObject(dst []byte, n *node, i int) ([]byte, error) {
	s := &n.dec
	resid := s.residMembers[:0]
	if s.resid != nil && s.resid.IsValid(i) {
		var err error
		s.residBuf, err = compactJSON(s.residBuf[:0], []byte(s.resid.Value(i)))
		if err != nil || s.residBuf[0] != '{' {
			return dst, fmt.Errorf("%s at %q is not a JSON object", AdditionalPropertiesColumn, d.pointer())
		}
		resid = appendMembers(resid, s.residBuf)
	}
	s.residMembers = resid
	dst = append(dst, '{')
	empty := true
	for _, c := range n.children {
		if hasMember(resid, c.name) {
			continue
		}
		if !c.dec.arr.IsValid(i) {
			if d.nullsLeft == 0 || !d.takeNull(c.dec.tok) {
				continue // absent
			}
			if !empty {
				dst = append(dst, ',')
			}
			dst = append(append(dst, c.dec.quotedKey...), "null"...)
			empty = false
			continue
		}
		if !empty {
			dst = append(dst, ',')
		}
		dst = append(dst, c.dec.quotedKey...)
		empty = false
		mark := len(d.path)
		d.path = append(d.path, c.dec.tok...)
		var err error
		dst, err = d.appendValue(dst, c, i)
		d.path = d.path[:mark]
		if err != nil {
			return dst, err
		}
	}
	for k := range resid {
		if !empty {
			dst = append(dst, ',')
		}
		dst = append(append(append(dst, resid[k].rawKey...), ':'), resid[k].value...)
		empty = false
	}
	return append(dst, '}'), nil
}

func hasMember(ms []member, name string) bool {
	for k := range ms {
		if string(ms[k].key) == name {
			return true
		}
	}
	return false
}

// appendValue writes the valid value of node n at index i.
func (d *Decoder) appendValue(dst []byte, n *node, i int) ([]byte, error) {
	s := &n.dec
	switch n.kind {
	case kindString:
		return appendQuoted(dst, s.str.Value(i)), nil
	case kindJSON:
		out, err := compactJSON(dst, []byte(s.str.Value(i)))
		if err != nil {
			return dst, fmt.Errorf("JSON column at %q holds invalid JSON: %w", d.pointer(), err)
		}
		return out, nil
	case kindTimestamp:
		dst = append(dst, '"')
		dst = appendTimestamp(dst, int64(s.ts.Value(i)), s.unit)
		return append(dst, '"'), nil
	case kindInt:
		return strconv.AppendInt(dst, s.i64.Value(i), 10), nil
	case kindFloat:
		f := s.f64.Value(i)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return dst, fmt.Errorf("number at %q is %v, which JSON cannot hold", d.pointer(), f)
		}
		return formatFloat(dst, f), nil
	case kindBool:
		return strconv.AppendBool(dst, s.bl.Value(i)), nil
	case kindStruct:
		return d.appendObject(dst, n, i)
	case kindList:
		start, end := s.lst.ValueOffsets(i)
		dst = append(dst, '[')
		mark := len(d.path)
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			if !n.item.dec.arr.IsValid(int(j)) {
				dst = append(dst, "null"...)
				continue
			}
			d.path = strconv.AppendInt(append(d.path[:mark], '/'), j-start, 10)
			var err error
			dst, err = d.appendValue(dst, n.item, int(j))
			d.path = d.path[:mark]
			if err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	}
	return dst, fmt.Errorf("node %q has no kind", n.name)
}

// appendTimestamp writes an instant as Okta does for milliseconds, and with
// the column's own precision for other units (other writers' files).
func appendTimestamp(dst []byte, v int64, unit arrow.TimeUnit) []byte {
	t := arrow.Timestamp(v).ToTime(unit).UTC()
	switch unit {
	case arrow.Millisecond:
		return t.AppendFormat(dst, timeLayout)
	case arrow.Second:
		return t.AppendFormat(dst, time.RFC3339)
	case arrow.Microsecond:
		return t.AppendFormat(dst, "2006-01-02T15:04:05.000000Z")
	}
	return t.AppendFormat(dst, "2006-01-02T15:04:05.000000000Z")
}

// pointer is the JSON Pointer of the member being decoded, for errors.
func (d *Decoder) pointer() string { return string(d.path) }

// Close releases the decoder's buffers.
func (d *Decoder) Close() error {
	if d.rr != nil {
		d.rr.Release()
		d.rr = nil
	}
	if d.err == nil {
		d.err = errors.New("reading Parquet object: decoder is closed")
	}
	return d.pf.Close()
}
