package lake

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPathFormatRender(t *testing.T) {
	// 2024-12-31 20:30:05.007 at UTC-5 is 2025-01-01 01:30:05.007 UTC:
	// every date field changes under the UTC conversion.
	newYear := time.Date(2024, 12, 31, 20, 30, 5, 7_900_000, time.FixedZone("EST", -5*3600))
	may := time.Date(2024, 5, 7, 8, 9, 1, 123_000_000, time.UTC)
	vars := func(t time.Time) PathVars {
		return PathVars{Namespace: "okta", Stream: "users", Time: t, UUID: "0b7a5a8e-3f0c-4c1e-9d7a-1f2e3d4c5b6a"}
	}
	tests := []struct {
		name   string
		format string
		prefix string
		time   time.Time
		want   string
	}{
		{"default", DefaultPathFormat, "data", may,
			"data/okta/users/year=2024/month=05/07_1715069341123_"},
		{"default across new year in UTC", DefaultPathFormat, "data", newYear,
			"data/okta/users/year=2025/month=01/01_1735695005007_"},
		{"every variable", "${NAMESPACE}|${STREAM_NAME}|${YEAR}|${MONTH}|${DAY}|${HOUR}|${MINUTE}|${SECOND}|${MILLISECOND}|${EPOCH}|${UUID}", "", newYear,
			"okta|users|2025|01|01|01|30|05|007|1735695005007|0b7a5a8e-3f0c-4c1e-9d7a-1f2e3d4c5b6a"},
		{"padding", "${MONTH}-${DAY}T${HOUR}:${MINUTE}:${SECOND}.${MILLISECOND}", "", may,
			"05-07T08:09:01.123"},
		{"terraform escaping as in Port's guide", "${NAMESPACE}/${STREAM_NAME}/year=${YEAR}/month=${MONTH}/${DAY}_$${EPOCH}_", "data", may,
			"data/okta/users/year=2024/month=05/07_1715069341123_"},
		{"terraform escaping throughout", "$${NAMESPACE}/$${STREAM_NAME}/$${DAY}_", "data", may,
			"data/okta/users/07_"},
		{"empty prefix has no leading slash", "${STREAM_NAME}/", "", may, "users/"},
		{"slashes collapse", "/${NAMESPACE}//${STREAM_NAME}/", "data/", may, "data/okta/users/"},
		{"literal dollars", "a$b$$c/${STREAM_NAME}", "", may, "a$b$$c/users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParsePathFormat(tt.format)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.KeyBase(tt.prefix, vars(tt.time)); got != tt.want {
				t.Errorf("KeyBase(%q) =\n  %q\nwant\n  %q", tt.format, got, tt.want)
			}
			if f.String() != tt.format {
				t.Errorf("String() = %q, want %q", f.String(), tt.format)
			}
		})
	}
	if got := StateKey(DefaultPrefix, DefaultNamespace); got != "data/_oktalake/state/okta.json" {
		t.Errorf("StateKey = %q", got)
	}
	if got := StateKey("", "okta"); got != "_oktalake/state/okta.json" {
		t.Errorf("StateKey without prefix = %q", got)
	}
	if got := PartKey("data/okta/users/07_1715069341123_", 12); got != "data/okta/users/07_1715069341123_12.jsonl.gz" {
		t.Errorf("PartKey = %q", got)
	}
}

func TestParsePathFormatErrors(t *testing.T) {
	tests := []struct {
		format, wantErr string
	}{
		{"${NAMESPACE}/${STREAM}/", "unknown variable ${STREAM}"},
		{"${namespace}/", "unknown variable ${namespace}"},
		{"${YEAR", "unterminated"},
		{"", "empty"},
	}
	for _, tt := range tests {
		_, err := ParsePathFormat(tt.format)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParsePathFormat(%q) err = %v, want %q", tt.format, err, tt.wantErr)
		}
	}
}

