package oktatest

import (
	"testing"
	"time"
)

func TestIDs(t *testing.T) {
	if got := mulMod(idMul, idMulInverse, idSpace); got != 1 {
		t.Fatalf("idMul * idMulInverse = %d mod 62^6, want 1", got)
	}
	seen := map[string]bool{}
	for _, tc := range []struct {
		prefix string
		kind   uint64
	}{{"00u", kindUser}, {"00g", kindGroup}, {"0oa", kindApp}, {"cr0", kindRole}, {"iam", kindResourceSet}} {
		for _, i := range []int{0, 1, 2, 61, 62, 99_999, 1_000_000, idSpace - 1} {
			id := makeID(tc.prefix, 7, tc.kind, i)
			if len(id) != 20 || id[:3] != tc.prefix {
				t.Fatalf("makeID(%s, %d) = %q", tc.prefix, i, id)
			}
			if got := parseID(id, tc.prefix, 7, tc.kind); got != i {
				t.Fatalf("parseID(%q) = %d, want %d", id, got, i)
			}
			if got := parseID(id, tc.prefix, 8, tc.kind); got != -1 {
				t.Fatalf("an ID of seed 7 parsed under seed 8 as %d", got)
			}
			if seen[id] {
				t.Fatalf("duplicate ID %s", id)
			}
			seen[id] = true
		}
	}
	for _, bad := range []string{"", "00u", "00uqH7jMKnJ5H68iOXj!", "00gqH7jMKnJ5H68iOXj4", "00uqH7jMKnJ5H68iOXj5"} {
		if parseID(bad, "00u", 7, kindUser) != -1 {
			t.Errorf("parseID(%q) accepted a forged ID", bad)
		}
	}
	if u := makeUUID(1, kindLog, 5); len(u) != 36 || u[14] != '4' {
		t.Errorf("uuid %q is not a version-4 UUID", u)
	}
}

func TestFilterParsing(t *testing.T) {
	get := func(a string) (field, bool) {
		switch a {
		case "status":
			return strField("ACTIVE"), true
		case "lastUpdated":
			return timeField(testNow), true
		}
		return field{}, false
	}
	// Every date is derived from testNow, so the fixture date can move.
	at := func(d time.Duration, layout string) string { return testNow.Add(d).Format(layout) }
	const ms, sec = "2006-01-02T15:04:05.000Z07:00", time.RFC3339
	plusOne := testNow.In(time.FixedZone("CET", 3600)).Format(sec) // testNow written in +01:00
	tests := []struct {
		expr string
		want bool
		bad  bool
	}{
		{`status eq "ACTIVE"`, true, false},
		{`status EQ "ACTIVE"`, true, false},
		{`status eq "active"`, false, false},
		{`lastUpdated gt "` + at(-time.Millisecond, ms) + `"`, true, false},
		{`lastUpdated gt "` + at(0, ms) + `"`, false, false},
		{`lastUpdated ge "` + at(0, sec) + `"`, true, false},
		{`lastUpdated lt "` + plusOne + `"`, false, false},
		{`status eq "X" or (lastUpdated le "` + at(0, ms) + `" and status sw "ACT")`, true, false},
		{`status pr`, true, false},
		{`status ne "ACTIVE"`, false, true},
		{`status eq "ACTIVE" and`, false, true},
		{`lastUpdated gt "soon"`, false, true},
		{`nosuch eq "x"`, false, true},
		{`status eq "unterminated`, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			e, err := parseExpr(tc.expr, searchGrammar)
			if err == nil {
				err = e.validate(get)
			}
			if (err != nil) != tc.bad {
				t.Fatalf("error %v, want error %v", err, tc.bad)
			}
			if err == nil && e.match(get) != tc.want {
				t.Fatalf("match = %v, want %v", !tc.want, tc.want)
			}
		})
	}
}
