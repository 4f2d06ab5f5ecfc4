package port

import (
	"encoding/json"
	"fmt"
	"regexp"
	"unicode/utf8"
)

// Entity is one entity for Port's bulk upsert. Identifier is a string or a
// search query object; nil Title, Icon and Team are left out.
type Entity struct {
	Identifier any            `json:"identifier"`
	Title      any            `json:"title,omitempty"`
	Icon       any            `json:"icon,omitempty"`
	Team       any            `json:"team,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
	Relations  map[string]any `json:"relations,omitempty"`
}

// Failure is an entity Port refused (Status is Port's status for it, Error
// and Message Port's words), or one the client refused without sending it
// (Status 0): an invalid identifier, or a body over Port's 1 MiB limit.
type Failure struct {
	// Index is the entity's index in the slice given to Upsert or Delete.
	Index      int
	Identifier any
	Status     int
	Error      string
	Message    string
}

// Port's identifier rule is ^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/=-]+$ with at
// most 1000 characters; Go's regexp has no lookahead, so "." and ".." are
// refused separately.
var identifierChars = regexp.MustCompile(`^[\p{L}0-9@_.+:\\/=-]+$`)

const maxIdentifierLen = 1000

// validIdentifier reports whether s follows Port's entity identifier rule.
func validIdentifier(s string) bool {
	return s != "." && s != ".." && utf8.RuneCountInString(s) <= maxIdentifierLen && identifierChars.MatchString(s)
}

// checkEntity applies the identifier rule to the entity and its relation
// targets, which Port's route schema enforces for the whole request.
func checkEntity(e Entity) (code, message string, ok bool) {
	switch id := e.Identifier.(type) {
	case string:
		if !validIdentifier(id) {
			return "invalid_identifier", fmt.Sprintf("identifier %q does not match Port's identifier rule", id), false
		}
	case map[string]any, json.RawMessage:
		// A search query; Port resolves it.
	default:
		return "invalid_identifier", fmt.Sprintf("identifier must be a string or a search query, got %T", e.Identifier), false
	}
	for name, v := range e.Relations {
		var targets []string
		switch x := v.(type) {
		case string:
			targets = []string{x}
		case []string:
			targets = x
		case []any:
			for _, t := range x {
				s, ok := t.(string)
				if !ok {
					return "invalid_relation", fmt.Sprintf("relation %q: %v is not an identifier", name, t), false
				}
				targets = append(targets, s)
			}
		}
		for _, t := range targets {
			if !validIdentifier(t) {
				return "invalid_relation", fmt.Sprintf("relation %q: identifier %q does not match Port's identifier rule", name, t), false
			}
		}
	}
	return "", "", true
}
