package lake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oktalake/oktalake/internal/jsonscan"
)

// Envelope is how a record is wrapped on its JSONL line.
type Envelope int

const (
	// V2 is Airbyte's current envelope (destinations v2, the default):
	// _airbyte_raw_id, _airbyte_extracted_at, _airbyte_generation_id,
	// _airbyte_meta and the record under _airbyte_data.
	V2 Envelope = iota
	// V1 is Airbyte's legacy envelope: _airbyte_ab_id, _airbyte_emitted_at
	// and the record under _airbyte_data.
	V1
	// Flat is Airbyte's root-level flattening: the record's own fields plus
	// the V2 _airbyte_* columns at the top level.
	Flat
	// Raw is a line as it is: the record alone, no Airbyte metadata. It is
	// for oktalake's own JSONL objects (dead letters), never for data, so
	// ParseEnvelope does not accept it; a Reader reads it only when told to
	// (ReaderOptions.Raw), since a record may hold _airbyte_ fields of its own.
	Raw
)

// ParseEnvelope parses "v2", "v1" or "flat".
func ParseEnvelope(s string) (Envelope, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "v2", "":
		return V2, nil
	case "v1":
		return V1, nil
	case "flat":
		return Flat, nil
	}
	return 0, fmt.Errorf("parsing envelope %q: want v2, v1 or flat", s)
}

// String returns the name ParseEnvelope accepts.
func (e Envelope) String() string {
	switch e {
	case V2:
		return "v2"
	case V1:
		return "v1"
	case Flat:
		return "flat"
	case Raw:
		return "raw"
	}
	return "Envelope(" + strconv.Itoa(int(e)) + ")"
}

// LineMeta is the Airbyte metadata written around one record.
type LineMeta struct {
	// RawID is the record's UUID (_airbyte_raw_id, or _airbyte_ab_id in V1).
	RawID string
	// ExtractedAt is when the record was read from the source.
	ExtractedAt time.Time
	// GenerationID and SyncID fill _airbyte_generation_id and
	// _airbyte_meta.sync_id (V2 and Flat).
	GenerationID, SyncID int64
}

// AppendLine appends record wrapped in envelope e, and a newline, to dst.
// The record's bytes are copied, not re-encoded; a record spread over
// several lines is compacted first so the output stays one line.
func (e Envelope) AppendLine(dst []byte, record json.RawMessage, m LineMeta) ([]byte, error) {
	rec := bytes.TrimSpace(record)
	if len(rec) == 0 {
		return dst, errors.New("encoding record: empty")
	}
	if bytes.ContainsAny(rec, "\n\r") {
		var c bytes.Buffer
		if err := json.Compact(&c, rec); err != nil {
			return dst, fmt.Errorf("encoding record: %w", err)
		}
		rec = c.Bytes()
	}
	switch e {
	case V2:
		dst = appendV2Meta(dst, m)
		dst = append(dst, `,"_airbyte_data":`...)
		dst = append(dst, rec...)
		dst = append(dst, '}')
	case V1:
		dst = append(dst, `{"_airbyte_ab_id":`...)
		dst = appendJSONString(dst, m.RawID)
		dst = append(dst, `,"_airbyte_emitted_at":`...)
		dst = strconv.AppendInt(dst, m.ExtractedAt.UnixMilli(), 10)
		dst = append(dst, `,"_airbyte_data":`...)
		dst = append(dst, rec...)
		dst = append(dst, '}')
	case Flat:
		if rec[0] != '{' || rec[len(rec)-1] != '}' {
			return dst, errors.New("encoding record: flat envelope needs a JSON object")
		}
		dst = appendV2Meta(dst, m)
		if inner := bytes.TrimSpace(rec[1 : len(rec)-1]); len(inner) > 0 {
			dst = append(dst, ',')
			dst = append(dst, inner...)
		}
		dst = append(dst, '}')
	case Raw:
		dst = append(dst, rec...)
	default:
		return dst, fmt.Errorf("encoding record: unknown envelope %d", int(e))
	}
	return append(dst, '\n'), nil
}

// appendV2Meta appends "{" and the V2 metadata columns, without a closing brace.
func appendV2Meta(dst []byte, m LineMeta) []byte {
	dst = append(dst, `{"_airbyte_raw_id":`...)
	dst = appendJSONString(dst, m.RawID)
	dst = append(dst, `,"_airbyte_extracted_at":`...)
	dst = strconv.AppendInt(dst, m.ExtractedAt.UnixMilli(), 10)
	dst = append(dst, `,"_airbyte_generation_id":`...)
	dst = strconv.AppendInt(dst, m.GenerationID, 10)
	dst = append(dst, `,"_airbyte_meta":{"changes":[],"sync_id":`...)
	dst = strconv.AppendInt(dst, m.SyncID, 10)
	return append(dst, '}')
}

