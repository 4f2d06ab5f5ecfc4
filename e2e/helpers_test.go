// Package e2e_test drives the whole pipeline the way the CLI does: extract a
// simulated Okta org (extract/oktatest) into a bucket, load the bucket into a
// simulated Port (load/porttest), change the org, and check that Port holds
// what the org holds.
package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/laketest"
	"github.com/oktalake/oktalake/load"
	"github.com/oktalake/oktalake/load/mapping"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/porttest"
	"github.com/oktalake/oktalake/schemas"
	"github.com/oktalake/oktalake/streams"
)

func TestMain(m *testing.M) { laketest.Main(m) }

// testNow is the simulated present the org and both clocks start at; every
// later time is derived from the manual clock.
var testNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// oktaToken is the simulated org's API token (a test value, not a secret).
const oktaToken = "okta-e2e-token-not-secret"

// pipeline is one org, one bucket and one Port, joined by the real extractor
// and loader.
type pipeline struct {
	t      *testing.T
	clk    *oktatest.ManualClock
	org    *oktatest.Org
	okta   *oktatest.Server
	oktaHS *httptest.Server // in front of okta: the outage switch
	client *okta.Client
	store  lake.Store
	prefix string
	port   *porttest.Server
	pc     *port.Client
	// mappingJSON is the webhook-dialect mapping loaded; loadStreams the
	// streams loaded (nil: all).
	mappingJSON []byte
	loadStreams []string
	// stubsAllowed leaves out of portSets the stubs Port creates for
	// relation targets no record made (seed 003: an event's actor that its
	// okta_user cannot hold).
	stubsAllowed bool
	// usersOutage, while set, answers Okta's users listing with its first
	// usersKept users and no next page, as an Okta outage that lost most of
	// the directory would; outageHits counts the listings it answered.
	usersOutage atomic.Bool
	usersKept   int
	// renamed is the user whose profile mutate changed (department
	// "Renamed").
	renamed    string
	outageHits atomic.Int64
}

// newPipeline builds a pipeline on a local directory bucket, or on a real
// MinIO bucket when minio is true, loading with mappingJSON (nil: the
// embedded default mapping).
func newPipeline(t *testing.T, mappingJSON []byte, minio bool) *pipeline {
	t.Helper()
	return newPipelineOrg(t, mappingJSON, minio, nil)
}

