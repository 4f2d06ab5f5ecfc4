package streams

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// KeyOf is the record key of a record of s: its primary-key fields' values
// joined with "/" (the parent id first for fan-out streams, as the catalog
// orders PrimaryKey). Values are strings in Okta's records; a number is
// written as JSON gives it. A "/" or "%" inside a value is escaped (%2F,
// %25) so that distinct keys never join alike.
func (s Stream) KeyOf(record json.RawMessage) (string, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(record, &fields); err != nil {
		return "", fmt.Errorf("reading the key of a %s record: %w", s.Name, err)
	}
	parts := make([]string, len(s.PrimaryKey))
	for i, name := range s.PrimaryKey {
		raw, ok := fields[name]
		if !ok || string(raw) == "null" {
			return "", fmt.Errorf("reading the key of a %s record: no %s", s.Name, name)
		}
		v, err := keyValue(raw)
		if err != nil {
			return "", fmt.Errorf("reading the key of a %s record: %s: %w", s.Name, name, err)
		}
		parts[i] = escapeKeyPart(v)
	}
	return strings.Join(parts, "/"), nil
}

func keyValue(raw json.RawMessage) (string, error) {
	var str string
	if err := json.Unmarshal(raw, &str); err == nil {
		if str == "" {
			return "", fmt.Errorf("empty")
		}
		return str, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	return "", fmt.Errorf("%.40s is neither a string nor a number", raw)
}

func escapeKeyPart(v string) string {
	if !strings.ContainsAny(v, "/%") {
		return v
	}
	return strings.NewReplacer("%", "%25", "/", "%2F").Replace(v)
}

// SplitKey is the inverse of KeyOf: the primary-key fields of a record key,
// in PrimaryKey order, with their values.
func (s Stream) SplitKey(key string) ([]KeyValue, error) {
	parts := strings.Split(key, "/")
	if len(parts) != len(s.PrimaryKey) {
		return nil, fmt.Errorf("record key %q of %s: want %d parts (%s)", key, s.Name, len(s.PrimaryKey), strings.Join(s.PrimaryKey, ", "))
	}
	out := make([]KeyValue, len(parts))
	for i, p := range parts {
		v := p
		if strings.Contains(p, "%") {
			u, err := unescapeKeyPart(p)
			if err != nil {
				return nil, fmt.Errorf("record key %q of %s: %w", key, s.Name, err)
			}
			v = u
		}
		out[i] = KeyValue{Field: s.PrimaryKey[i], Value: v}
	}
	return out, nil
}

func unescapeKeyPart(p string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			b.WriteByte(p[i])
			continue
		}
		if i+2 >= len(p) {
			return "", fmt.Errorf("bad escape in %q", p)
		}
		c, err := strconv.ParseUint(p[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("bad escape in %q", p)
		}
		b.WriteByte(byte(c))
		i += 2
	}
	return b.String(), nil
}

// KeyValue is one primary-key field of a record and its value.
type KeyValue struct {
	Field, Value string
}

// ParentOf is the parent id in a record key of a fan-out stream (its first
// part); "" for a stream without a parent.
func (s Stream) ParentOf(key string) string {
	if s.Parent == "" {
		return ""
	}
	kv, err := s.SplitKey(key)
	if err != nil {
		return ""
	}
	for _, f := range kv {
		if f.Field == s.ParentIDField {
			return f.Value
		}
	}
	return ""
}
