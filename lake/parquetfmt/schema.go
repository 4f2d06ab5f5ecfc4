package parquetfmt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/schemas"
	"github.com/oktalake/oktalake/streams"
)

// Column names. The _airbyte_ ones are Airbyte destination-s3's (Parquet
// output of destinations v2, see docs/integrations/destinations/s3-migrations.md
// in airbytehq/airbyte); the last one is ours.
const (
	// RawIDColumn holds each record's UUID.
	RawIDColumn = "_airbyte_raw_id"
	// ExtractedAtColumn holds when the record was read, as timestamp[ms, UTC].
	ExtractedAtColumn = "_airbyte_extracted_at"
	// GenerationIDColumn holds the full-refresh generation.
	GenerationIDColumn = "_airbyte_generation_id"
	// MetaColumn holds {changes: [{field, change, reason}], sync_id}.
	MetaColumn = "_airbyte_meta"
	// AdditionalPropertiesColumn, at the top level and in every struct, holds
	// as a JSON object the members its typed siblings do not: see the
	// package documentation. Airbyte's legacy Parquet output had a column of
	// this name for undeclared members (a map of strings).
	AdditionalPropertiesColumn = "_airbyte_additional_properties"
	// NullFieldsColumn lists, as RFC 6901 JSON Pointers, the typed members
	// that were JSON null: a typed column alone reads the same for a null and
	// an absent member.
	NullFieldsColumn = "_oktalake_null_fields"
)

// Arrow metadata written by the encoder and read by the decoder.
const (
	// metaEncoding on a field marks its string leaf (through lists) as JSON text.
	metaEncoding = "oktalake.encoding"
	encodingJSON = "json"
	// metaLayout on the schema names the layout version of this package.
	metaLayout = "oktalake.layout"
	layoutV1   = "1"
	// metaStream on the schema names the stream.
	metaStream = "oktalake.stream"
)

// timestampMS is the type of every date-time column.
var timestampMS = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}

// kind is how a node's values are stored.
type kind uint8

const (
	kindString    kind = iota + 1 // utf8
	kindTimestamp                 // timestamp[ms, UTC]
	kindInt                       // int64
	kindFloat                     // float64
	kindBool                      // bool
	kindJSON                      // utf8 holding JSON text
	kindStruct                    // struct, plus its additional-properties child
	kindList                      // list
)

// node is one column (or struct child, or list item) of the layout. The
// static part describes the column; the encoder and decoder each keep their
// own tree and per-node state in the other fields.
type node struct {
	name string
	kind kind
	// jsonOnly restricts a kindJSON node to objects ('{') or arrays ('[')
	// when the schema says so; 0 accepts any value.
	jsonOnly byte
	children []*node        // kindStruct, in schema order
	byName   map[string]int // kindStruct: child index by name
	item     *node          // kindList

	enc encState
	dec decState
}

// jsonSchema is the part of a JSON schema the layout reads.
type jsonSchema struct {
	Type       typeList        `json:"type"`
	Format     string          `json:"format"`
	Properties orderedProps    `json:"properties"`
	Items      json.RawMessage `json:"items"`
}

// typeList reads "type" as a string or an array of strings.
type typeList []string

func (t *typeList) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = typeList{s}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(t))
}

// orderedProps keeps "properties" in file order, which becomes column order.
type orderedProps []prop

type prop struct {
	name   string
	schema *jsonSchema
}

func (p *orderedProps) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("properties is not an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		var s jsonSchema
		if err := dec.Decode(&s); err != nil {
			return fmt.Errorf("property %q: %w", tok, err)
		}
		*p = append(*p, prop{name: tok.(string), schema: &s})
	}
	return nil
}

// layout is a stream's compiled column layout.
type layout struct {
	stream string
	root   *node // kindStruct: the record's top-level members
	schema *arrow.Schema
}

