package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
)

// TestOddKeysRoundTrip: keys and identifiers that need JSON escapes (the
// fast parser's fallback) survive a save and a load like plain ones.
func TestOddKeysRoundTrip(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	s := New("permissions", 2)
	keys := []string{`cr1/okta.users.read`, `cr1/with "quotes"`, `cr1/back\slash`, "cr1/tab\there", `cr1/ünïcödé`, `cr1/<html>&`}
	for i, k := range keys {
		s.Put(k, Entry{Sync: int64(i), Gone: i%2 == 0, Entities: []Entity{{Blueprint: "okta_permission", Identifier: "id " + k, Hash: uint64(i) + 1}},
			Orphans: []Entity{{Blueprint: "okta_role", Identifier: k}}})
	}
	if err := s.Save(ctx, store, "data", "default"); err != nil {
		t.Fatal(err)
	}
	got, _, err := Load(ctx, store, "data", "default", "permissions")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		want, _ := s.Get(k)
		if g, ok := got.Get(k); !ok || fmt.Sprint(g) != fmt.Sprint(want) {
			t.Errorf("%q: read back %v, want %v", k, g, want)
		}
	}
}

// TestFastParserAgreesWithJSON: every line Save writes parses on the fast
// path to what encoding/json reads, and lines in any other form are left
// to encoding/json.
func TestFastParserAgreesWithJSON(t *testing.T) {
	lines := []line{
		{Key: "00u1"},
		{Key: "00u1", Sync: 12, Entities: [][3]string{{"okta_user", "00u1", "ff"}}},
		{Key: "00g1/00u1", Gone: true, Entities: [][3]string{{"a", "b", "1"}, {"c", "d", "2"}}, Orphans: [][3]string{{"e", "f", "0"}}},
		{Key: "k", Orphans: [][3]string{{"e", "f", "0"}}},
	}
	var p fastParser
	for _, l := range lines {
		b, _ := json.Marshal(l)
		key, sync, gone, lists, ok := p.parse(b)
		if !ok {
			t.Errorf("%s: not parsed on the fast path", b)
			continue
		}
		got := line{Key: string(key), Sync: sync, Gone: gone}
		for li, list := range lists {
			for _, e := range list {
				t := [3]string{string(e.bp), string(e.id), fmt.Sprintf("%x", e.hash)}
				if li == 0 {
					got.Entities = append(got.Entities, t)
				} else {
					got.Orphans = append(got.Orphans, t)
				}
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(l) {
			t.Errorf("%s: fast path read %+v", b, got)
		}
	}
	for _, other := range []string{
		`{"s":1,"k":"a"}`, `{"k":"a\"b"}`, `{"k":"a", "s":1}`, `{"k":"a","e":[["b","c","zz"]]}`, `{"k":"a","e":[["b","c"]]}`, `{"k":""}`, `{"k":"a"} `,
	} {
		if _, _, _, _, ok := p.parse([]byte(other)); ok {
			t.Errorf("%s parsed on the fast path; it should fall back", other)
		}
	}
}
