package parquetfmt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/mapping"
	"github.com/oktalake/oktalake/schemas"
	"github.com/oktalake/oktalake/streams"
)

// TestMappingSeesTheSameRecords is the identity the issue asks for: a lake
// of the simulated org written as gzip JSONL (lake.Writer) and as Parquet
// (Encoder), read back (lake.Reader, Decoder) and mapped by the default,
// the seed003 and the Ocean mappings, gives byte-identical mapping output
// for every record of every stream. Both are mapped as read from the same
// object key, so the key in _PORT_SOURCE_OBJECT_KEY does not differ.
func TestMappingSeesTheSameRecords(t *testing.T) {
	recs := map[string][]json.RawMessage{}
	for k, v := range orgRecords(t) {
		recs[k] = v
	}
	// The simulated org writes what Okta writes; these users also hold what
	// the typed columns cannot: custom attributes, nulls, other layouts.
	recs["users"] = append(append([]json.RawMessage(nil), recs["users"]...), trickyUsers(t, recs["users"][:len(trickyEdits)])...)
	dir := t.TempDir()
	parquetKeys := lakeDir(t, dir, recs)
	store, err := lake.NewLocalStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	maps := map[string][]byte{"default.json": schemas.DefaultMapping()}
	for _, name := range []string{"seed003.json", "ocean.yaml"} {
		if maps[name], err = schemas.Mapping(name); err != nil {
			t.Fatal(err)
		}
	}
	entities := map[string]int{}
	for _, stream := range streams.Names() {
		key := parquetKeys[stream]
		jsonl := readJSONL(t, store, jsonlKey(t, store, stream))
		parquet := readParquet(t, filepath.Join(dir, filepath.FromSlash(key)))
		if len(jsonl) != len(recs[stream]) || len(parquet) != len(jsonl) {
			t.Fatalf("%s: %d records written, %d read from JSONL, %d from Parquet", stream, len(recs[stream]), len(jsonl), len(parquet))
		}
		for _, name := range sortedKeys(maps) {
			m, err := mapping.Parse(maps[name], name, mapping.Options{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			for i := range jsonl {
				want := mapped(t, m, jsonl[i], key)
				got := mapped(t, m, parquet[i], key)
				if !bytes.Equal(got, want) {
					t.Fatalf("%s with %s, record %d: mapping output differs\n JSONL   %s\n Parquet %s\n record (JSONL)   %s\n record (Parquet) %s", stream, name, i, want, got, jsonl[i], parquet[i])
				}
				var res mapping.Result
				_ = json.Unmarshal(got, &res)
				entities[name] += len(res.Entities)
			}
		}
	}
	// The comparison means something only if the mappings produce entities.
	for name := range maps {
		if entities[name] == 0 {
			t.Errorf("%s produced no entities from the simulated org", name)
		}
	}
	t.Logf("entities compared: %v", entities)
}

func mapped(t *testing.T, m *mapping.Mapping, rec json.RawMessage, key string) []byte {
	t.Helper()
	res := m.Apply(context.Background(), rec, key)
	if res.Interrupted != "" {
		t.Fatalf("mapping interrupted: %s", res.Interrupted)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sortedKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// jsonlKey returns the key of the one JSONL object of a stream.
func jsonlKey(t *testing.T, store lake.Store, stream string) string {
	t.Helper()
	var keys []string
	err := store.List(context.Background(), "data/okta/"+stream+"/", "", func(o lake.ObjectInfo) error {
		if filepath.Ext(o.Key) == ".gz" {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil || len(keys) != 1 {
		t.Fatalf("%s: JSONL objects %v, %v; want one", stream, keys, err)
	}
	return keys[0]
}

func readJSONL(t *testing.T, store lake.Store, key string) []json.RawMessage {
	t.Helper()
	rc, err := store.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	r, err := lake.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	var out []json.RawMessage
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec.Data)
	}
}

func readParquet(t *testing.T, path string) []json.RawMessage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDecoder(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var out []json.RawMessage
	for {
		rec, err := d.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec.Data)
	}
}

// trickyEdits change one simulated user each into what a real org may hold.
var trickyEdits = []func(u map[string]any){
	func(u map[string]any) { // custom profile attributes of every JSON type
		p := u["profile"].(map[string]any)
		p["badgeNumber"] = json.Number("12345678901234567890")
		p["isContractor"] = true
		p["skills"] = []any{"go", json.Number("1.50"), nil}
		p["manager"] = map[string]any{"id": "00u1", "extra": nil}
	},
	func(u map[string]any) { // date-times in other layouts
		u["created"] = "2025-07-25T23:48:32Z"
		u["lastLogin"] = "2026-11-08T21:39:29.000+02:00"
		u["lastUpdated"] = "2026-07-30T01:09:22.114567Z"
	},
	func(u map[string]any) { // nulls where values were, values of other types
		u["lastLogin"] = nil
		u["activated"] = nil
		p := u["profile"].(map[string]any)
		p["employeeNumber"] = json.Number("100001")
		p["department"] = nil
		u["type"] = "not an object"
	},
	func(u map[string]any) { // a field Okta adds later, and a member named like a column
		u["riskScore"] = map[string]any{"level": "HIGH", "at": "2026-11-01T00:00:00.000Z"}
		u["_airbyte_additional_properties"] = "mine"
	},
}

func trickyUsers(t *testing.T, base []json.RawMessage) []json.RawMessage {
	t.Helper()
	out := make([]json.RawMessage, len(trickyEdits))
	for i, edit := range trickyEdits {
		dec := json.NewDecoder(bytes.NewReader(base[i]))
		dec.UseNumber()
		var u map[string]any
		if err := dec.Decode(&u); err != nil {
			t.Fatal(err)
		}
		u["id"] = u["id"].(string) + "X"
		edit(u)
		b, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}
