package airbyte

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// protocolPath is Airbyte's protocol schema, as Airbyte publishes it.
var protocolPath = filepath.Join("..", "testdata", "specs", "airbyte-protocol.yaml")

var (
	protocolOnce sync.Once
	protocolDefs map[string]*jsonschema.Schema
	protocolErr  error
)

// protocolSchema compiles one definition of the protocol schema
// ("AirbyteMessage", "ConfiguredAirbyteCatalog"), formats asserted.
func protocolSchema(t *testing.T, def string) *jsonschema.Schema {
	t.Helper()
	protocolOnce.Do(func() {
		raw, err := os.ReadFile(protocolPath)
		if err != nil {
			protocolErr = err
			return
		}
		var doc any
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			protocolErr = err
			return
		}
		js, err := json.Marshal(doc)
		if err != nil {
			protocolErr = err
			return
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
		if err != nil {
			protocolErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft7)
		c.AssertFormat()
		const loc = "mem://airbyte_protocol.json"
		if err := c.AddResource(loc, v); err != nil {
			protocolErr = err
			return
		}
		protocolDefs = map[string]*jsonschema.Schema{}
		for _, d := range []string{"AirbyteMessage", "ConfiguredAirbyteCatalog", "AirbyteStateMessage"} {
			s, err := c.Compile(loc + "#/definitions/" + d)
			if err != nil {
				protocolErr = err
				return
			}
			protocolDefs[d] = s
		}
	})
	if protocolErr != nil {
		t.Fatalf("loading the Airbyte protocol schema %s: %v", protocolPath, protocolErr)
	}
	s := protocolDefs[def]
	if s == nil {
		t.Fatalf("no compiled definition %s", def)
	}
	return s
}

// compileSchema compiles a JSON schema document (a stream's, the spec's).
func compileSchema(t *testing.T, name string, doc []byte) *jsonschema.Schema {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("decoding schema %s: %v", name, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
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

// payloads maps each message type to the one member it carries.
var payloads = map[string]string{
	TypeRecord: "record", TypeState: "state", TypeLog: "log", TypeSpec: "spec",
	TypeConnectionStatus: "connectionStatus", TypeCatalog: "catalog", TypeTrace: "trace",
}

// messages splits out into lines and checks each against the protocol:
// valid as an AirbyteMessage, carrying exactly the member its type names,
// and a RECORD's data valid against its stream's discovered schema.
func messages(t *testing.T, out []byte) []map[string]any {
	t.Helper()
	msgSchema := protocolSchema(t, "AirbyteMessage")
	cat, err := Discover()
	if err != nil {
		t.Fatal(err)
	}
	streamSchemas := map[string]*jsonschema.Schema{}
	for _, s := range cat.Streams {
		streamSchemas[s.Name] = compileSchema(t, "stream-"+s.Name, s.JSONSchema)
	}
	var msgs []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
		if err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", n, err, line)
		}
		if err := msgSchema.Validate(v); err != nil {
			t.Errorf("line %d is not an AirbyteMessage: %v\n%s", n, err, line)
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		typ, _ := m["type"].(string)
		want := payloads[typ]
		for k := range m {
			if k != "type" && k != want {
				t.Errorf("line %d: a %s message carries %q", n, typ, k)
			}
		}
		if _, ok := m[want]; !ok {
			t.Errorf("line %d: a %s message without %q", n, typ, want)
		}
		if typ == TypeRecord {
			rec := v.(map[string]any)["record"].(map[string]any)
			stream, _ := rec["stream"].(string)
			s := streamSchemas[stream]
			if s == nil {
				t.Errorf("line %d: a record of stream %q, which discover does not list", n, stream)
			} else if err := s.Validate(rec["data"]); err != nil {
				t.Errorf("line %d: record of %s does not match its schema: %v", n, stream, err)
			}
		}
		msgs = append(msgs, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return msgs
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the golden file at line %d (run with -update after checking the diff):\ngot:  %s\nwant: %s", name, i+1, g, w)
			}
		}
	}
}
