package lake

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBucketKeysGolden pins every key oktalake gives its own objects, with
// and without a prefix: the layout is a contract with other readers (and
// with buckets written by earlier versions), so a change shows in a diff.
func TestBucketKeysGolden(t *testing.T) {
	var b strings.Builder
	for _, prefix := range []string{DefaultPrefix, "", "a/b"} {
		fmt.Fprintf(&b, "prefix %q\n", prefix)
		for _, k := range []struct{ name, key string }{
			{"state", StateKey(prefix, DefaultNamespace)},
			{"backfill state", BackfillStateKey(prefix, DefaultNamespace, "logs")},
			{"checkpoint", CheckpointKey(prefix, "default")},
			{"archive", ArchiveKey(prefix, "default", "users")},
			{"errors root", ErrorsRoot(prefix)},
			{"errors of a loader", ErrorsPrefix(prefix, "default")},
			{"errors of a stream", StreamErrorsPrefix(prefix, "default", "users")},
			{"data part", PartKey(JoinKey(prefix, "okta/users/year=2026/month=11/20_1795521600000_"), 3)},
		} {
			fmt.Fprintf(&b, "  %-20s %s\n", k.name, k.key)
		}
		probe := ProbeKey(prefix)
		if want := JoinKey(prefix, MetaDir, "probe-"); !strings.HasPrefix(probe, want) || len(probe) != len(want)+16 {
			t.Errorf("ProbeKey(%q) = %q, want %s and 16 hex digits", prefix, probe, want)
		}
		if ProbeKey(prefix) == probe {
			t.Errorf("ProbeKey(%q) gave %q twice", prefix, probe)
		}
	}
	golden(t, "keys.txt", []byte(b.String()))
}

// One parser reads part numbers for every caller: the writer's FreePart,
// the loader's part order and backfill's clean-up of interrupted windows.
func TestParsePartKey(t *testing.T) {
	tests := []struct {
		key      string
		wantBase string
		wantPart int
		wantOK   bool
	}{
		{"a/24_5_10.jsonl.gz", "a/24_5_", 10, true},
		{"a/24_5_0.jsonl.gz", "a/24_5_", 0, true},
		{"a/24_5_7.json.gz", "a/24_5_", 7, true},
		{"a/24_5_7.jsonl", "a/24_5_", 7, true},
		{"a/3.jsonl.gz", "a/", 3, true},
		{"a/24_5_02.jsonl.gz", "", 0, false}, // no writer pads part numbers
		{"a/24_5_00.jsonl.gz", "", 0, false},
		{"a/zz.jsonl.gz", "", 0, false},
		{"a/24_5_1.json", "", 0, false}, // not a data object
		{"a/24_5_1.jsonl.gz.tmp", "", 0, false},
		{"a/1" + strings.Repeat("0", 30) + ".jsonl.gz", "", 0, false}, // overflows
	}
	for _, tt := range tests {
		base, part, ok := ParsePartKey(tt.key)
		if base != tt.wantBase || part != tt.wantPart || ok != tt.wantOK {
			t.Errorf("ParsePartKey(%q) = %q, %d, %v; want %q, %d, %v", tt.key, base, part, ok, tt.wantBase, tt.wantPart, tt.wantOK)
		}
	}
	partOf := []struct {
		base, key string
		want      int
		wantOK    bool
	}{
		{"a/24_5_", "a/24_5_10.jsonl.gz", 10, true},
		{"a/24_5_", "a/24_5_10.jsonl", 0, false}, // a writer names parts .jsonl.gz
		{"a/24_5_", "a/24_51_0.jsonl.gz", 0, false},
		{"a/24_5_", "a/24_5_1_x.jsonl.gz", 0, false},
		{"a/24_5_", "a/24_5_01.jsonl.gz", 0, false},
		{"a/24_5_", "a/24_5_3.parquet", 3, true}, // the formats share part numbers
		{"a/24_5_", "a/24_5_03.parquet", 0, false},
		{"a/24_5_", "a/24_5_3.parquet.tmp", 0, false},
	}
	for _, tt := range partOf {
		if n, ok := PartOf(tt.base, tt.key); n != tt.want || ok != tt.wantOK {
			t.Errorf("PartOf(%q, %q) = %d, %v; want %d, %v", tt.base, tt.key, n, ok, tt.want, tt.wantOK)
		}
	}
}

func TestIsDataObject(t *testing.T) {
	for key, want := range map[string]bool{
		"data/okta/users/x_0.jsonl.gz": true,
		"data/okta/users/x_0.json.gz":  true,
		"data/okta/users/x_0.jsonl":    true,
		"data/okta/users/x_0.json":     false,
		"data/okta/users/x_0.parquet":  true,
		"data/okta/users/x_0.parq":     false,
		"data/okta/users/.tmp-x":       false,
	} {
		if got := IsDataObject(key); got != want {
			t.Errorf("IsDataObject(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestParseDeadLetterKey(t *testing.T) {
	tests := []struct {
		prefix, key          string
		wantLoader, wantName string
		wantOK               bool
	}{
		{"data", "data/_oktalake/errors/default/users/20261120T120000Z_u_0.jsonl.gz", "default", "users", true},
		{"data", "data/_oktalake/errors/users/20261120T120000Z_legacy.jsonl.gz", "", "users", true},
		{"", "_oktalake/errors/B/groups/x.jsonl.gz", "B", "groups", true},
		{"data", "data/_oktalake/errors/a/b/c/d.jsonl.gz", "", "", false},
		{"data", "data/_oktalake/errors/x.jsonl.gz", "", "", false},
		{"data", "data/_oktalake/loader/default.json", "", "", false},
		{"data", "other/_oktalake/errors/default/users/x.jsonl.gz", "", "", false},
	}
	for _, tt := range tests {
		loader, stream, ok := ParseDeadLetterKey(tt.prefix, tt.key)
		if loader != tt.wantLoader || stream != tt.wantName || ok != tt.wantOK {
			t.Errorf("ParseDeadLetterKey(%q, %q) = %q, %q, %v; want %q, %q, %v", tt.prefix, tt.key, loader, stream, ok, tt.wantLoader, tt.wantName, tt.wantOK)
		}
	}
}

// A dead-letter object is named under its loader's and stream's errors
// prefix after the time it was written, and reads back as theirs.
func TestDeadLetterWriterKeys(t *testing.T) {
	ctx := context.Background()
	store, err := NewLocalStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 12, 0, 5, 250e6, time.UTC)
	cfg := DeadLetterWriterConfig("data", "B", "users")
	cfg.Now = func() time.Time { return at }
	keys := map[string]bool{}
	for range 2 {
		w, err := NewWriter(store, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(ctx, json.RawMessage(`{"reason":"x"}`)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		key := w.Objects()[0].Key
		keys[key] = true
		if !regexp.MustCompile(`^data/_oktalake/errors/B/users/20261120T120005Z_[0-9a-f-]{36}_0\.jsonl\.gz$`).MatchString(key) {
			t.Errorf("dead-letter key %s", key)
		}
		if loader, stream, ok := ParseDeadLetterKey("data", key); loader != "B" || stream != "users" || !ok {
			t.Errorf("ParseDeadLetterKey(%s) = %q, %q, %v", key, loader, stream, ok)
		}
	}
	if len(keys) != 2 {
		t.Errorf("two writers in the same second shared a key: %v", keys)
	}
}
