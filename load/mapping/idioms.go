package mapping

import (
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
	pathIdiom  = regexp.MustCompile(`^(\.[A-Za-z_][A-Za-z0-9_]*)+$`)
	splitIdiom = regexp.MustCompile(`^((?:\.[A-Za-z_][A-Za-z0-9_]*)+) \| split\("([^"\\]+)"\) \| \.\[([0-9]{1,4})\] == "([^"\\]*)"$`)
)

const stripSuffix = " | del(.. | nulls)"

// nativeFor returns a Go evaluation of the canonical query, or nil.
// It reports false when gojq must run instead.
func nativeFor(canon string) func(any) (any, bool) {
	if canon == "." {
		return func(v any) (any, bool) { return v, true }
	}
	if pathIdiom.MatchString(canon) {
		path := strings.Split(canon[1:], ".")
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
// input is shared with the record, so changed containers are copied.
func stripNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		var out map[string]any
		for k, e := range v {
			ne := e
			if e != nil {
				ne = stripNulls(e)
			}
			if e == nil || !same(ne, e) {
				if out == nil {
					out = make(map[string]any, len(v))
					for k2, e2 := range v {
						out[k2] = e2
					}
				}
				if e == nil {
					delete(out, k)
				} else {
					out[k] = ne
				}
			}
		}
		if out == nil {
			return v
		}
		return out
	case []any:
		var out []any
		for i, e := range v {
			ne := e
			if e != nil {
				ne = stripNulls(e)
			}
			if out == nil && (e == nil || !same(ne, e)) {
				out = append(make([]any, 0, len(v)), v[:i]...)
			}
			if out != nil && e != nil {
				out = append(out, ne)
			}
		}
		if out == nil {
			return v
		}
		return out
	default:
		return v
	}
}

// same reports whether stripNulls returned its argument unchanged (it returns
// the very same map or slice when nothing inside was null).
func same(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		return ok && len(a) == len(bm) && (len(a) == 0 || sameMap(a, bm))
	case []any:
		bs, ok := b.([]any)
		return ok && len(a) == len(bs) && (len(a) == 0 || &a[0] == &bs[0])
	default:
		return true
	}
}

func sameMap(a, b map[string]any) bool {
	// Maps are reference types; compare identity through a write-free probe.
	return reflectPointer(a) == reflectPointer(b)
}
