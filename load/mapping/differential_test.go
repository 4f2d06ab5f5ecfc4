package mapping

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

const jqPath = "/usr/bin/jq"

// trickyWebhook are expressions beyond the seed mappings, over the webhook payload.
var trickyWebhook = []string{
	`.body.id | select(startswith("00u"))`,
	`.body.profile.secondEmail // .body.profile.email // "none"`,
	`.body._PORT_SOURCE_OBJECT_KEY | split("/") | .[2]`,
	`.body.status | ascii_downcase`,
	`.body | has("profile")`,
	`.body.id | tostring`,
	`"\(.body.id)-\(.body.status)"`,
	`.body.profile.firstName + " " + .body.profile.lastName`,
	`.body | keys`,
	`.body | keys | length`,
	`[.body.credentials.emails[]?.value]`,
	`.body.credentials.emails | map(.type)`,
	`.body.profile | to_entries | map(select(.value != null)) | from_entries`,
	`.body.profile | to_entries | map(.key)`,
	`try (.body.id | tonumber) catch "not a number"`,
	`.body.id | tonumber`,
	`.body.target[0].id`,
	`.body.target[]?.displayName`,
	`[.body.target[]? | select(.type == "User") | .id]`,
	`.body.client.geographicalContext.geolocation.lat`,
	`.body.client.geographicalContext.geolocation | .lat + .lon`,
	`1.0`,
	`1e3`,
	`12345678901234567890`,
	`[1, 1.5, -0, 1e-7, 0.1]`,
	`{"a": 1, "nested": {"b": [1, 2, {"c": null}]}}`,
	`.body.profile.employeeNumber`,
	`.body.profile.employeeNumber | tostring`,
	`.body.securityContext.asNumber * 2`,
	`.body.authenticationContext.authenticationStep + 1`,
	`.body.lastLogin // "never"`,
	`if .body.status == "ACTIVE" then "yes" else "no" end`,
	`.body.profile.title | ascii_upcase?`,
	`.body.profile.login | split("@") | .[1]`,
	`.body.profile.login | test("@example\\.com$")`,
	`.body._links | keys[0]`,
	`.body | .. | numbers`,
	`[.body | .. | strings] | length`,
	`.body.nosuch.deeper`,
	`.body.id.nosuch`,
	`.body.id[0:3]`,
	`.body.label | startswith("okta.")`,
	`.body.label | ltrimstr("okta.")`,
	`.body | [paths] | length`,
	`.body.status | tojson`,
	`.body.id | ascii_downcase | explode | length`,
	`'Success'`,
	`'https://example.com/' + .body.id`,
	`.body.profile.displayName | values`,
	`.body.profile.mobilePhone | not`,
	`.body | del(.profile) | has("profile")`,
	`[.body.profile.firstName, .body.profile.lastName] | join(" ")`,
	`.body.actor.id | select(. != null) | "user:" + .`,
	`.body.published | .[0:10]`,
	`.headers | length`,
	`.queryParams`,
	`.item`,
	`(.body.id // "") | length > 10`,
	`.body.credentials.emails | first | .value`,
	`.body.target | length`,
	`.body.outcome.result == "SUCCESS"`,
	`error("boom")`,
	`.body.id | error`,
	`[limit(3; .body | ..)] | length`,
	`.body.status as $s | {status: $s, id: .body.id}`,
	`reduce (.body.credentials.emails[]?) as $e (0; . + 1)`,
	`.body | with_entries(select(.key | startswith("last")))`,
	`.body.id | ascii_downcase | ltrimstr("00u")`,
	`.body | to_entries | length`,
	`.body.profile | map_values(type)`,
	`[.body.profile[] | select(type == "string")] | sort | first`,
	`.body.id | split("") | unique | length`,
	`.body._embedded.stats.usersCount // 0 | . / 2`,
	`.body.priority | . * 1.5`,
	`[.body.request.ipChain[]?.geographicalContext.geolocation.lat] | add`,
	`.body.settings.app.url | @uri`,
	`[.body.profile.login, .body.status] | @csv`,
	`.body.profile.login | @base64`,
	`.body.profile.login | @base64 | @base64d`,
	`.body.lastUpdated < .body.created`,
	`[.body.created, .body.lastUpdated] | max`,
	`.body.features | any`,
	`.body | objects | length`,
	`.body.conditions.include | keys?`,
	`.body.description | ascii_downcase | contains("user")`,
	`.body.id | indices("0")`,
	`.body.label // .body.profile.name // .body.eventType // "?" | gsub("[^A-Za-z0-9]"; "_")`,
	// Idioms evaluated in Go (idioms.go), including inputs where they defer to gojq.
	`.body._PORT_SOURCE_OBJECT_KEY | split("/") | .[2] == "users"`,
	`.body._PORT_SOURCE_OBJECT_KEY|split("/")|.[2]=="logs"`,
	`.body._PORT_SOURCE_OBJECT_KEY | split("/") | .[9] == "users"`,
	`.body.id | split("0") | .[0] == ""`,
	`.body.nosuch | split("/") | .[2] == "users"`,
	`.body.priority | split("/") | .[0] == "1"`,
	`.body.type | del(.. | nulls)`,
	`.body.profile | del(..|nulls)`,
	`(.body.credentials // {}) | del(.. | nulls)`,
	`(.body.target // []) | del(.. | nulls)`,
	`.body | del(.. | nulls)`,
	`.body.nosuch | del(.. | nulls)`,
	`.body.id.x | del(.. | nulls)`,
	`[null, [null, {"a": null, "b": [null, 1]}], {}] | del(.. | nulls)`,
	`.body.debugContext | del(.. | nulls) | if (.debugData.threatSuspected | type) == "string" then .debugData.threatSuspected |= (. == "true") else . end`,
	`.body."profile"."email"`,
	`.headers."X-GitHub-Event"`,
	`.body.id."x"`,
	`.body | [paths(type == "number")]`,
	`[.body | paths] | .[0:5]`,
	`[.body | ..] | length`,
}

