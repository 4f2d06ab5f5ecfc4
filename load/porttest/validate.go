package porttest

import (
	"fmt"
	"math"
	"net"
	"net/mail"
	"net/url"
	"reflect"
	"strings"
	"time"
)

// entityError is one entity's failure inside a bulk request.
type entityError struct {
	status  int
	code    string
	message string
}

func (e *entityError) Error() string { return e.code + ": " + e.message }

func invalid(code, format string, args ...any) *entityError {
	return &entityError{status: 422, code: code, message: fmt.Sprintf(format, args...)}
}

// checkProperties validates the properties an upsert sends. A top-level null
// clears the property, as in Port, so it is accepted for any type; below the
// top level null must be allowed by the schema (a ["string","null"] union).
func (bp *blueprint) checkProperties(props map[string]any) *entityError {
	for name, v := range props {
		def, ok := bp.properties[name]
		if !ok {
			return invalid("unknown_property", "property %q is not defined in blueprint %q", name, bp.id)
		}
		if v == nil {
			continue
		}
		if msg := checkValue(name, def, v); msg != "" {
			return invalid("invalid_property_value", "%s", msg)
		}
	}
	return nil
}

// checkRequired reports a required property missing (or null) from the entity's final properties.
func (bp *blueprint) checkRequired(props map[string]any) *entityError {
	var missing []string
	for _, name := range bp.required {
		if props[name] == nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return invalid("missing_required_properties", "required properties %s are missing", strings.Join(missing, ", "))
	}
	return nil
}

// checkValue validates v against a property definition (type, enum, format,
// nested properties, required and items) and returns a message, or "".
func checkValue(path string, def map[string]any, v any) string {
	if types := typeNames(def["type"]); len(types) > 0 && !matchesType(types, v) {
		return fmt.Sprintf("%s must be of type %s, got %s", path, strings.Join(types, " or "), jsonType(v))
	}
	if v == nil {
		return ""
	}
	if enum, ok := def["enum"].([]any); ok && !inEnum(enum, v) {
		return fmt.Sprintf("%s must be one of %v", path, enum)
	}
	if format, ok := def["format"].(string); ok {
		if s, ok := v.(string); ok && !validFormat(format, s) {
			return fmt.Sprintf("%s must match format %q", path, format)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		if props, ok := def["properties"].(map[string]any); ok {
			for name, sub := range props {
				subDef, ok := sub.(map[string]any)
				if val, present := x[name]; ok && present {
					if msg := checkValue(path+"."+name, subDef, val); msg != "" {
						return msg
					}
				}
			}
		}
		if req, ok := def["required"].([]any); ok {
			for _, r := range req {
				if name, _ := r.(string); name != "" {
					if _, present := x[name]; !present {
						return fmt.Sprintf("%s.%s is required", path, name)
					}
				}
			}
		}
	case []any:
		if items, ok := def["items"].(map[string]any); ok {
			for i, item := range x {
				if msg := checkValue(fmt.Sprintf("%s[%d]", path, i), items, item); msg != "" {
					return msg
				}
			}
		}
	}
	return ""
}

// typeNames reads "type": "string" or "type": ["string", "null"].
func typeNames(t any) []string {
	switch x := t.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func matchesType(types []string, v any) bool {
	for _, t := range types {
		switch x := v.(type) {
		case nil:
			if t == "null" {
				return true
			}
		case string:
			if t == "string" {
				return true
			}
		case bool:
			if t == "boolean" {
				return true
			}
		case float64:
			if t == "number" || (t == "integer" && x == math.Trunc(x)) {
				return true
			}
		case map[string]any:
			if t == "object" {
				return true
			}
		case []any:
			if t == "array" {
				return true
			}
		}
	}
	return false
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

func inEnum(enum []any, v any) bool {
	for _, e := range enum {
		if reflect.DeepEqual(e, v) {
			return true
		}
	}
	return false
}

// validFormat checks the string formats Port validates; other formats
// (markdown, yaml, user, team, ...) accept any string.
func validFormat(format, s string) bool {
	switch format {
	case "date-time":
		_, err := time.Parse(time.RFC3339Nano, s)
		return err == nil
	case "email", "idn-email":
		a, err := mail.ParseAddress(s)
		return err == nil && a.Address == s
	case "url":
		u, err := url.Parse(s)
		return err == nil && u.Scheme != "" && u.Host != ""
	case "ipv4":
		ip := net.ParseIP(s)
		return ip != nil && ip.To4() != nil && !strings.Contains(s, ":")
	case "ipv6":
		ip := net.ParseIP(s)
		return ip != nil && strings.Contains(s, ":")
	}
	return true
}
