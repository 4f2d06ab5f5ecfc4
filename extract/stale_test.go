package extract

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake"
)

// leaveTempFile leaves what a SIGKILLed run leaves in a directory bucket: the
// temp file of an object never committed, modified age ago.
func leaveTempFile(t *testing.T, f *fixture, key string, age time.Duration) string {
	t.Helper()
	w, err := f.store.Create(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("half an object")); err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(filepath.Join(f.dir, filepath.FromSlash(filepath.Dir(key)), ".tmp-*"))
	if len(matches) != 1 {
		t.Fatalf("temp files beside %s: %v, want one", key, matches)
	}
	tmp := matches[0]
	at := time.Now().Add(-age)
	if err := os.Chtimes(tmp, at, at); err != nil {
		t.Fatal(err)
	}
	return tmp
}

// The next run of a namespace removes the temp files a killed run left
// under it, once they are old enough that no concurrent run can own them,
// and says how many it removed.
func TestExtractCleansLeftoversOfKilledRuns(t *testing.T) {
	for _, cmd := range []string{"extract", "backfill"} {
		t.Run(cmd, func(t *testing.T) {
			f := newFixture(t, fixtureOptions{})
			old := leaveTempFile(t, f, "data/okta/users/year=2026/month=11/19_1_0.jsonl.gz", 25*time.Hour)
			young := leaveTempFile(t, f, "data/okta/logs/year=2026/month=11/20_2_0.jsonl.gz", time.Minute)
			otherNS := leaveTempFile(t, f, "data/other/users/year=2026/month=11/19_1_0.jsonl.gz", 25*time.Hour)
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			var summary bytes.Buffer
			switch cmd {
			case "extract":
				cfg := f.config("users")
				cfg.Logger = log
				sum := mustRun(t, cfg)
				if sum.Cleaned != 1 {
					t.Errorf("summary says %d leftovers removed, want 1", sum.Cleaned)
				}
				sum.WriteTo(&summary)
			case "backfill":
				cfg := f.config("logs")
				cfg.Logger = log
				sum, err := Backfill(context.Background(), backfillConfig(cfg, f.clock.Now().Add(-2*time.Hour), time.Time{}))
				if err != nil {
					t.Fatal(err)
				}
				if sum.Cleaned != 1 {
					t.Errorf("summary says %d leftovers removed, want 1", sum.Cleaned)
				}
				sum.WriteTo(&summary)
			}
			if _, err := os.Stat(old); !os.IsNotExist(err) {
				t.Errorf("the killed run's temp file is still there (%v)", err)
			}
			for _, p := range []string{young, otherNS} {
				if _, err := os.Stat(p); err != nil {
					t.Errorf("%s removed: %v", p, err)
				}
			}
			if !containsAll(logs.String(), "leftovers", "removed=1", "data/okta/") {
				t.Errorf("the log does not say what was cleaned:\n%s", logs.String())
			}
			if !strings.Contains(summary.String(), "1 leftover") {
				t.Errorf("the summary does not say what was cleaned:\n%s", summary.String())
			}
		})
	}
}

// A concurrent run's live multipart upload is young: the run that starts
// meanwhile leaves it alone.
func TestExtractKeepsYoungUploads(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	store := minioStore(t)
	w, err := store.Create(context.Background(), "data/okta/users/year=2026/month=11/20_1_0.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	// More than one part, so the upload has started.
	if _, err := w.Write(bytes.Repeat([]byte("x"), lake.DefaultPartSize+1)); err != nil {
		t.Fatal(err)
	}
	cfg := f.config("groups")
	cfg.Store = store
	sum := mustRun(t, cfg)
	if sum.Cleaned != 0 {
		t.Fatalf("a young upload was aborted (%d cleaned)", sum.Cleaned)
	}
	if _, err := w.Write([]byte("more")); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatalf("the live upload cannot complete after the run: %v", err)
	}
}