// envelopeFields are the Airbyte columns before the record's own.
func envelopeFields() []arrow.Field {
	change := arrow.StructOf(
		arrow.Field{Name: "field", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "change", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "reason", Type: arrow.BinaryTypes.String, Nullable: true},
	)
	return []arrow.Field{
		{Name: RawIDColumn, Type: arrow.BinaryTypes.String},
		{Name: ExtractedAtColumn, Type: timestampMS},
		{Name: GenerationIDColumn, Type: arrow.PrimitiveTypes.Int64},
		{Name: MetaColumn, Type: arrow.StructOf(
			arrow.Field{Name: "changes", Type: arrow.ListOf(change), Nullable: true},
			arrow.Field{Name: "sync_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		)},
	}
}

// Schema returns the Arrow schema of a stream's Parquet objects, derived
// from the stream's JSON schema in package schemas.
func Schema(stream string) (*arrow.Schema, error) {
	l, err := streamLayout(stream)
	if err != nil {
		return nil, err
	}
	return l.schema, nil
}

func streamLayout(stream string) (*layout, error) {
	raw, err := schemas.StreamSchema(stream)
	if err != nil {
		return nil, err
	}
	if st, ok := streams.Lookup(stream); ok && !st.AppendOnly {
		if raw, err = withTombstoneFields(raw); err != nil {
			return nil, fmt.Errorf("deriving the Parquet layout of stream %s: %w", stream, err)
		}
	}
	return compileLayout(stream, raw)
}

// withTombstoneFields declares, last among a JSON schema's top-level
// properties, the members of a tombstone (lake.NewTombstone) that Okta's
// schema does not: _ab_cdc_deleted_at, a date-time (Airbyte's CDC column,
// typed so that engines can filter on it), and _oktalake_deleted_by. Every
// stream that can be deleted from has them; the append-only System Log
// has none.
func withTombstoneFields(raw []byte) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decoding the JSON schema: %w", err)
	}
	props := bytes.TrimSpace(doc["properties"])
	if len(props) < 2 || props[0] != '{' {
		return nil, errors.New("the JSON schema has no properties object")
	}
	var declared map[string]json.RawMessage
	if err := json.Unmarshal(props, &declared); err != nil {
		return nil, fmt.Errorf("decoding the JSON schema's properties: %w", err)
	}
	var add []string
	if _, ok := declared[lake.TombstoneField]; !ok {
		add = append(add, fmt.Sprintf(`%q:{"type":["null","string"],"format":"date-time"}`, lake.TombstoneField))
	}
	if _, ok := declared[lake.DeletedByField]; !ok {
		add = append(add, fmt.Sprintf(`%q:{"type":["null","string"]}`, lake.DeletedByField))
	}
	if len(add) == 0 {
		return raw, nil
	}
	body := bytes.TrimSpace(props[1 : len(props)-1])
	merged := "{" + string(body)
	if len(body) > 0 {
		merged += ","
	}
	merged += strings.Join(add, ",") + "}"
	doc["properties"] = json.RawMessage(merged)
	// encoding/json sorts the document's own keys, which the layout does not
	// read; "properties" keeps its order as written.
	return json.Marshal(doc)
}

// compileLayout derives the layout from a JSON schema whose root is an object.
func compileLayout(stream string, jsonSchemaText []byte) (*layout, error) {
	var s jsonSchema
	if err := json.Unmarshal(jsonSchemaText, &s); err != nil {
		return nil, fmt.Errorf("decoding the JSON schema of stream %s: %w", stream, err)
	}
	root := compileNode("", &s)
	if root.kind != kindStruct {
		return nil, fmt.Errorf("deriving the Parquet layout of stream %s: the schema's root is not an object with properties", stream)
	}
	reserved := map[string]bool{NullFieldsColumn: true}
	for _, f := range envelopeFields() {
		reserved[f.Name] = true
	}
	for _, c := range root.children {
		if reserved[c.name] {
			return nil, fmt.Errorf("deriving the Parquet layout of stream %s: property %q collides with a column of the layout", stream, c.name)
		}
	}
	if err := checkNames(root, ""); err != nil {
		return nil, fmt.Errorf("deriving the Parquet layout of stream %s: %w", stream, err)
	}
	fields := envelopeFields()
	for _, c := range root.children {
		fields = append(fields, c.field())
	}
	fields = append(fields,
		additionalPropertiesField(),
		arrow.Field{Name: NullFieldsColumn, Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	)
	md := arrow.NewMetadata([]string{metaLayout, metaStream}, []string{layoutV1, stream})
	return &layout{stream: stream, root: root, schema: arrow.NewSchema(fields, &md)}, nil
}

// checkNames rejects a property named like the additional-properties child.
func checkNames(n *node, path string) error {
	for _, c := range n.children {
		p := path + "/" + c.name
		if c.name == AdditionalPropertiesColumn {
			return fmt.Errorf("property %s is named like the additional-properties column", p)
		}
		if err := checkNames(c, p); err != nil {
			return err
		}
	}
	if n.item != nil {
		return checkNames(n.item, path+"/[]")
	}
	return nil
}

// compileNode maps one JSON schema onto a column, following Airbyte's JSON
// to Avro/Parquet conversion (docs/understanding-airbyte/json-avro-conversion.md
// and the S3 1.0 migration guide): every column nullable; string, integer
// (int64), number (float64) and boolean typed; date-time strings as
// timestamps; objects with properties as structs; arrays with items as
// lists; objects without properties and arrays without items as JSON
// strings. A union of several non-null types is kept as JSON too.
func compileNode(name string, s *jsonSchema) *node {
	n := &node{name: name}
	var types []string
	for _, t := range s.Type {
		if t != "null" {
			types = append(types, t)
		}
	}
	if len(types) != 1 {
		n.kind = kindJSON
		return n
	}
	switch types[0] {
	case "string":
		n.kind = kindString
		if s.Format == "date-time" {
			n.kind = kindTimestamp
		}
	case "integer":
		n.kind = kindInt
	case "number":
		n.kind = kindFloat
	case "boolean":
		n.kind = kindBool
	case "object":
		if len(s.Properties) == 0 {
			n.kind, n.jsonOnly = kindJSON, '{'
			return n
		}
		n.kind = kindStruct
		n.byName = make(map[string]int, len(s.Properties))
		for _, p := range s.Properties {
			if i, dup := n.byName[p.name]; dup {
				n.children[i] = compileNode(p.name, p.schema)
				continue
			}
			n.byName[p.name] = len(n.children)
			n.children = append(n.children, compileNode(p.name, p.schema))
		}
	case "array":
		items := bytes.TrimSpace(s.Items)
		var is jsonSchema
		if len(items) == 0 || items[0] != '{' || json.Unmarshal(items, &is) != nil {
			n.kind, n.jsonOnly = kindJSON, '['
			return n
		}
		n.kind = kindList
		n.item = compileNode("", &is)
	default:
		n.kind = kindJSON
	}
	return n
}

// field returns the Arrow field of the node.
func (n *node) field() arrow.Field {
	f := arrow.Field{Name: n.name, Type: n.arrowType(), Nullable: true}
	if n.jsonLeaf() {
		f.Metadata = arrow.NewMetadata([]string{metaEncoding}, []string{encodingJSON})
	}
	return f
}

// jsonLeaf says the node's string leaf, through lists, holds JSON text.
func (n *node) jsonLeaf() bool {
	for n.kind == kindList {
		n = n.item
	}
	return n.kind == kindJSON
}

func (n *node) arrowType() arrow.DataType {
	switch n.kind {
	case kindString, kindJSON:
		return arrow.BinaryTypes.String
	case kindTimestamp:
		return timestampMS
	case kindInt:
		return arrow.PrimitiveTypes.Int64
	case kindFloat:
		return arrow.PrimitiveTypes.Float64
	case kindBool:
		return arrow.FixedWidthTypes.Boolean
	case kindStruct:
		fields := make([]arrow.Field, 0, len(n.children)+1)
		for _, c := range n.children {
			fields = append(fields, c.field())
		}
		return arrow.StructOf(append(fields, additionalPropertiesField())...)
	case kindList:
		return arrow.ListOf(n.item.arrowType())
	}
	panic(fmt.Sprintf("parquetfmt: node %q has no kind", n.name))
}

func additionalPropertiesField() arrow.Field {
	return arrow.Field{Name: AdditionalPropertiesColumn, Type: arrow.BinaryTypes.String, Nullable: true,
		Metadata: arrow.NewMetadata([]string{metaEncoding}, []string{encodingJSON})}
}

// describe renders the layout as one line per column, for golden files and
// for people: path, type, and JSON when the string holds JSON text.
func (l *layout) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# stream %s, layout %s\n", l.stream, layoutV1)
	for _, f := range l.schema.Fields() {
		describeField(&b, f.Name, f)
	}
	return b.String()
}

func describeField(b *strings.Builder, path string, f arrow.Field) {
	suffix := ""
	if v, ok := f.Metadata.GetValue(metaEncoding); ok && v == encodingJSON {
		suffix = " (JSON)"
	}
	switch t := f.Type.(type) {
	case *arrow.StructType:
		fmt.Fprintf(b, "%s struct\n", path)
		for _, c := range t.Fields() {
			describeField(b, path+"."+c.Name, c)
		}
	case *arrow.ListType:
		elem := t.ElemField()
		elem.Metadata = f.Metadata
		fmt.Fprintf(b, "%s list\n", path)
		describeField(b, path+"[]", elem)
	default:
		fmt.Fprintf(b, "%s %s%s\n", path, f.Type, suffix)
	}
}
