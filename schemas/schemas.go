// Package schemas embeds the files oktalake ships: a JSON schema per Okta
// stream, Port blueprints, and the default mappings (Port's webhook dialect
// and Ocean's resource dialect).
package schemas

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

//go:embed streams/*.json port/blueprints/*.json mappings/*
var files embed.FS

// StreamSchema returns the JSON schema of the named stream.
func StreamSchema(stream string) ([]byte, error) {
	b, err := files.ReadFile(path.Join("streams", stream+".json"))
	if err != nil {
		return nil, fmt.Errorf("reading schema of stream %q: %w", stream, err)
	}
	return b, nil
}

// PortBlueprints returns the shipped Port blueprints keyed by identifier.
func PortBlueprints() (map[string]json.RawMessage, error) {
	entries, err := fs.Glob(files, "port/blueprints/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(entries)
	out := map[string]json.RawMessage{}
	for _, name := range entries {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		var head struct {
			Identifier string `json:"identifier"`
		}
		if err := json.Unmarshal(b, &head); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", name, err)
		}
		if head.Identifier == "" {
			return nil, fmt.Errorf("%s: blueprint has no identifier", name)
		}
		out[head.Identifier] = b
	}
	return out, nil
}

// DefaultMapping returns the default webhook-dialect mapping covering every stream.
func DefaultMapping() []byte { return mustRead("mappings/default.json") }

// Mapping returns a shipped mapping file by name (for example "seed003.json", "ocean.yaml").
func Mapping(name string) ([]byte, error) {
	b, err := files.ReadFile(path.Join("mappings", name))
	if err != nil {
		return nil, fmt.Errorf("reading mapping %q: %w", name, err)
	}
	return b, nil
}

func mustRead(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("schemas: embedded file %s missing: %v", name, err))
	}
	return b
}