// trickyOcean are expressions over the record itself, as Ocean runs them.
var trickyOcean = []string{
	`.id`,
	`.profile.email | ascii_downcase`,
	`.groups[]?.id`,
	`[.credentials.emails[]?.value] | join(",")`,
	`.profile | to_entries | map(select(.value == null) | .key)`,
	`.type.id // .type`,
	`.objectClass[0]?`,
	`.status | IN("ACTIVE", "STAGED")`,
	`.profile.employeeNumber // "n/a" | tostring`,
	`"\(.profile.name // .profile.login)"`,
}

// TestDifferentialJQ checks, field by field, that Apply's values equal the
// first output of the jq CLI (Debian's jq 1.6) running the same expressions
// on the same payloads: every expression of both seed mappings plus a corpus
// of tricky ones, over every simulated record of every stream.
func TestDifferentialJQ(t *testing.T) {
	if _, err := os.Stat(jqPath); err != nil {
		if os.Getenv("OKTALAKE_REQUIRE_JQ") == "1" {
			t.Fatalf("jq CLI not found at %s, and make test requires it (make jq installs it)", jqPath)
		}
		t.Skipf("jq CLI not found at %s (apt-get install -y jq): differential test skipped", jqPath)
	}
	webhookExprs, oceanExprs := seedExpressions(t)
	webhookExprs = append(webhookExprs, trickyWebhook...)
	oceanExprs = append(oceanExprs, trickyOcean...)
	if len(webhookExprs) < 100 {
		t.Fatalf("webhook corpus has only %d expressions", len(webhookExprs))
	}

	t.Run("webhook", func(t *testing.T) {
		m := propertyMapping(t, webhookExprs, Webhook)
		var inputs []any
		var results []Result
		for _, stream := range allStreams {
			for _, rec := range loadRecords(t, stream) {
				res := m.Apply(context.Background(), rec, objectKey(stream))
				results = append(results, res)
				var body map[string]any
				if err := json.Unmarshal(rec, &body); err != nil {
					t.Fatal(err)
				}
				body[SourceKeyField] = objectKey(stream)
				inputs = append(inputs, map[string]any{"body": body, "headers": map[string]any{}, "queryParams": map[string]any{}})
			}
		}
		compareWithJQ(t, m, inputs, results, true)
	})

	t.Run("ocean", func(t *testing.T) {
		m := propertyMapping(t, oceanExprs, Ocean)
		var inputs []any
		var results []Result
		for _, stream := range allStreams {
			for _, rec := range loadRecords(t, stream) {
				results = append(results, m.Apply(context.Background(), rec, objectKey(stream)))
				var v any
				if err := json.Unmarshal(rec, &v); err != nil {
					t.Fatal(err)
				}
				inputs = append(inputs, v)
			}
		}
		compareWithJQ(t, m, inputs, results, false)
	})
}

// seedExpressions collects every jq expression of the two seed mappings.
func seedExpressions(t *testing.T) (webhook, ocean []string) {
	t.Helper()
	for _, f := range []struct {
		file string
		dst  *[]string
	}{{"seed003.json", &webhook}, {"ocean.yaml", &ocean}} {
		m, err := Parse(mappingFile(t, f.file), f.file, quietOptions())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range m.rules {
			for _, e := range r.exprs() {
				*f.dst = append(*f.dst, e.src)
			}
		}
	}
	return webhook, ocean
}

