package mapping

import (
	"context"
	"reflect"
	"sync/atomic"
	"testing"
)

// TestIdiomsAreRecognised guards the Go fast paths: if gojq's canonical
// rendering changed, mappings would silently fall back to slower gojq runs.
func TestIdiomsAreRecognised(t *testing.T) {
	tests := []struct {
		src           string
		native, strip bool
	}{
		{`.body.id`, true, false},
		{`.`, true, false},
		{` .body . "id" `, true, false},
		{`.body._PORT_SOURCE_OBJECT_KEY | split("/") | .[2] == "users"`, true, false},
		{`.body._PORT_SOURCE_OBJECT_KEY|split("/")|.[2]=="users"`, true, false},
		{`.body.type | del(.. | nulls)`, false, true},
		{`(.body.credentials // {}) | del(.. | nulls)`, false, true},
		{`.headers."X-GitHub-Event"`, true, false},
		{`.a as $x | del(.. | nulls)`, false, false}, // ".a as $x" is not a query of its own
		{`.body.id | ascii_downcase`, false, false},
		{`.body.x | split("") | .[0] == "a"`, false, false}, // empty separators are left to gojq
		{`.body | del(.. | nulls) | length`, false, false},
	}
	for _, tt := range tests {
		e, err := newExpr(tt.src, "f", DefaultMaxEvalBytes, new(atomic.Int64))
		if err != nil {
			t.Fatalf("%s: %v", tt.src, err)
		}
		if (e.native != nil) != tt.native || (e.stripOf != nil) != tt.strip {
			t.Errorf("%s: native %v strip %v, want %v %v", tt.src, e.native != nil, e.stripOf != nil, tt.native, tt.strip)
		}
	}
}

func TestStripNullsLeavesInputAlone(t *testing.T) {
	rec := map[string]any{"id": "00u1", "a": nil, "b": map[string]any{"c": nil, "d": []any{nil, 1.0, map[string]any{"e": nil}}}, "f": map[string]any{"g": 1.0}}
	want := map[string]any{"id": "00u1", "b": map[string]any{"d": []any{1.0, map[string]any{}}}, "f": map[string]any{"g": 1.0}}
	m := mustParse(t, `[{"blueprint": "b", "entity": {"identifier": ".body.id", "properties": {"all": ".body | del(.. | nulls) | del(._PORT_SOURCE_OBJECT_KEY)", "f": ".body.f | del(.. | nulls)"}}}]`)
	res := m.ApplyValue(context.Background(), rec, "k")
	if got := res.Entities[0].Properties["all"]; !reflect.DeepEqual(got, want) {
		t.Errorf("stripped = %s, want %s", show(got), show(want))
	}
	if rec["b"].(map[string]any)["d"].([]any)[0] != nil || len(rec) != 4 {
		t.Errorf("the record was modified: %s", show(rec))
	}
	// An object without nulls is returned as is, not copied.
	if got := res.Entities[0].Properties["f"].(map[string]any); reflect.ValueOf(got).Pointer() != reflect.ValueOf(rec["f"]).Pointer() {
		t.Error("an object without nulls was copied")
	}
}
