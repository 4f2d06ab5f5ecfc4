package oktatest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

const specPath = "../../testdata/specs/okta-management-subset.yaml"

// specHost is the server URL the spec's router is built for; requests to
// the test server are re-addressed to it before routing.
const specHost = "https://okta.test"

type spec struct {
	doc    *openapi3.T
	router routers.Router
}

// loadSpec loads the Okta spec once per test binary: it is 36k lines.
var loadSpec = sync.OnceValues(func() (*spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(specPath)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", specPath, err)
	}
	// doc.Validate is not run: unrelated schemas (AccessPolicy's defaults)
	// fail it, and validating our responses does not depend on it.
	doc.Servers = openapi3.Servers{{URL: specHost}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("building router: %w", err)
	}
	return &spec{doc: doc, router: router}, nil
})

func mustSpec(t testing.TB) *spec {
	t.Helper()
	sp, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// validate checks one response against the spec: the status must be one
// the operation declares and the body must match its schema, formats
// (date-time, email, …) included.
func (sp *spec) validate(requestURL string, r response) error {
	u, err := url.Parse(requestURL)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodGet, specHost+u.RequestURI(), nil)
	if err != nil {
		return err
	}
	route, params, err := sp.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("routing %s: %w", u.Path, err)
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus:   true,
		MultiError:              true,
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		SchemaValidationOptions: schemaOptions(),
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 r.status,
		Header:                 r.header,
		Options:                opts,
	}
	in.SetBodyBytes(r.body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return trimErr(err)
	}
	return nil
}

// validateSchema checks a body against a named component schema, for
// responses whose status the operation does not declare (401).
func (sp *spec) validateSchema(name string, body []byte) error {
	ref := sp.doc.Components.Schemas[name]
	if ref == nil {
		return fmt.Errorf("no schema %s", name)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	return ref.Value.VisitJSON(v, append(schemaOptions(), openapi3.MultiErrors())...)
}

// schemaOptions turn on format checks: kin-openapi knows date-time by
// default; email is added with its own (permissive) pattern.
func schemaOptions() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{
		openapi3.EnableFormatValidation(),
		openapi3.WithStringFormatValidator("email", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail)),
	}
}

// trimErr keeps kin-openapi's multi-errors readable.
func trimErr(err error) error {
	var me openapi3.MultiError
	if errors.As(err, &me) && len(me) > 3 {
		return fmt.Errorf("%w (and %d more)", openapi3.MultiError(me[:3]), len(me)-3)
	}
	return err
}