// exprs lists a rule's compiled expressions (test helper).
func (r *rule) exprs() []*expr {
	var out []*expr
	var walk func(n *node)
	walk = func(n *node) {
		if n == nil {
			return
		}
		if n.expr != nil {
			out = append(out, n.expr)
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	for _, e := range []*expr{r.filter, r.items, r.blueprintExpr} {
		if e != nil {
			out = append(out, e)
		}
	}
	for _, n := range append(append([]*node{r.identifier, r.title, r.icon, r.team}, r.props...), r.rels...) {
		walk(n)
	}
	return out
}

// propertyMapping builds a mapping whose properties e000, e001, ... are exprs.
func propertyMapping(t *testing.T, exprs []string, d Dialect) *Mapping {
	t.Helper()
	props := map[string]any{}
	for i, e := range exprs {
		props[fmt.Sprintf("e%03d", i)] = e
	}
	var doc []byte
	var err error
	if d == Webhook {
		doc, err = json.Marshal([]any{map[string]any{
			"blueprint": "probe",
			"entity":    map[string]any{"identifier": `"x"`, "properties": props},
		}})
	} else {
		var resources []any
		for _, s := range allStreams {
			resources = append(resources, map[string]any{
				"kind": s, "selector": map[string]any{"query": "true"},
				"port": map[string]any{"entity": map[string]any{"mappings": map[string]any{
					"identifier": `"x"`, "blueprint": `"probe"`, "properties": props,
				}}},
			})
		}
		doc, err = json.Marshal(map[string]any{"resources": resources})
	}
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(doc, "probe", quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type jqOutcome struct {
	Kind  string          `json:"k"` // value, empty or error
	Value json.RawMessage `json:"v"`
}

// compareWithJQ runs every property expression of m through the jq CLI on
// inputs (one JSON line each) and compares with results (Apply's, same order).
func compareWithJQ(t *testing.T, m *Mapping, inputs []any, results []Result, omitEmpty bool) {
	t.Helper()
	r := m.rules[0]
	var prog strings.Builder
	prog.WriteString("[")
	for i, n := range r.props {
		if i > 0 {
			prog.WriteString(",\n")
		}
		// limit(1; f) is the first output, as Port's runner takes it.
		fmt.Fprintf(&prog, `(try ([limit(1; (%s))] | if length == 0 then {"k": "empty"} else {"k": "value", "v": .[0]} end) catch {"k": "error"})`, n.expr.src)
	}
	prog.WriteString("]")
	dir := t.TempDir()
	progFile := filepath.Join(dir, "prog.jq")
	if err := os.WriteFile(progFile, []byte(prog.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// Inputs are written by encoding/json, so object keys are sorted: gojq does
	// not keep key order (a documented difference), jq keeps input order, and
	// sorted input makes keys, to_entries and .. agree.
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, v := range inputs {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(jqPath, "-c", "-f", progFile)
	cmd.Stdin = &in
	cmd.Env = []string{} // the corpus does not use env; keep the CLI's empty too
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running jq: %v", err)
	}
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	if len(lines) != len(inputs) {
		t.Fatalf("jq gave %d lines for %d inputs", len(lines), len(inputs))
	}
	compared := 0
	for i, line := range lines {
		var outcomes []jqOutcome
		if err := json.Unmarshal(line, &outcomes); err != nil {
			t.Fatalf("decoding jq output: %v", err)
		}
		res := results[i]
		failed := map[string]bool{}
		for _, e := range res.Errors {
			failed[e.Field] = true
		}
		var props map[string]any
		for _, ent := range res.Entities {
			props = ent.Properties
		}
		if props == nil {
			t.Fatalf("input %d: no entity produced: %+v", i, res)
		}
		for j, key := range r.propKeys {
			src := r.props[j].expr.src
			field := "port.entity.mappings.properties." + key
			if omitEmpty {
				field = "entity.properties." + key
			}
			got, present := props[key]
			want := outcomes[j]
			switch want.Kind {
			case "error":
				if !failed[field] {
					t.Errorf("input %d, %s: jq raised an error, Apply gave %s", i, src, show(got))
				}
			case "empty":
				if failed[field] || (omitEmpty && present) || (!omitEmpty && got != nil) {
					t.Errorf("input %d, %s: jq gave no output, Apply gave %s (error %v)", i, src, show(got), failed[field])
				}
			default:
				var w any
				if err := json.Unmarshal(want.Value, &w); err != nil {
					t.Fatal(err)
				}
				if failed[field] || !sameJSON(w, got) {
					t.Errorf("input %d, %s:\n  jq:    %s\n  Apply: %s (error %v)", i, src, want.Value, show(got), failed[field])
				}
			}
			compared++
		}
	}
	t.Logf("compared %d field values on %d inputs with %d expressions", compared, len(inputs), len(r.props))
}

// sameJSON compares a value decoded from jq's output with one of ours after
// a JSON round trip of both (ints, floats and big ints all become float64). jq 1.6
// turns numbers into strings with 17 significant digits ("%.17g"), gojq with
// the shortest exact form; strings that are both numbers of equal value are
// equal (documented difference, only hit by tostring on big numbers).
func sameJSON(want, got any) bool {
	w, g := roundTrip(want), roundTrip(got)
	if reflect.DeepEqual(w, g) {
		return true
	}
	ws, ok1 := w.(string)
	gs, ok2 := g.(string)
	if ok1 && ok2 {
		wf, err1 := strconv.ParseFloat(ws, 64)
		gf, err2 := strconv.ParseFloat(gs, 64)
		return err1 == nil && err2 == nil && wf == gf
	}
	return false
}

// roundTrip re-decodes v's JSON encoding (a value that cannot be encoded
// becomes its Go syntax, which equals nothing jq prints).
func roundTrip(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil
	}
	return out
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}