func TestFreePart(t *testing.T) {
	forEachStore(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		base := "data/okta/users/year=2024/month=05/07_1715069341123_"
		n, err := FreePart(ctx, ts.store, base)
		if err != nil || n != 0 {
			t.Fatalf("FreePart on empty = %d, %v; want 0", n, err)
		}
		// Keys that merely share the prefix must not count as parts.
		for _, k := range []string{base + "0.jsonl.gz", base + "1.jsonl.gz", base + "3.jsonl.gz",
			base + "2.json", base + "02.jsonl.gz", base + "1_x.jsonl.gz", base[:len(base)-1] + "9_0.jsonl.gz"} {
			if err := create(t, ts.store, k, []byte("x")); err != nil {
				t.Fatal(err)
			}
		}
		n, err = FreePart(ctx, ts.store, base)
		if err != nil || n != 2 {
			t.Fatalf("FreePart = %d, %v; want 2 (0, 1 and 3 taken)", n, err)
		}
		if err := create(t, ts.store, PartKey(base, n), []byte("x")); err != nil {
			t.Fatal(err)
		}
		if n, _ = FreePart(ctx, ts.store, base); n != 4 {
			t.Errorf("FreePart after taking 2 = %d, want 4", n)
		}
		// The loser of a race for a part number fails loudly.
		if err := create(t, ts.store, PartKey(base, 3), []byte("y")); !errors.Is(err, ErrExist) {
			t.Errorf("committing an existing part: err = %v, want ErrExist", err)
		}
	})
}

// A format keeps streams apart only with ${STREAM_NAME}, and is in the
// layout load reads only when its keys start with <namespace>/<stream>/.
func TestPathFormatLayout(t *testing.T) {
	tests := []struct {
		format            string
		separates, inLoad bool
	}{
		{DefaultPathFormat, true, true},
		{"${NAMESPACE}/${STREAM_NAME}/${UUID}_", true, true},
		{"/${NAMESPACE}//${STREAM_NAME}/x/", true, true}, // slashes collapse
		{"$${NAMESPACE}/$${STREAM_NAME}/$${EPOCH}_", true, true},
		{"${NAMESPACE}/${STREAM_NAME}", true, false},
		{"${NAMESPACE}/${STREAM_NAME}_${EPOCH}/", true, false},
		{"x/${NAMESPACE}/${STREAM_NAME}/", true, false},
		{"${STREAM_NAME}/${NAMESPACE}/", true, false},
		{"${NAMESPACE}/${YEAR}/${STREAM_NAME}/", true, false},
		{"${NAMESPACE}/${EPOCH}_", false, false},
		{"okta/users/", false, false},
	}
	for _, tt := range tests {
		f, err := ParsePathFormat(tt.format)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.SeparatesStreams(); got != tt.separates {
			t.Errorf("%q SeparatesStreams = %v, want %v", tt.format, got, tt.separates)
		}
		if got := f.InLoadLayout(); got != tt.inLoad {
			t.Errorf("%q InLoadLayout = %v, want %v", tt.format, got, tt.inLoad)
		}
	}
}

func TestKeyInPath(t *testing.T) {
	tests := []struct {
		path, want string
		ok         bool
	}{
		{"/tmp/lake/data/okta/users/year=2026/month=11/20_1_0.jsonl.gz", "data/okta/users/year=2026/month=11/20_1_0.jsonl.gz", true},
		{"data/okta/users/year=2026/month=11/20_1_0.jsonl.gz", "data/okta/users/year=2026/month=11/20_1_0.jsonl.gz", true},
		{"../lake/data/okta/groups/year=2026/x.jsonl.gz", "data/okta/groups/year=2026/x.jsonl.gz", true},
		{"/a/year=2020/b/data/okta/users/year=2026/x.jsonl.gz", "data/okta/users/year=2026/x.jsonl.gz", true},
		{"okta/users/year=2026/x.jsonl.gz", "", false},    // no prefix before the namespace
		{"../okta/users/year=2026/x.jsonl.gz", "", false}, // ".." is not a prefix
		{"/tmp/data/okta/users/year=2026", "", false},     // a directory, no object name
		{"/tmp/users.jsonl", "", false},
	}
	for _, tt := range tests {
		got, ok := KeyInPath(tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("KeyInPath(%q) = %q, %v; want %q, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}