// newPipelineOrg is newPipeline with the org's configuration changed by
// orgConfig (when not nil).
func newPipelineOrg(t *testing.T, mappingJSON []byte, minio bool, orgConfig func(*oktatest.OrgConfig)) *pipeline {
	t.Helper()
	p := &pipeline{t: t, clk: oktatest.NewManualClock(testNow), mappingJSON: mappingJSON}
	if p.mappingJSON == nil {
		p.mappingJSON = schemas.DefaultMapping()
	}
	cfg := oktatest.DefaultOrgConfig()
	cfg.Now = testNow
	cfg.Users, cfg.Groups, cfg.Apps, cfg.LogEvents = 60, 12, 6, 100
	if orgConfig != nil {
		orgConfig(&cfg)
	}
	p.org = oktatest.NewOrg(cfg)
	token := oktaToken
	p.okta = oktatest.NewServer(p.org, oktatest.Options{Token: token, Clock: p.clk})
	t.Cleanup(p.okta.Close)
	// An outage that loses most of the directory still answers 200 with a
	// JSON array, holding only the first usersKept users, and no next
	// link: a last page as Okta's list-users operation (GET /api/v1/users,
	// Okta Management API "List all users"; pagination by Link header)
	// serves it.
	p.oktaHS = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.usersOutage.Load() || r.URL.Path != "/api/v1/users" {
			p.okta.ServeHTTP(w, r)
			return
		}
		p.outageHits.Add(1)
		rec := httptest.NewRecorder()
		p.okta.ServeHTTP(rec, r)
		var page []json.RawMessage
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &page) != nil {
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		page = page[:min(len(page), p.usersKept)]
		body, _ := json.Marshal(page)
		for k, v := range rec.Header() {
			if k != "Link" && k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(p.oktaHS.Close)
	client, err := okta.New(okta.Config{Domain: p.oktaHS.URL, APIToken: token, Clock: p.clk, RateLimitShare: 1, MaxConcurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	p.client = client

	if minio {
		env := laketest.MinIO(t).NewBucket(t)
		store, prefix, err := lake.OpenStore(context.Background(), env.URL("data"), lake.StoreOptions{
			S3Endpoint: env.Endpoint, Region: env.Region, AccessKey: env.AccessKey, SecretKey: env.SecretKey,
		})
		if err != nil {
			t.Fatal(err)
		}
		p.store, p.prefix = store, prefix
	} else {
		store, prefix, err := lake.OpenStore(context.Background(), t.TempDir(), lake.StoreOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.store, p.prefix = store, prefix
	}
	if p.prefix == "" {
		p.prefix = lake.DefaultPrefix
	}

	bps, err := schemas.PortBlueprints()
	if err != nil {
		t.Fatal(err)
	}
	p.port = porttest.NewServer(porttest.Options{Blueprints: bps, Clock: p.clk})
	t.Cleanup(p.port.Close)
	pc, err := port.New(port.Config{BaseURL: p.port.URL, ClientID: p.port.ClientID, ClientSecret: p.port.ClientSecret, Clock: p.clk})
	if err != nil {
		t.Fatal(err)
	}
	p.pc = pc
	return p
}

// extractConfig is what `oktalake extract` builds: every stream, state
// kept in the bucket.
func (p *pipeline) extractConfig() extract.Config {
	return extract.Config{
		Client: p.client, Store: p.store, Prefix: p.prefix, Streams: streams.All(),
		Clock: p.clk, Concurrency: 8, Logger: slog.New(slog.DiscardHandler),
	}
}

// extract runs one extract and fails the test if any stream failed.
func (p *pipeline) extract() *extract.Summary {
	p.t.Helper()
	sum, err := extract.Run(context.Background(), p.extractConfig())
	if err != nil {
		p.t.Fatalf("extract: %v", err)
	}
	if err := sum.Err(); err != nil {
		p.t.Fatalf("extract: %v", err)
	}
	return sum
}

// loadConfig is what `oktalake load` builds.
func (p *pipeline) loadConfig() load.Config {
	p.t.Helper()
	m, err := mapping.Parse(p.mappingJSON, "e2e mapping", mapping.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		p.t.Fatal(err)
	}
	return load.Config{
		Store: p.store, Prefix: p.prefix, Mapping: m, Port: p.pc, Streams: p.loadStreams,
		Clock: p.clk, Logger: testLogger(),
	}
}

// testLogger discards logs unless E2E_LOG is set (debugging a failure).
func testLogger() *slog.Logger {
	if os.Getenv("E2E_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// loadWith runs one load with cfg and returns its summary and error (the
// run's own, or the summary's).
func (p *pipeline) loadWith(cfg load.Config) (*load.Summary, error) {
	p.t.Helper()
	l, err := load.New(context.Background(), cfg)
	if err != nil {
		p.t.Fatal(err)
	}
	sum, err := l.Run(context.Background())
	if err == nil && sum != nil {
		err = sum.Err()
	}
	return sum, err
}

// load runs one load and fails the test on error or dead letters.
func (p *pipeline) load() *load.Summary {
	p.t.Helper()
	return p.loadDeadLettering(0)
}

// loadDeadLettering runs one load and fails the test on error or unless
// exactly dead records are dead-lettered.
func (p *pipeline) loadDeadLettering(dead int64) *load.Summary {
	p.t.Helper()
	sum, err := p.loadWith(p.loadConfig())
	if err != nil {
		p.t.Fatalf("load: %v", err)
	}
	if n := sum.DeadLettered(); n != dead {
		var b strings.Builder
		_, _ = sum.WriteTo(&b)
		p.t.Fatalf("load: %d records dead-lettered, want %d:\n%s", n, dead, b.String())
	}
	return sum
}

// portSets returns Port's identifiers per blueprint, for the blueprints the
// mapping writes.
func (p *pipeline) portSets() map[string][]string {
	out := map[string][]string{}
	for bp := range p.orgSets() {
		ids := []string{}
		for _, e := range p.port.Entities(bp) {
			if p.stubsAllowed && len(e.Properties) == 0 && len(e.Relations) == 0 {
				// A stub Port made for a required relation's target
				// (create_missing_related_entities): not a record's entity.
				continue
			}
			ids = append(ids, e.Identifier)
		}
		sort.Strings(ids)
		out[bp] = ids
	}
	return out
}

// orgSets returns, per blueprint the mapping writes, the identifiers the
// org's records make under the mapping's identifier rule, computed from
// oktatest's Org.IDs (each stream's primary key, fields joined by "/").
func (p *pipeline) orgSets() map[string][]string {
	set := map[string]map[string]bool{}
	add := func(bp, id string) {
		if set[bp] == nil {
			set[bp] = map[string]bool{}
		}
		set[bp][id] = true
	}
	// An Okta permission's identifier in both mappings is its self link,
	// under the role: {org}/api/v1/iam/roles/{roleId}/permissions/{label}
	// (Okta Management API, "Retrieve a custom role permission").
	permission := func(key string) string {
		role, label, _ := strings.Cut(key, "/")
		return p.oktaHS.URL + "/api/v1/iam/roles/" + role + "/permissions/" + label
	}
	last := func(key string) string { return key[strings.LastIndex(key, "/")+1:] }
	if strings.Contains(string(p.mappingJSON), `_PORT_SOURCE_OBJECT_KEY`) {
		// The default mapping: one blueprint per stream; a child's
		// identifier is its parent id and its own id joined by "_".
		for stream, bp := range blueprintOf(p.t, p.mappingJSON) {
			for _, key := range p.org.IDs(stream) {
				switch stream {
				case "permissions":
					add(bp, permission(key))
				case "user_schema":
					add(bp, p.oktaHS.URL+"/meta/schemas/user/default")
				default:
					add(bp, strings.ReplaceAll(key, "/", "_"))
				}
			}
		}
		for _, e := range p.org.Events() {
			add(blueprintOf(p.t, p.mappingJSON)["logs"], e.UUID)
		}
		return flatten(set)
	}
	// Seed 003's mapping tells records apart by their ids: a record whose
	// id starts with 00u is a user (users, and the users listed under a
	// group or an app), "cr" a custom role, "ra" a role assignment; a
	// permission by its okta.* label; an event by its eventType.
	// Its okta_user requires activated and statusChanged, which a user
	// never activated (STAGED) lacks: those stay out of Port (dead letters).
	for _, key := range p.org.IDs("users") {
		if p.seed003User(key) {
			add("okta_user", key)
		}
	}
	for _, key := range p.org.IDs("custom_roles") {
		add("okta_role", key)
	}
	for _, key := range p.org.IDs("permissions") {
		add("okta_permission", permission(key))
	}
	for _, key := range p.org.IDs("user_role_assignments") {
		if id := last(key); strings.HasPrefix(id, "ra") {
			add("okta_role_assignment", id)
		}
	}
	for _, key := range p.org.IDs("logs") {
		add("okta_event", key)
	}
	for _, e := range p.org.Events() {
		add("okta_event", e.UUID)
	}
	return flatten(set)
}

// seed003User reports whether Okta's user id has what seed 003's okta_user
// blueprint requires (activated and statusChanged), asking the simulated
// org over Okta's API (GET /api/v1/users/{id}) as the extractor does.
func (p *pipeline) seed003User(id string) bool {
	p.t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.okta.URL+"/api/v1/users/"+id, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Authorization", "SSWS "+oktaToken)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	var u struct {
		Activated, StatusChanged *string
	}
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("GET user %s: %s", id, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&u); err != nil {
		p.t.Fatalf("GET user %s: %v", id, err)
	}
	return u.Activated != nil && u.StatusChanged != nil
}

func flatten(set map[string]map[string]bool) map[string][]string {
	out := map[string][]string{}
	for bp, ids := range set {
		out[bp] = slices.Sorted(maps.Keys(ids))
	}
	return out
}

// blueprintOf returns, for each stream, the blueprint the default mapping
// sends its records to (read from its filters, which select by key).
func blueprintOf(t *testing.T, mappingJSON []byte) map[string]string {
	t.Helper()
	var rules []struct {
		Blueprint string `json:"blueprint"`
		Filter    string `json:"filter"`
	}
	if err := json.Unmarshal(mappingJSON, &rules); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rules {
		_, after, ok := strings.Cut(r.Filter, `.[2] == "`)
		if !ok {
			t.Fatalf("mapping filter %q does not select a stream by key", r.Filter)
		}
		out[strings.TrimSuffix(after, `"`)] = r.Blueprint
	}
	return out
}

// assertPortEqualsOrg fails for each blueprint whose identifiers in Port
// differ from the org's.
func (p *pipeline) assertPortEqualsOrg(when string) {
	p.t.Helper()
	want := p.orgSets()
	got := p.portSets()
	for _, bp := range slices.Sorted(maps.Keys(want)) {
		if d := diff(got[bp], want[bp]); d != "" {
			p.t.Errorf("%s: %s in Port differs from the org:%s", when, bp, d)
		}
	}
}

// diff describes what got lacks and has too many of, against want.
func diff(got, want []string) string {
	g, w := map[string]bool{}, map[string]bool{}
	for _, s := range got {
		g[s] = true
	}
	for _, s := range want {
		w[s] = true
	}
	var missing, extra []string
	for s := range w {
		if !g[s] {
			missing = append(missing, s)
		}
	}
	for s := range g {
		if !w[s] {
			extra = append(extra, s)
		}
	}
	if len(missing)+len(extra) == 0 {
		return ""
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return fmt.Sprintf(" %d in Port (want %d); missing %s; extra %s", len(got), len(want), head(missing), head(extra))
}

func head(s []string) string {
	if len(s) > 5 {
		return fmt.Sprintf("%v… (%d)", s[:5], len(s))
	}
	return fmt.Sprint(s)
}

// grantAny grants the first standard role the holder does not hold yet.
func grantAny(t *testing.T, grant func(role string) error) {
	t.Helper()
	for _, role := range []string{"REPORT_ADMIN", "READ_ONLY_ADMIN", "HELP_DESK_ADMIN", "API_ACCESS_MANAGEMENT_ADMIN"} {
		if grant(role) == nil {
			return
		}
	}
	t.Fatal("no role left to grant")
}

// revokeAny revokes the first standard role the holder holds.
func revokeAny(t *testing.T, revoke func(role string) error) {
	t.Helper()
	for _, role := range []string{"SUPER_ADMIN", "ORG_ADMIN", "APP_ADMIN", "USER_ADMIN", "HELP_DESK_ADMIN", "READ_ONLY_ADMIN", "REPORT_ADMIN", "GROUP_MEMBERSHIP_ADMIN", "API_ACCESS_MANAGEMENT_ADMIN"} {
		if revoke(role) == nil {
			return
		}
	}
	t.Fatal("no role to revoke")
}

// child returns the first record key of stream whose parent (the key's
// first part) is not one of avoid, split into parent and child.
func child(t *testing.T, org *oktatest.Org, stream string, avoid ...string) (parent, id string) {
	t.Helper()
	for _, key := range org.IDs(stream) {
		parent, id, _ = strings.Cut(key, "/")
		if !slices.Contains(avoid, parent) && !slices.Contains(avoid, id) {
			return parent, id
		}
	}
	t.Fatalf("%s: no record outside %v", stream, avoid)
	return "", ""
}

// mutate changes the org as an admin would, half an hour before the
// clock's present: three users deleted (one of them a group member, one an
// event's actor), a group deleted, a membership removed and one added, an
// app user unassigned, a user role revoked and a group role granted, a
// profile changed.
func (p *pipeline) mutate() {
	t, org := p.t, p.org
	t.Helper()
	at := p.clk.Now().Add(-30 * time.Minute)
	goneGroup, _ := child(t, org, "group_members", org.GroupID(0))
	group, member := child(t, org, "group_members", org.GroupID(0), goneGroup)
	app, appUser := child(t, org, "application_users", member)
	_, goneMember := child(t, org, "group_members", org.GroupID(0), goneGroup, member, appUser)
	admins := org.AdminIDs()
	// Two users more to delete, and one to change, none of them named above
	// nor an admin; actors of events first: in a real org nearly every user
	// has acted in some event, and Okta keeps the events of deleted users.
	actors := p.actors()
	var plain []string
	for _, actor := range []bool{true, false} {
		for _, id := range org.IDs("users") {
			if len(plain) < 3 && actors[id] == actor && !slices.Contains(admins, id) && !slices.Contains([]string{member, appUser, goneMember}, id) {
				plain = append(plain, id)
			}
		}
	}
	if len(plain) < 3 {
		t.Fatalf("%d users to delete and change, want 3", len(plain))
	}
	if !actors[plain[0]] {
		t.Fatal("no event's actor among the users to delete: the changes prove less than they say")
	}
	other := plain[2]
	p.renamed = other
	steps := []error{
		org.DeleteUser(goneMember, at),
		org.DeleteUser(plain[0], at),
		org.DeleteUser(plain[1], at),
		org.DeleteGroup(goneGroup, at),
		org.RemoveGroupMember(group, member, at),
		org.UnassignUserFromApp(app, appUser, at),
		org.UpdateUser(other, at, oktatest.UserChange{Department: "Renamed"}),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("mutation %d: %v", i, err)
		}
	}
	added := false
	for i := 1; i < org.Config().Groups && !added; i++ {
		added = org.AddGroupMember(org.GroupID(i), other, at) == nil
	}
	if !added {
		t.Fatal("no group to add a member to")
	}
	revokeAny(t, func(role string) error { return org.RevokeUserRole(admins[len(admins)-1], role, at) })
	grantAny(t, func(role string) error { return org.GrantGroupRole(group, role, at) })
}

// actors are the users Port's okta_event entities name as their actor
// (okta_event.OktaUser: optional in the shipped blueprint, so deleting an
// actor leaves the events; required in seed 003's, see
// TestDeleteEventActorSeed003).
func (p *pipeline) actors() map[string]bool {
	out := map[string]bool{}
	for _, e := range p.port.Entities("okta_event") {
		if id, ok := e.Relations["OktaUser"].(string); ok {
			out[id] = true
		}
	}
	return out
}

// department is the profile department Port holds for a user.
func (p *pipeline) department(id string) any {
	e, ok := p.port.Entity("okta_user", id)
	if !ok {
		return nil
	}
	profile, _ := e.Properties["profile"].(map[string]any)
	return profile["department"]
}
