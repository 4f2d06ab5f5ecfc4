package deploy

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/internal/metrics"
)

// The Grafana dashboard parses, every panel queries something, and every
// metric it queries is one internal/metrics defines (a renamed metric would
// leave a panel empty without this).
func TestGrafanaDashboardQueriesExistingMetrics(t *testing.T) {
	b, err := os.ReadFile("grafana/oktalake.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("grafana/oktalake.json: %v", err)
	}
	if len(dash.Panels) == 0 {
		t.Fatal("the dashboard has no panels")
	}
	known := metrics.Names()
	used := map[string]bool{}
	name := regexp.MustCompile(`\boktalake_[a-z_]+`)
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for _, tg := range p.Targets {
			found := name.FindAllString(tg.Expr, -1)
			if len(found) == 0 {
				t.Errorf("panel %q: %q names no oktalake metric", p.Title, tg.Expr)
			}
			for _, m := range found {
				base := m
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					if b, ok := strings.CutSuffix(m, suffix); ok && slices.Contains(known, b) {
						base = b
					}
				}
				if !slices.Contains(known, base) {
					t.Errorf("panel %q queries %s, which internal/metrics does not define", p.Title, m)
				}
				used[base] = true
			}
		}
	}
	for _, m := range known {
		if !used[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
}
