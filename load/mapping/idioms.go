package mapping

import (
	"maps"
	"regexp"
	"strconv"
	"strings"

	"github.com/itchyny/gojq"
)

// Idioms: expression shapes that fill Port mappings (field paths, the stream
// test on the object key, null stripping) evaluated in Go. They are matched
// on gojq's canonical rendering of the parsed query, so spacing and quoting
// do not matter, and they give jq's own results (the differential test runs
// them against the jq CLI). Whenever the input is not what the idiom expects,
// gojq runs the expression instead and produces jq's value or error.

var (
	pathIdiom    = regexp.MustCompile(`^(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|"[^"\\]*"))+$`)
	pathSegments = regexp.MustCompile(`\.(?:([A-Za-z_][A-Za-z0-9_]*)|"([^"\\]*)")`)
	splitIdiom   = regexp.MustCompile(`^((?:\.[A-Za-z_][A-Za-z0-9_]*)+) \| split\("([^"\\]+)"\) \| \.\[([0-9]{1,4})\] == "([^"\\]*)"$`)
)

const stripSuffix = " | del(.. | nulls)"

// nativeFor returns a Go evaluation of the canonical query, or nil.
// It reports false when gojq must run instead.
func nativeFor(canon string) func(any) (any, bool) {
	if canon == "." {
		return func(v any) (any, bool) { return v, true }
	}
	if pathIdiom.MatchString(canon) { // .body.id, .headers."X-Event"
		var path []string
		for _, m := range pathSegments.FindAllStringSubmatch(canon, -1) {
			path = append(path, m[1]+m[2])
		}
		return func(v any) (any, bool) { return walkPath(v, path) }
	}
	// .body._PORT_SOURCE_OBJECT_KEY | split("/") | .[2] == "users"
	if m := splitIdiom.FindStringSubmatch(canon); m != nil {
		path, sep, lit := strings.Split(m[1][1:], "."), m[2], m[4]
		n, err := strconv.Atoi(m[3])
		if err != nil {
			return nil
		}
		return func(v any) (any, bool) {
			v, ok := walkPath(v, path)
			s, isStr := v.(string)
			if !ok || !isStr {
				return nil, false
			}
			if s == "" { // jq splits "" into [], so .[n] is null
				return false, true
			}
			parts := strings.SplitN(s, sep, n+2)
			return n < len(parts) && parts[n] == lit, true
		}
	}
	return nil
}

// stripPrefix returns X for a query X | del(.. | nulls), when X is a query of
// its own (so X's first output, stripped, is the query's first output).
func stripPrefix(canon string) (string, bool) {
	prefix, found := strings.CutSuffix(canon, stripSuffix)
	if !found {
		return "", false
	}
	q, err := gojq.Parse(prefix)
	if err != nil || q.String()+stripSuffix != canon {
		return "", false
	}
	return prefix, true
}

// stripNulls is del(.. | nulls): every null inside objects and arrays is
// removed (containers left empty stay), and a null input stays null. The
// input is shared with the record, so only changed containers are copied;
// changed reports whether anything was removed.
func stripNulls(v any) (out any, changed bool) {
	switch v := v.(type) {
	case map[string]any:
		var m map[string]any
		for k, e := range v {
			ne, ch := e, true
			if e != nil {
				ne, ch = stripNulls(e)
			}
			if !ch {
				continue
			}
			if m == nil {
				m = maps.Clone(v)
			}
			if e == nil {
				delete(m, k)
			} else {
				m[k] = ne
			}
		}
		if m == nil {
			return v, false
		}
		return m, true
	case []any:
		var a []any
		for i, e := range v {
			ne, ch := e, true
			if e != nil {
				ne, ch = stripNulls(e)
			}
			if ch && a == nil {
				a = append(make([]any, 0, len(v)), v[:i]...)
			}
			if a != nil && e != nil {
				a = append(a, ne)
			}
		}
		if a == nil {
			return v, false
		}
		return a, true
	default:
		return v, false
	}
}