// TestConformance requests every endpoint the simulator serves, following
// every page, and validates each response against the Okta spec.
func TestConformance(t *testing.T) {
	sp := mustSpec(t)
	cfg := testOrgConfig()
	cfg.Groups = 40 // enough for role-holding and empty groups alike
	s, _ := startServer(t, cfg, Options{})
	o := s.Org()
	pages := 0
	check := func(t *testing.T) func(string, response) {
		return func(u string, r response) {
			t.Helper()
			pages++
			if err := sp.validate(u, r); err != nil {
				t.Errorf("GET %s: %v\nbody: %.300s", u, err, r.body)
			}
			checkCommonHeaders(t, u, r)
		}
	}
	ids := func(recs []map[string]any) []string {
		var out []string
		for _, r := range recs {
			out = append(out, r["id"].(string))
		}
		return out
	}

	t.Run("users", func(t *testing.T) {
		collect(t, s, "/api/v1/users?limit=37", "", false, check(t))
		collect(t, s, `/api/v1/users?filter=`+url.QueryEscape(`lastUpdated gt "`+testNow.AddDate(-1, 0, 0).Format(time.RFC3339)+`"`), "", false, check(t))
		collect(t, s, `/api/v1/users?search=`+url.QueryEscape(`status eq "DEPROVISIONED"`), "", false, check(t))
		check(t)("/api/v1/users/"+o.UserID(3), get(t, s, "/api/v1/users/"+o.UserID(3)))
		for _, id := range o.AdminIDs() {
			collect(t, s, "/api/v1/users/"+id+"/roles", "", false, check(t))
		}
		check(t)("/api/v1/users/"+o.UserID(1)+"/roles", get(t, s, "/api/v1/users/"+o.UserID(1)+"/roles"))
	})
	t.Run("groups", func(t *testing.T) {
		groups := collect(t, s, "/api/v1/groups?expand=stats&limit=7", "", false, check(t))
		collect(t, s, "/api/v1/groups?filter="+url.QueryEscape(`lastUpdated gt "`+testNow.AddDate(0, -9, 0).Format(time.RFC3339)+`"`), "", false, check(t))
		for _, id := range ids(groups) {
			collect(t, s, "/api/v1/groups/"+id+"/users?limit=11", "", false, check(t))
			collect(t, s, "/api/v1/groups/"+id+"/roles", "", false, check(t))
		}
		check(t)("/api/v1/groups/"+o.GroupID(2), get(t, s, "/api/v1/groups/"+o.GroupID(2)))
	})
	t.Run("apps", func(t *testing.T) {
		apps := collect(t, s, "/api/v1/apps?limit=5", "", false, check(t))
		for _, id := range ids(apps) {
			collect(t, s, "/api/v1/apps/"+id+"/users?limit=9", "", false, check(t))
			collect(t, s, "/api/v1/apps/"+id+"/groups?limit=20", "", false, check(t))
		}
	})
	t.Run("iam", func(t *testing.T) {
		roles := collect(t, s, "/api/v1/iam/roles", "roles", true, check(t))
		for _, id := range ids(roles) {
			collect(t, s, "/api/v1/iam/roles/"+id+"/permissions", "permissions", false, check(t))
		}
		collect(t, s, "/api/v1/iam/resource-sets", "resource-sets", true, check(t))
		collect(t, s, "/api/v1/iam/assignees/users?limit=2", "value", true, check(t))
	})
	t.Run("logs", func(t *testing.T) {
		bounded := "/api/v1/logs?limit=97&since=" + url.QueryEscape(ts(testNow.Add(-7*day))) + "&until=" + url.QueryEscape(ts(testNow))
		collect(t, s, bounded, "", false, check(t))
		r := get(t, s, "/api/v1/logs?limit=1000")
		check(t)(s.URL+"/api/v1/logs?limit=1000", r)
	})
	t.Run("errors", func(t *testing.T) {
		for _, path := range []string{
			"/api/v1/groups/00gnotagroup000000000/users",
			"/api/v1/users/00unotauser0000000000/roles",
			"/api/v1/apps/0oanotanapp000000000/users",
			"/api/v1/logs?since=" + url.QueryEscape(ts(testNow.Add(-181*day))),
		} {
			r := get(t, s, path)
			if r.status < 400 {
				t.Errorf("GET %s: status %d, want an error", path, r.status)
			}
			check(t)(s.URL+path, r)
		}
		r := getAuth(t, s, "/api/v1/users", "SSWS wrong")
		if err := sp.validateSchema("Error", r.body); err != nil || r.status != http.StatusUnauthorized {
			t.Errorf("401: status %d, schema error %v", r.status, err)
		}
	})
	if pages < 100 {
		t.Errorf("validated only %d pages; the walk is broken", pages)
	}
}

// checkCommonHeaders asserts what every Okta response carries.
func checkCommonHeaders(t *testing.T, u string, r response) {
	t.Helper()
	for _, h := range []string{"Date", "X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset", "Content-Type"} {
		if r.header.Get(h) == "" {
			t.Errorf("GET %s: no %s header", u, h)
		}
	}
	if r.status == http.StatusOK && strings.HasPrefix(string(r.body), "[") {
		self := r.links()["self"]
		if !strings.HasPrefix(self, "http://127.0.0.1:") {
			t.Errorf("GET %s: self link %q is not absolute on the server's origin", u, self)
		}
	}
}

