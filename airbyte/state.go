package airbyte

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/oktalake/oktalake/extract"
)

// ParseState reads --state: a list of AirbyteStateMessage of type STREAM
// (what Airbyte passes to sources that emit STREAM state), or the legacy
// object of stream name to state. Each stream's state is extract's cursor
// ({"lastUpdated": ...}, {"published": ..., "next": ...}). Errors name the
// message's index.
func ParseState(data []byte) (map[string]extract.StreamState, error) {
	out := map[string]extract.StreamState{}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return out, nil
	}
	if data[0] == '{' {
		var legacy map[string]json.RawMessage
		if err := json.Unmarshal(data, &legacy); err != nil {
			return nil, fmt.Errorf("decoding state: %w", err)
		}
		for name, raw := range legacy {
			var ss extract.StreamState
			if err := json.Unmarshal(raw, &ss); err != nil {
				return nil, fmt.Errorf("state.%s: %w", name, err)
			}
			out[name] = ss
		}
		return out, nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, fmt.Errorf("decoding state (want a list of STREAM state messages): %w", err)
	}
	for i, raw := range raws {
		var m struct {
			Type   string `json:"type"`
			Stream *struct {
				StreamDescriptor StreamDescriptor `json:"stream_descriptor"`
				StreamState      json.RawMessage  `json:"stream_state"`
			} `json:"stream"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("state[%d]: %w", i, err)
		}
		if m.Type != "STREAM" || m.Stream == nil {
			return nil, fmt.Errorf("state[%d].type: %q: oktalake keeps STREAM state (one per stream)", i, m.Type)
		}
		name := m.Stream.StreamDescriptor.Name
		if name == "" {
			return nil, fmt.Errorf("state[%d].stream.stream_descriptor.name: required", i)
		}
		var ss extract.StreamState
		if len(m.Stream.StreamState) > 0 && string(m.Stream.StreamState) != "null" {
			if err := json.Unmarshal(m.Stream.StreamState, &ss); err != nil {
				return nil, fmt.Errorf("state[%d].stream.stream_state (%s): %w", i, name, err)
			}
		}
		out[name] = ss
	}
	return out, nil
}