// appendJSONString quotes s; UUIDs take the fast path.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // marshalling a string cannot fail
			return append(dst, q...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// DecodeLine detects which envelope line uses and returns its record.
// A JSON object without _airbyte_data is read as Flat: the record is the
// object without its _airbyte_* fields. Record.Data may share line's
// memory. Line numbers are left to the caller.
func DecodeLine(line []byte) (Record, error) {
	line = bytes.TrimSpace(line)
	if !json.Valid(line) {
		return Record{}, errors.New("decoding line: invalid JSON")
	}
	if len(line) == 0 || line[0] != '{' {
		return Record{}, errors.New("decoding line: not a JSON object")
	}
	var (
		data, rawID, abID, extractedAt, emittedAt []byte
		hasData, hasMeta                          bool
		fields                                    [][]byte // non-_airbyte_ members, for Flat
	)
	err := eachMember(line, func(key string, member, value []byte) {
		switch key {
		case "_airbyte_data":
			data, hasData = value, true
		case "_airbyte_raw_id":
			rawID = value
		case "_airbyte_ab_id":
			abID = value
		case "_airbyte_extracted_at":
			extractedAt = value
		case "_airbyte_emitted_at":
			emittedAt = value
		}
		if strings.HasPrefix(key, "_airbyte_") {
			hasMeta = true
		} else {
			fields = append(fields, member)
		}
	})
	if err != nil {
		return Record{}, fmt.Errorf("decoding line: %w", err)
	}
	var r Record
	switch {
	case hasData && rawID == nil && (abID != nil || emittedAt != nil):
		r = Record{Envelope: V1, Data: data, RawID: jsonString(abID), ExtractedAt: jsonMillis(emittedAt)}
	case hasData:
		r = Record{Envelope: V2, Data: data, RawID: jsonString(rawID), ExtractedAt: jsonMillis(extractedAt)}
	case !hasMeta:
		r = Record{Envelope: Flat, Data: line}
	default:
		r = Record{Envelope: Flat, Data: joinObject(fields), RawID: jsonString(rawID), ExtractedAt: jsonMillis(extractedAt)}
	}
	if string(r.Data) == "null" {
		return Record{}, errors.New("decoding line: _airbyte_data is null")
	}
	return r, nil
}

// joinObject builds an object from members ("key":value byte spans).
func joinObject(members [][]byte) []byte {
	n := 2
	for _, m := range members {
		n += len(m) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, m := range members {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, m...)
	}
	return append(b, '}')
}

// jsonString returns the string a JSON string literal holds, or "" when v
// is missing or not a string.
func jsonString(v []byte) string {
	if len(v) < 2 || v[0] != '"' {
		return ""
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1])
	}
	var s string
	_ = json.Unmarshal(v, &s) // v is a valid JSON string: the line passed json.Valid
	return s
}

// jsonMillis reads an Airbyte timestamp: epoch milliseconds, or an RFC 3339
// string as some destinations write it. Anything else gives the zero time.
func jsonMillis(v []byte) time.Time {
	if len(v) == 0 {
		return time.Time{}
	}
	if v[0] == '"' {
		t, err := time.Parse(time.RFC3339Nano, jsonString(v))
		if err != nil {
			return time.Time{}
		}
		return t.UTC()
	}
	if ms, err := strconv.ParseInt(string(v), 10, 64); err == nil {
		return time.UnixMilli(ms).UTC()
	}
	if f, err := strconv.ParseFloat(string(v), 64); err == nil {
		return time.UnixMilli(int64(f)).UTC()
	}
	return time.Time{}
}

// eachMember calls fn for every top-level member of the JSON object obj,
// which must already be valid JSON, with the decoded key, the member's span
// ("key":value) and the value's span. Nested values are skipped, not parsed.
func eachMember(obj []byte, fn func(key string, member, value []byte)) error {
	i := jsonscan.SkipSpace(obj, 1)
	if i < len(obj) && obj[i] == '}' {
		return nil
	}
	for i < len(obj) {
		start := i
		if obj[i] != '"' {
			return fmt.Errorf("unexpected %q at offset %d", obj[i], i)
		}
		keyEnd := jsonscan.SkipString(obj, i)
		key := jsonString(obj[i:keyEnd])
		i = jsonscan.SkipSpace(obj, keyEnd)
		i = jsonscan.SkipSpace(obj, i+1) // the ':'
		valStart := i
		i = jsonscan.SkipValue(obj, i)
		fn(key, obj[start:i], obj[valStart:i])
		i = jsonscan.SkipSpace(obj, i)
		if i >= len(obj) || obj[i] == '}' {
			return nil
		}
		i = jsonscan.SkipSpace(obj, i+1) // the ','
	}
	return errors.New("unterminated object")
}