// TestConformanceCatchesViolations proves the validator is not vacuous: a
// valid page altered in one field must fail.
func TestConformanceCatchesViolations(t *testing.T) {
	sp := mustSpec(t)
	s, _ := startServer(t, testOrgConfig(), Options{})
	cases := []struct {
		name, path, from, to string
	}{
		{"log published not a date-time", "/api/v1/logs?limit=5", `"published":"`, `"published":"yesterday-`},
		{"log outcome outside the enum", "/api/v1/logs?limit=5", `"result":"SUCCESS"`, `"result":"GREAT"`},
		{"user email not an email", "/api/v1/users?limit=5", `"email":"`, `"email":"@@`},
		{"group stats count not an integer", "/api/v1/groups?expand=stats", `"usersCount":`, `"usersCount":"many",`},
		{"app without label", "/api/v1/apps", `"label":`, `"labelx":`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := get(t, s, c.path)
			if err := sp.validate(s.URL+c.path, r); err != nil {
				t.Fatalf("unaltered page fails: %v", err)
			}
			if !strings.Contains(string(r.body), c.from) {
				t.Fatalf("page has no %q to alter", c.from)
			}
			r.body = []byte(strings.Replace(string(r.body), c.from, c.to, 1))
			if err := sp.validate(s.URL+c.path, r); err == nil {
				t.Fatalf("altered page (%s → %s) passes validation", c.from, c.to)
			}
		})
	}
}

// TestMutationsConform validates what the mutations make the API serve
// against the Okta spec: every event type they write, and the objects they
// change.
func TestMutationsConform(t *testing.T) {
	sp := mustSpec(t)
	s, clk := startServer(t, testOrgConfig(), Options{})
	o := s.Org()
	at := testNow.Add(time.Minute)
	g := o.GroupID(3)
	for _, err := range []error{
		o.UpdateUser(o.UserID(9), at, UserChange{Status: "SUSPENDED", Department: "Legal"}),
		o.AddGroupMember(g, o.UserID(1), at), o.RemoveGroupMember(g, o.UserID(1), at),
		o.AssignUserToApp(o.AppID(1), o.UserID(1), at), o.AssignGroupToApp(o.AppID(1), g, at),
		o.GrantUserRole(o.UserID(1), "REPORT_ADMIN", at), o.GrantGroupRole(g, "REPORT_ADMIN", at),
		o.UpdateGroup(g, at, GroupChange{Description: "changed"}),
		o.DeleteUser(o.UserID(11), at), o.DeleteGroup(o.GroupID(4), at), o.DeleteApp(o.AppID(2), at),
	} {
		mustDo(t, err)
	}
	o.AddUser("STAGED", at)
	clk.Set(at.Add(3 * time.Second))
	check := func(u string, r response) {
		t.Helper()
		if err := sp.validate(u, r); err != nil {
			t.Errorf("GET %s: %v\nbody: %.300s", u, err, r.body)
		}
	}
	events := collect(t, s, "/api/v1/logs?since="+url.QueryEscape(ts(at))+"&until="+url.QueryEscape(ts(at.Add(time.Minute))), "", false, check)
	seen := map[string]bool{}
	for _, e := range events {
		seen[e["eventType"].(string)] = true
	}
	for _, e := range o.Events() {
		if !seen[e.EventType] {
			t.Errorf("%s was written but not served", e.EventType)
		}
	}
	if len(seen) < 15 {
		t.Errorf("only %d event types served: %v", len(seen), seen)
	}
	for _, p := range []string{"/api/v1/groups?expand=stats", "/api/v1/groups/" + g + "/roles", "/api/v1/apps/" + o.AppID(1) + "/users",
		"/api/v1/apps/" + o.AppID(1) + "/groups", "/api/v1/users/" + o.UserID(1) + "/roles", "/api/v1/users/" + o.UserID(11)} {
		check(s.URL+p, get(t, s, p))
	}
	collect(t, s, "/api/v1/iam/assignees/users", "value", true, check)
}
