package mapping

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

const userRecord = `{"id":"00ub0oNGTSWTBKOLGLNR","status":"ACTIVE","profile":{"login":"isaac@example.com","email":"isaac@example.com","firstName":"Isaac"},` +
	`"credentials":{"emails":[{"value":"isaac@example.com","type":"PRIMARY"},{"value":"ib@example.org","type":"SECONDARY"}]}}`

func mustParse(t *testing.T, doc string) *Mapping {
	t.Helper()
	m, err := Parse([]byte(doc), "test.json", quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func applyUser(t *testing.T, m *Mapping) Result {
	t.Helper()
	return m.Apply(context.Background(), json.RawMessage(userRecord), objectKey("users"))
}

func TestItemsToParse(t *testing.T) {
	m := mustParse(t, `[{"blueprint": "email", "itemsToParse": ".body.credentials.emails",
		"filter": ".item.type != \"IGNORED\"",
		"entity": {"identifier": ".item.value", "title": ".item.type",
			"properties": {"owner": ".body.id", "stream": ".body._PORT_SOURCE_OBJECT_KEY | split(\"/\") | .[2]", "headers": ".headers"}}}]`)
	res := applyUser(t, m)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	var ids []any
	for _, e := range res.Entities {
		ids = append(ids, e.Identifier)
		want := map[string]any{"owner": "00ub0oNGTSWTBKOLGLNR", "stream": "users", "headers": map[string]any{}}
		if !reflect.DeepEqual(e.Properties, want) {
			t.Errorf("properties = %v, want %v", e.Properties, want)
		}
	}
	if want := []any{"isaac@example.com", "ib@example.org"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("identifiers = %v, want %v", ids, want)
	}
	if st := m.Stats()[0]; st.Matched != 2 || st.Entities != 2 {
		t.Errorf("stats = %+v, want 2 matched and 2 entities", st)
	}

	// A filter on .item is applied per element.
	m = mustParse(t, `[{"blueprint": "email", "itemsToParse": ".body.credentials.emails", "filter": ".item.type == \"PRIMARY\"",
		"entity": {"identifier": ".item.value"}}]`)
	if res := applyUser(t, m); len(res.Entities) != 1 || res.Entities[0].Identifier != "isaac@example.com" {
		t.Errorf("per-item filter: got %+v", res.Entities)
	}

	// itemsToParse that is not an array is an error of that field.
	m = mustParse(t, `[{"blueprint": "email", "itemsToParse": ".body.profile", "entity": {"identifier": ".item.value"}}]`)
	res = applyUser(t, m)
	if len(res.Entities) != 0 || len(res.Errors) != 1 || res.Errors[0].Field != "itemsToParse" || !strings.Contains(res.Errors[0].Err, "array") {
		t.Errorf("non-array itemsToParse: got %+v", res)
	}
	if got := m.Stats()[0].Errors["itemsToParse"]; got != 1 {
		t.Errorf("itemsToParse errors counted %d, want 1", got)
	}
}

func TestDeleteOperation(t *testing.T) {
	tests := []struct {
		name, operation  string
		deleteDependents bool
	}{
		{"string form", `"delete"`, false},
		{"object form", `{"type": "delete", "deleteDependents": true}`, true},
		{"object form without dependents", `{"type": "delete"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, `[{"blueprint": "okta_user", "operation": `+tt.operation+`, "filter": ".body.status == \"ACTIVE\"",
				"entity": {"identifier": ".body.id", "title": ".body.nosuch | error"}}]`)
			res := applyUser(t, m)
			want := []Delete{{MappingIndex: 0, Blueprint: "okta_user", Identifier: "00ub0oNGTSWTBKOLGLNR", DeleteDependents: tt.deleteDependents}}
			if !reflect.DeepEqual(res.Deletes, want) || len(res.Entities) != 0 {
				t.Errorf("got deletes %+v entities %+v, want %+v", res.Deletes, res.Entities, want)
			}
			if len(res.Errors) != 0 {
				t.Errorf("a delete evaluates only its identifier, got errors %+v", res.Errors)
			}
			if st := m.Stats()[0]; st.Deletes != 1 {
				t.Errorf("stats = %+v", st)
			}
		})
	}
	if _, err := Parse([]byte(`[{"blueprint": "b", "operation": "upsert", "entity": {"identifier": ".body.id"}}]`), "x.json", quietOptions()); err == nil ||
		!strings.Contains(err.Error(), `mapping[0].operation: unknown operation "upsert"`) {
		t.Errorf("unknown operation: err = %v", err)
	}
}

func TestSearchQueryObjects(t *testing.T) {
	m := mustParse(t, `[{"blueprint": "okta_user", "entity": {
		"identifier": {"combinator": "'and'", "rules": [{"property": "'email'", "operator": "'='", "value": ".body.profile.email"}]},
		"title": "'Success'",
		"properties": {"deploymentStatus": "'Success'", "url": "'https://x.example/' + .body.id", "literal": 3, "nested": {"first": ".body.profile.firstName", "missing": ".body.profile.nosuch | values"}},
		"relations": {
			"manager": {"combinator": "'and'", "rules": [{"property": "'$identifier'", "operator": "'='", "value": ".body.id | ascii_downcase"}]},
			"groups": ".body.groups[]?.id"}}}]`)
	res := applyUser(t, m)
	if len(res.Errors) != 0 || len(res.Entities) != 1 {
		t.Fatalf("got %+v", res)
	}
	e := res.Entities[0]
	wantID := map[string]any{"combinator": "and", "rules": []any{map[string]any{"property": "email", "operator": "=", "value": "isaac@example.com"}}}
	if !reflect.DeepEqual(e.Identifier, wantID) {
		t.Errorf("identifier = %v, want %v", show(e.Identifier), show(wantID))
	}
	wantRel := map[string]any{"manager": map[string]any{"combinator": "and", "rules": []any{map[string]any{"property": "$identifier", "operator": "=", "value": "00ub0ongtswtbkolglnr"}}}}
	if !reflect.DeepEqual(e.Relations, wantRel) {
		t.Errorf("relations = %v, want %v (groups gave no output, so the webhook dialect leaves it out)", show(e.Relations), show(wantRel))
	}
	wantProps := map[string]any{"deploymentStatus": "Success", "url": "https://x.example/00ub0oNGTSWTBKOLGLNR", "literal": float64(3), "nested": map[string]any{"first": "Isaac"}}
	if !reflect.DeepEqual(e.Properties, wantProps) || e.Title != "Success" {
		t.Errorf("properties = %v title = %v, want %v", show(e.Properties), e.Title, show(wantProps))
	}
}

func TestRunawayJQIsBounded(t *testing.T) {
	runaway := []string{`[repeat(1)]`, `[range(1e12)]`, `def f: f; f`, `last(range(1e12))`, `def f: [f]; f`}
	props := map[string]any{}
	for i, e := range runaway {
		props["r"+itoa(i)] = e
	}
	props["after"] = ".body.id" // plain paths still map after the deadline
	doc, _ := json.Marshal([]any{map[string]any{"blueprint": "b", "entity": map[string]any{"identifier": ".body.id", "properties": props}}})
	opts := quietOptions()
	opts.Timeout = 50 * time.Millisecond
	m, err := Parse(doc, "runaway.json", opts)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := applyUser(t, m)
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("Apply took %v: the record deadline did not hold", elapsed)
	}
	if len(res.Errors) != len(runaway) {
		t.Fatalf("got %d errors, want %d: %+v", len(res.Errors), len(runaway), res.Errors)
	}
	for _, e := range res.Errors {
		if !strings.Contains(e.Err, "timed out") {
			t.Errorf("%s: error %q does not say it timed out", e.Field, e.Err)
		}
	}
	ent := res.Entities[0]
	if ent.Properties["after"] != "00ub0oNGTSWTBKOLGLNR" {
		t.Errorf("after = %v", ent.Properties["after"])
	}
	for i := range runaway {
		if v, present := ent.Properties["r"+itoa(i)]; !present || v != nil {
			t.Errorf("r%d = %v (present %v), want null", i, v, present)
		}
	}
	if got := m.Stats()[0].Errors; len(got) != len(runaway) {
		t.Errorf("stats errors = %v", got)
	}

	// A value over MaxValueBytes is an error too. (The default time budget:
	// this part is about size, and 50ms flakes on a loaded machine.)
	opts.MaxValueBytes = 1000
	opts.Timeout = 0
	m, err = Parse([]byte(`[{"blueprint": "b", "entity": {"identifier": ".body.id", "properties": {"big": "[range(10000)]", "long": "\"x\" * 5000", "ok": "[range(10)]"}}}]`), "big.json", opts)
	if err != nil {
		t.Fatal(err)
	}
	res = applyUser(t, m)
	if len(res.Errors) != 2 || !strings.Contains(res.Errors[0].Err, "larger than 1000 bytes") {
		t.Errorf("size bound: got %+v", res.Errors)
	}
}

func TestFilterMustBeBoolean(t *testing.T) {
	tests := []struct {
		filter, wantErr string
		entities        int
	}{
		{`.body.id`, "filter must give a boolean, got a string", 0},
		{`empty`, "filter must give a boolean, got no output", 0},
		{`.body.nosuch`, "filter must give a boolean, got null", 0},
		{`.body.id | startswith(1)`, "startswith", 0},
		{`false`, "", 0},
		{`true, error("later outputs are ignored")`, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			doc, _ := json.Marshal([]any{map[string]any{"blueprint": "b", "filter": tt.filter, "entity": map[string]any{"identifier": ".body.id"}}})
			m := mustParse(t, string(doc))
			res := applyUser(t, m)
			if len(res.Entities) != tt.entities {
				t.Errorf("entities = %d, want %d", len(res.Entities), tt.entities)
			}
			st := m.Stats()[0]
			if tt.wantErr == "" {
				if len(res.Errors) != 0 || st.Errors["filter"] != 0 {
					t.Errorf("unexpected errors %+v", res.Errors)
				}
				return
			}
			if len(res.Errors) != 1 || res.Errors[0].Field != "filter" || !strings.Contains(res.Errors[0].Err, tt.wantErr) {
				t.Errorf("errors = %+v, want one filter error containing %q", res.Errors, tt.wantErr)
			}
			if st.Errors["filter"] != 1 || st.Matched != 0 {
				t.Errorf("stats = %+v, want one filter error and nothing matched", st)
			}
		})
	}
}

func TestErrorsGiveNullAndAreCounted(t *testing.T) {
	m := mustParse(t, `[{"blueprint": "b", "entity": {"identifier": ".body.id", "title": ".body.id | tonumber",
		"properties": {"bad": ".body.status + 1", "good": ".body.status", "none": ".body.credentials.emails[] | select(.type == \"X\")"}}}]`)
	for range 3 {
		res := applyUser(t, m)
		if len(res.Entities) != 1 {
			t.Fatalf("got %+v", res)
		}
		e := res.Entities[0]
		want := map[string]any{"bad": nil, "good": "ACTIVE"} // "none" gave no output: left out, as Port does
		if !reflect.DeepEqual(e.Properties, want) || e.Title != nil {
			t.Errorf("properties = %v title = %v, want %v", show(e.Properties), e.Title, show(want))
		}
		if len(res.Errors) != 2 {
			t.Errorf("errors = %+v", res.Errors)
		}
	}
	want := map[string]int64{"entity.properties.bad": 3, "entity.title": 3}
	if got := m.Stats()[0].Errors; !reflect.DeepEqual(got, want) {
		t.Errorf("stats errors = %v, want %v", got, want)
	}
}

func TestEnvIsEmpty(t *testing.T) {
	const secret = "s3cr3t-token-value-not-for-jq"
	t.Setenv("OKTALAKE_TEST_SECRET", secret)
	if os.Getenv("OKTALAKE_TEST_SECRET") != secret {
		t.Fatal("setting the environment failed")
	}
	m := mustParse(t, `[{"blueprint": "b", "entity": {"identifier": ".body.id", "properties": {
		"a": "env.OKTALAKE_TEST_SECRET", "b": "$ENV.OKTALAKE_TEST_SECRET", "c": "env | tostring", "d": "$ENV | length",
		"e": "[env[]] | join(\",\")", "f": "$ENV | keys", "g": "\"\\(env)\""}}}]`)
	res := applyUser(t, m)
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), secret) {
		t.Fatalf("the environment leaked into the result: %s", b)
	}
	want := map[string]any{"a": nil, "b": nil, "c": "{}", "d": 0, "e": "", "f": []any{}, "g": "{}"}
	if got := res.Entities[0].Properties; !sameJSON(want, got) || len(res.Errors) != 0 {
		t.Errorf("properties = %s, want %s (errors %+v)", show(got), show(want), res.Errors)
	}
}

func TestRecordErrorsAndInputIsolation(t *testing.T) {
	m := mustParse(t, `[{"blueprint": "b", "entity": {"identifier": ".body.id"}}]`)
	for _, bad := range []string{`[1,2]`, `"x"`, `{"id":`, `null`} {
		res := m.Apply(context.Background(), json.RawMessage(bad), "k")
		if len(res.Errors) != 1 || res.Errors[0].Field != "record" || res.Errors[0].MappingIndex != -1 {
			t.Errorf("Apply(%s) = %+v", bad, res)
		}
	}
	rec := map[string]any{"id": "00u1"}
	res := m.ApplyValue(context.Background(), rec, objectKey("users"))
	if len(res.Entities) != 1 || len(rec) != 1 {
		t.Errorf("ApplyValue changed its input (%v) or mapped nothing (%+v)", rec, res)
	}
}

func TestConcurrentApply(t *testing.T) {
	m, err := Parse(mappingFile(t, "seed003.json"), "seed003.json", quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	users, logs := loadRecords(t, "users"), loadRecords(t, "logs")
	const workers, rounds = 8, 20
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				for _, r := range users {
					m.Apply(context.Background(), r, objectKey("users"))
				}
				for _, r := range logs {
					m.Apply(context.Background(), r, objectKey("logs"))
				}
			}
		}()
	}
	wg.Wait()
	st := m.Stats()
	if got, want := st[3].Entities, int64(workers*rounds*len(users)); got != want {
		t.Errorf("okta_user entities = %d, want %d", got, want)
	}
	if got, want := st[4].Entities, int64(workers*rounds*len(logs)); got != want {
		t.Errorf("okta_event entities = %d, want %d", got, want)
	}
}
