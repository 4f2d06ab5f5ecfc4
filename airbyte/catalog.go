package airbyte

import (
	"encoding/json"
	"fmt"

	"github.com/oktalake/oktalake/schemas"
	"github.com/oktalake/oktalake/streams"
)

// Catalog is AirbyteCatalog.
type Catalog struct {
	Streams []Stream `json:"streams"`
}

// Stream is AirbyteStream.
type Stream struct {
	Name                    string          `json:"name"`
	JSONSchema              json.RawMessage `json:"json_schema"`
	SupportedSyncModes      []string        `json:"supported_sync_modes"`
	SourceDefinedCursor     bool            `json:"source_defined_cursor"`
	DefaultCursorField      []string        `json:"default_cursor_field,omitempty"`
	SourceDefinedPrimaryKey [][]string      `json:"source_defined_primary_key,omitempty"`
	IsResumable             bool            `json:"is_resumable"`
}

// Discover builds the catalog from the streams catalog and the embedded
// schemas: every stream reads in full; streams with a cursor also
// incrementally, on their source-defined cursor.
func Discover() (Catalog, error) {
	var c Catalog
	for _, s := range streams.All() {
		schema, err := schemas.StreamSchema(s.Name)
		if err != nil {
			return c, err
		}
		st := Stream{Name: s.Name, JSONSchema: schema, SupportedSyncModes: []string{streams.FullRefresh}}
		if s.Cursor != "" {
			st.SupportedSyncModes = append(st.SupportedSyncModes, streams.Incremental)
			st.SourceDefinedCursor = true
			st.DefaultCursorField = []string{s.Cursor}
			st.IsResumable = true
		}
		for _, k := range s.PrimaryKey {
			st.SourceDefinedPrimaryKey = append(st.SourceDefinedPrimaryKey, []string{k})
		}
		c.Streams = append(c.Streams, st)
	}
	return c, nil
}

// ConfiguredCatalog is ConfiguredAirbyteCatalog.
type ConfiguredCatalog struct {
	Streams []ConfiguredStream `json:"streams"`
}

// ConfiguredStream is ConfiguredAirbyteStream (the fields read uses).
type ConfiguredStream struct {
	Stream              struct{ Name string } `json:"stream"`
	SyncMode            string                `json:"sync_mode"`
	CursorField         []string              `json:"cursor_field,omitempty"`
	DestinationSyncMode string                `json:"destination_sync_mode"`
}

// selection is a configured catalog resolved against the streams catalog.
type selection struct {
	incremental, full []streams.Stream
	names             []string
}

// ParseCatalog decodes a configured catalog and checks each stream against
// the streams catalog: a known name, a sync mode it supports, and no cursor
// field other than its own. Errors name the stream's index.
func ParseCatalog(data []byte) (*ConfiguredCatalog, error) {
	var c ConfiguredCatalog
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("decoding configured catalog: %w", err)
	}
	if _, err := c.resolve(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *ConfiguredCatalog) resolve() (*selection, error) {
	sel := &selection{}
	seen := map[string]bool{}
	for i, cs := range c.Streams {
		s, ok := streams.Lookup(cs.Stream.Name)
		if !ok {
			return nil, fmt.Errorf("catalog.streams[%d].stream.name: unknown stream %q (discover lists them)", i, cs.Stream.Name)
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("catalog.streams[%d].stream.name: %q is configured twice", i, s.Name)
		}
		seen[s.Name] = true
		switch cs.SyncMode {
		case streams.FullRefresh, "":
			sel.full = append(sel.full, s)
		case streams.Incremental:
			if s.Cursor == "" {
				return nil, fmt.Errorf("catalog.streams[%d].sync_mode: stream %s reads only in full_refresh", i, s.Name)
			}
			if len(cs.CursorField) > 0 && (len(cs.CursorField) != 1 || cs.CursorField[0] != s.Cursor) {
				return nil, fmt.Errorf("catalog.streams[%d].cursor_field: stream %s's cursor is source-defined (%s)", i, s.Name, s.Cursor)
			}
			sel.incremental = append(sel.incremental, s)
		default:
			return nil, fmt.Errorf("catalog.streams[%d].sync_mode: %q is not full_refresh or incremental", i, cs.SyncMode)
		}
		sel.names = append(sel.names, s.Name)
	}
	if len(sel.names) == 0 {
		return nil, fmt.Errorf("catalog.streams: no streams configured")
	}
	return sel, nil
}
