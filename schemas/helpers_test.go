package schemas

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/itchyny/gojq"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// blueprint is the part of a Port blueprint the tests check.
type blueprint struct {
	Identifier  string `json:"identifier"`
	Title       string `json:"title"`
	Icon        string `json:"icon"`
	Description string `json:"description"`
	Schema      struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	} `json:"schema"`
	Relations map[string]relation `json:"relations"`
}

type relation struct {
	Title    string `json:"title"`
	Target   string `json:"target"`
	Required bool   `json:"required"`
	Many     bool   `json:"many"`
}

// mappingEntry is one entry of a webhook-dialect mapping.
type mappingEntry struct {
	Blueprint    string `json:"blueprint"`
	Operation    string `json:"operation"`
	Filter       string `json:"filter"`
	ItemsToParse string `json:"itemsToParse"`
	Entity       struct {
		Identifier string            `json:"identifier"`
		Title      string            `json:"title"`
		Properties map[string]string `json:"properties"`
		Relations  map[string]string `json:"relations"`
	} `json:"entity"`
}

// entity is what a mapping entry makes of one record.
type entity struct {
	Blueprint  string         `json:"blueprint"`
	Identifier any            `json:"identifier"`
	Title      any            `json:"title"`
	Properties map[string]any `json:"properties"`
	Relations  map[string]any `json:"relations,omitempty"`
}

func loadBlueprints(t *testing.T) map[string]blueprint {
	t.Helper()
	raw, err := PortBlueprints()
	if err != nil {
		t.Fatalf("PortBlueprints: %v", err)
	}
	out := map[string]blueprint{}
	for id, b := range raw {
		var bp blueprint
		if err := json.Unmarshal(b, &bp); err != nil {
			t.Fatalf("decoding blueprint %s: %v", id, err)
		}
		out[id] = bp
	}
	return out
}

func loadDefaultMapping(t *testing.T) []mappingEntry {
	t.Helper()
	var entries []mappingEntry
	dec := json.NewDecoder(bytes.NewReader(DefaultMapping()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&entries); err != nil {
		t.Fatalf("decoding default mapping: %v", err)
	}
	return entries
}

// loadRecords reads testdata/records/<stream>.jsonl: Okta records as the API
// returns them, plus the parent id field of fan-out streams.
func loadRecords(t *testing.T, stream string) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "records", stream+".jsonl"))
	if err != nil {
		t.Fatalf("opening records of %s: %v", stream, err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("decoding record of %s: %v", stream, err)
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading records of %s: %v", stream, err)
	}
	if len(out) == 0 {
		t.Fatalf("no records for %s", stream)
	}
	return out
}

// portEvent presents a record to jq the way Port's S3 ingestion does.
func portEvent(stream string, rec map[string]any) map[string]any {
	body := maps.Clone(rec)
	body["_PORT_SOURCE_OBJECT_KEY"] = "data/okta/" + stream + "/year=2025/month=01/09_1736406000000_0.jsonl.gz"
	return map[string]any{"body": body, "headers": map[string]any{}, "queryParams": map[string]any{}}
}

// jqFirst runs a jq expression and returns its first output (nil for none).
func jqFirst(expr string, input any) (any, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("parsing %q: %w", expr, err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, fmt.Errorf("compiling %q: %w", expr, err)
	}
	v, ok := code.Run(input).Next()
	if !ok {
		return nil, nil
	}
	if err, isErr := v.(error); isErr {
		return nil, fmt.Errorf("running %q: %w", expr, err)
	}
	return v, nil
}

// mapRecord applies one mapping entry to one event; ok is false when the
// filter rejects it.
func mapRecord(e mappingEntry, event any) (ent entity, ok bool, err error) {
	pass, err := jqFirst(e.Filter, event)
	if err != nil {
		return entity{}, false, err
	}
	if pass != true {
		return entity{}, false, nil
	}
	ent = entity{Blueprint: e.Blueprint, Properties: map[string]any{}}
	if ent.Identifier, err = jqFirst(e.Entity.Identifier, event); err != nil {
		return entity{}, false, err
	}
	if ent.Title, err = jqFirst(e.Entity.Title, event); err != nil {
		return entity{}, false, err
	}
	for k, expr := range e.Entity.Properties {
		if ent.Properties[k], err = jqFirst(expr, event); err != nil {
			return entity{}, false, fmt.Errorf("property %s: %w", k, err)
		}
	}
	if len(e.Entity.Relations) > 0 {
		ent.Relations = map[string]any{}
		for k, expr := range e.Entity.Relations {
			if ent.Relations[k], err = jqFirst(expr, event); err != nil {
				return entity{}, false, fmt.Errorf("relation %s: %w", k, err)
			}
		}
	}
	return ent, true, nil
}

// validPortIdentifier applies Port's entity identifier rule,
// ^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/=-]+$ (max 1000), which Go's regexp cannot
// compile because of the lookahead.
func validPortIdentifier(s string) bool {
	if s == "" || s == "." || s == ".." || len([]rune(s)) > 1000 {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !(r >= '0' && r <= '9') && !strings.ContainsRune(`@_.+:\/=-`, r) {
			return false
		}
	}
	return true
}

// portNamePattern is Port's rule for blueprint, property and relation identifiers.
var portNamePattern = regexp.MustCompile(`^[A-Za-z0-9@_=\-]+$`)

// compileJSONSchema compiles a JSON schema document the way Port and Airbyte
// read them: formats asserted, Port's "url" format included.
func compileJSONSchema(t *testing.T, name string, doc []byte) *jsonschema.Schema {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("decoding schema %s: %v", name, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	c.RegisterFormat(&jsonschema.Format{Name: "url", Validate: validateURL})
	loc := "mem://" + name + ".json"
	if err := c.AddResource(loc, v); err != nil {
		t.Fatalf("adding schema %s: %v", name, err)
	}
	s, err := c.Compile(loc)
	if err != nil {
		t.Fatalf("compiling schema %s: %v", name, err)
	}
	return s
}

func validateURL(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", s)
	}
	return nil
}

// propertySchema is the JSON schema Port validates an entity's properties
// against: the blueprint's properties and required list.
func propertySchema(t *testing.T, bp blueprint) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"type":       "object",
		"properties": bp.Schema.Properties,
		"required":   bp.Schema.Required,
	})
	if err != nil {
		t.Fatalf("encoding property schema of %s: %v", bp.Identifier, err)
	}
	return b
}

// withoutNulls drops null-valued properties: Port stores a null property as
// empty, so only required ones must be non-null.
func withoutNulls(props map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range props {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

func writeOrCompareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden %s (run with -update to create): %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update and review the diff)\ngot:\n%s", path, got)
	}
}
