package load

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/load/enrich"
	"github.com/oktalake/oktalake/load/mapping"
	"github.com/oktalake/oktalake/load/porttest"
)

// seed000 returns the default mapping and the blueprints of Port's Okta
// Ocean integration page (seed 000), read verbatim from testdata.
func seed000(t *testing.T) ([]byte, map[string]json.RawMessage) {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("testdata", "port_seed_000.md"))
	if err != nil {
		t.Fatal(err)
	}
	var ocean []byte
	for _, m := range regexp.MustCompile("(?s)```yaml showLineNumbers\n(.*?)\n```").FindAllSubmatch(text, -1) {
		if strings.HasPrefix(string(m[1]), "resources:") {
			ocean = m[1]
			break
		}
	}
	bps := map[string]json.RawMessage{}
	for _, m := range regexp.MustCompile("(?s)```json showLineNumbers\n(.*?)\n```").FindAllSubmatch(text, -1) {
		var head struct {
			Identifier string `json:"identifier"`
		}
		if json.Unmarshal(m[1], &head) == nil && head.Identifier != "" {
			bps[head.Identifier] = json.RawMessage(m[1])
		}
	}
	if ocean == nil || bps["okta-user"] == nil || bps["okta-group"] == nil {
		t.Fatalf("seed 000: mapping found %v, blueprints %d", ocean != nil, len(bps))
	}
	return ocean, bps
}

// TestOceanEnrichmentSeed000 loads a simulated org with seed 000's Ocean
// mapping and blueprints verbatim: the mapping relates users to groups with
// .groups[]?.id (include_groups) and groups to members with .users[]?.id,
// which Ocean fills with extra Okta calls. Joined from the lake's
// group_members stream instead, every user gets exactly its groups and
// every group exactly its members, with the join's sort spilling to disk.
func TestOceanEnrichmentSeed000(t *testing.T) {
	store := newStore(t)
	org := extractOrg(t, store, "data")
	doc, bps := seed000(t)
	m, err := mapping.Parse(doc, "seed 000", mapping.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	wants := m.Enrichments()
	if len(wants) != 3 {
		t.Fatalf("enrichments %+v, want include_groups, include_applications and include_members", wants)
	}
	pe := newPort(t, portSetup{server: porttestOptions(bps)})
	joiner := enrich.New(enrich.Config{Store: store, Prefix: "data", Enrichments: wants, Dir: t.TempDir(), SortBytes: 4 << 10})
	t.Cleanup(func() { joiner.Close() })
	sum := run(t, newLoader(t, store, pe, Config{Prefix: "data", Mapping: m, Enricher: joiner}))
	// Seed 000's okta-user blueprint knows six statuses; Port refuses users
	// of the others (STAGED, PROVISIONED, RECOVERY), which are dead-lettered
	// with that reason. Nothing else may be.
	refused := map[string]bool{}
	_, items := deadLettersIn(t, store, "data")
	for _, it := range items {
		var rec struct{ ID, Status string }
		_ = json.Unmarshal(it.Record, &rec)
		if it.Blueprint != "okta-user" || !strings.Contains(it.Reason, "status must be one of") || slices.Contains([]string{"ACTIVE", "SUSPENDED", "DEPROVISIONED"}, rec.Status) {
			t.Errorf("dead letter %s %s: %s", it.Blueprint, rec.ID, it.Reason)
		}
		refused[rec.ID] = true
	}
	if int64(len(items)) != sum.DeadLettered() {
		t.Errorf("%d dead letters, summary says %d", len(items), sum.DeadLettered())
	}
	groupsOf, membersOf := map[string][]string{}, map[string][]string{}
	for _, k := range org.IDs("group_members") {
		g, u, _ := strings.Cut(k, "/")
		groupsOf[u] = append(groupsOf[u], g)
		membersOf[g] = append(membersOf[g], u)
	}
	check := func(bp, rel string, want map[string][]string, all []string) {
		t.Helper()
		related := 0
		for _, id := range all {
			if refused[id] {
				continue
			}
			e, ok := pe.srv.Entity(bp, id)
			if !ok {
				t.Errorf("%s %s not in Port", bp, id)
				continue
			}
			got := relationIDs(e.Relations[rel])
			w := slices.Clone(want[id])
			slices.Sort(got)
			slices.Sort(w)
			if !slices.Equal(got, w) {
				t.Errorf("%s %s: %s = %v, want %v", bp, id, rel, got, w)
			}
			related += len(got)
		}
		if related == 0 {
			t.Errorf("%s: no %s at all; the test checks nothing", bp, rel)
		}
	}
	check("okta-user", "groups", groupsOf, org.IDs("users"))
	check("okta-group", "members", membersOf, org.IDs("groups"))
	if st := joiner.Stats(); st.Spills == 0 || st.Lookups == 0 {
		t.Errorf("join stats %+v: the sort never spilled to disk or nothing was looked up", st)
	}
}

func relationIDs(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
	case string:
		out = append(out, x)
	}
	return out
}

func porttestOptions(bps map[string]json.RawMessage) porttest.Options {
	return porttest.Options{Blueprints: bps}
}
