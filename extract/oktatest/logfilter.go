package oktatest

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
)

// Keyword limits of the System Log's q parameter ("List all System Log
// events": at most 40 characters a keyword and 10 keywords a query).
const (
	maxLogKeywords      = 10
	maxLogKeywordLength = 40
)

// logAttrPath is a dotted attribute path such as target.id or
// client.geographicalContext.city. Brackets are not allowed: the System
// Log supports "all operators except [ ]".
var logAttrPath = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// logFilter is /api/v1/logs?filter= ("System Log API: filter"): SCIM
// comparisons on any event attribute. published is refused: Okta reserves
// it to since, until and after.
func logFilter(attr, _ string) bool {
	return attr != "published" && logAttrPath.MatchString(attr)
}

// logQuery is a parsed filter and q of one System Log request; the zero
// value keeps every event.
type logQuery struct {
	filter   *expr
	keywords []string // lower case
}

// parseLogQuery reads filter and q; the error names the parameter.
func parseLogQuery(filter, q string) (logQuery, string, error) {
	var lq logQuery
	if filter != "" {
		e, err := parseExpr(filter, logFilter)
		if err != nil {
			return lq, "filter", err
		}
		lq.filter = e
	}
	lq.keywords = strings.Fields(strings.ToLower(q))
	if len(lq.keywords) > maxLogKeywords {
		return lq, "q", fmt.Errorf("parsing q: %d keywords, at most %d", len(lq.keywords), maxLogKeywords)
	}
	for _, k := range lq.keywords {
		if len(k) > maxLogKeywordLength {
			return lq, "q", fmt.Errorf("parsing q: keyword %.20q… longer than %d characters", k, maxLogKeywordLength)
		}
	}
	return lq, "", nil
}

// empty reports whether the query keeps every event.
func (lq logQuery) empty() bool { return lq.filter == nil && len(lq.keywords) == 0 }

// keeps evaluates the query on one rendered event, as its JSON reads: the
// filter over dotted paths (arrays match when any element does), and each
// keyword against the words of every string value ("q: all supplied
// keywords must be matched exactly", case-insensitively; null values match
// nothing).
func (lq logQuery) keeps(ev logEvent) bool {
	doc := jsonDoc(reflect.ValueOf(ev))
	if lq.filter != nil && !lq.filter.matchEach(func(attr string) []field { return jsonValues(doc, strings.Split(attr, ".")) }) {
		return false
	}
	if len(lq.keywords) == 0 {
		return true
	}
	words := map[string]bool{}
	eachString(doc, func(s string) {
		for _, w := range strings.Fields(strings.ToLower(s)) {
			words[w] = true
		}
	})
	for _, k := range lq.keywords {
		if !words[k] {
			return false
		}
	}
	return true
}

// jsonValues returns the scalar values at path in v, fanning out over arrays.
func jsonValues(v any, path []string) []field {
	switch x := v.(type) {
	case []any:
		var out []field
		for _, item := range x {
			out = append(out, jsonValues(item, path)...)
		}
		return out
	case map[string]any:
		if len(path) == 0 {
			return nil
		}
		return jsonValues(x[path[0]], path[1:])
	}
	if len(path) > 0 {
		return nil
	}
	switch x := v.(type) {
	case string:
		return []field{strField(x)}
	case float64:
		return []field{{n: x, isNum: true}}
	case bool:
		return []field{strField(fmt.Sprint(x))}
	}
	return nil // null: absent
}

// eachString calls f with every string value in v.
func eachString(v any, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case []any:
		for _, item := range x {
			eachString(item, f)
		}
	case map[string]any:
		for _, item := range x {
			eachString(item, f)
		}
	}
}

// jsonDoc is v as encoding/json would encode and decode it back into an
// any (objects as maps, numbers as float64, omitempty honoured), built by
// walking the value: a filter evaluates every event it scans, and a JSON
// round trip per event would dominate the System Log's cost.
func jsonDoc(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return jsonDoc(v.Elem())
	case reflect.Struct:
		out := map[string]any{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fv := v.Field(i)
			if strings.Contains(opts, "omitempty") && fv.IsZero() {
				continue
			}
			out[name] = jsonDoc(fv)
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := map[string]any{}
		for it := v.MapRange(); it.Next(); {
			out[fmt.Sprint(it.Key().Interface())] = jsonDoc(it.Value())
		}
		return out
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = jsonDoc(v.Index(i))
		}
		return out
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(v.Uint())
	case reflect.Float32, reflect.Float64:
		return v.Float()
	}
	return nil
}
