package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/schemas"
)

// `oktalake map` with Port's Ocean mapping (seed 000, shipped as
// ocean.yaml) joins include_groups and include_members from --bucket:
// a user's groups relation and a group's members come out filled.
func TestMapJoinsOceanEnrichments(t *testing.T) {
	dir := t.TempDir()
	store, _, err := lake.OpenStore(context.Background(), dir, lake.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	put := func(stream string, recs ...string) string {
		var lines []byte
		for i, r := range recs {
			lines, _ = lake.V2.AppendLine(lines, json.RawMessage(r), lake.LineMeta{RawID: stream + string(rune('a'+i)), ExtractedAt: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)})
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(lines)
		zw.Close()
		key := lake.JoinKey("data", "okta", stream, "year=2026", "month=11", "20_1_0.jsonl.gz")
		if err := store.Put(context.Background(), key, buf.Bytes()); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(dir, filepath.FromSlash(key))
	}
	users := put("users", `{"id":"u1","status":"ACTIVE","profile":{"login":"ada@example.com","email":"ada@example.com"}}`)
	groups := put("groups", `{"id":"g1","type":"OKTA_GROUP","profile":{"name":"One"}}`, `{"id":"g2","type":"OKTA_GROUP","profile":{"name":"Two"}}`)
	put("group_members", `{"groupId":"g1","id":"u1"}`, `{"groupId":"g2","id":"u1"}`)
	ocean, err := schemas.Mapping("ocean.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mfile := filepath.Join(dir, "ocean.yaml")
	if err := os.WriteFile(mfile, ocean, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "map", "--mapping", mfile, "--bucket", dir, users, groups)
	if code != 0 {
		t.Fatalf("map exited %d: %s", code, errOut)
	}
	rel := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var row struct {
			Entity struct {
				Identifier string         `json:"identifier"`
				Relations  map[string]any `json:"relations"`
			} `json:"entity"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("output line is not JSON: %q", sc.Text())
		}
		for name, v := range row.Entity.Relations {
			list, _ := v.([]any)
			for _, id := range list {
				rel[row.Entity.Identifier+"."+name] = append(rel[row.Entity.Identifier+"."+name], id.(string))
			}
		}
	}
	if got := rel["u1.groups"]; !slices.Equal(got, []string{"g1", "g2"}) {
		t.Errorf("u1 groups %v, want [g1 g2]\n%s", got, out)
	}
	if got := rel["g1.members"]; !slices.Equal(got, []string{"u1"}) {
		t.Errorf("g1 members %v, want [u1]\n%s", got, out)
	}
}
