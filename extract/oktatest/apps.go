package oktatest

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Separate streams for an app's attributes, its users and its groups.
const (
	streamAppUsers  = 1 << 40
	streamAppGroups = 2 << 40
)

var appLabels = []string{"Salesforce", "Slack", "GitHub", "Jira", "Confluence", "Zoom", "Workday", "Box", "Figma",
	"Datadog", "PagerDuty", "Notion", "AWS Console", "Google Workspace", "Zendesk", "Tableau"}

var signOnModes = []string{"BOOKMARK", "BASIC_AUTH", "OPENID_CONNECT"}

type app struct {
	idx                     int
	id, label, mode, status string
	created, lastUpdated    time.Time
	slug                    string
	users                   memberSet
	hasProvisioning         bool
}

// app returns application a as served, assignments edited; ok is false for
// an app that does not exist or was deleted.
func (o *Org) app(a int) (app, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.appLocked(a)
}

func (o *Org) appLocked(a int) (app, bool) {
	if a < 0 || a >= o.cfg.Apps || o.deletedApps[a] {
		return app{}, false
	}
	ap := o.generateApp(a)
	ap.users = newMemberSet(o.appUserLayout(a), o.appUsers[a], o.deletedUsers)
	return ap, true
}

// appGroupSet returns the groups assigned to app a, edits applied and
// deleted groups left out.
func (o *Org) appGroupSet(a int) memberSet {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.appGroupSetLocked(a)
}

func (o *Org) appGroupSetLocked(a int) memberSet {
	return newMemberSet(sortedIndexes(o.appGroupIndexes(a)), o.appGroups[a], o.deletedGroups)
}

// appsCount is the number of apps group g is assigned to (its stats' appsCount).
func (o *Org) appsCount(g int) int {
	o.mu.RLock()
	defer o.mu.RUnlock()
	n := int(o.appsPerGroup[g])
	for a, e := range o.appGroups {
		if e.removed[g] {
			n--
		}
		if _, ok := e.added[g]; ok && !o.deletedApps[a] {
			n++
		}
	}
	for a := range o.deletedApps {
		if sortedIndexes(o.appGroupIndexes(a)).has(g) && !o.appGroups[a].isRemoved(g) {
			n--
		}
	}
	return n
}

// generateApp is application a as generated, without its assignments; it
// needs no lock (log events name apps this way).
func (o *Org) generateApp(a int) app {
	r := newRNG(o.cfg.Seed, kindApp, a)
	ap := app{idx: a, id: o.AppID(a)}
	ap.mode = pick(r, signOnModes)
	ap.label = fmt.Sprintf("%s %d", pick(r, appLabels), a)
	ap.slug = strings.ToLower(strings.ReplaceAll(ap.label, " ", "-"))
	ap.created = o.now.Add(-60*day - time.Duration(r.intn(2*365*24*3600))*time.Second).Truncate(time.Millisecond)
	ap.lastUpdated = o.now.Add(-time.Duration(r.float() * float64(o.now.Sub(ap.created)))).Truncate(time.Millisecond)
	ap.status = "ACTIVE"
	if r.float() < 0.1 {
		ap.status = "INACTIVE"
	}
	ap.hasProvisioning = r.float() < 0.3
	return ap
}

func (o *Org) appUserLayout(a int) span {
	return drawSpan(newRNG(o.cfg.Seed, kindApp, a+streamAppUsers), o.cfg.Users)
}

// appGroupIndexes returns the groups (never Everyone) assigned to app a, ascending.
func (o *Org) appGroupIndexes(a int) []int {
	if o.cfg.Groups <= 1 {
		return nil
	}
	r := newRNG(o.cfg.Seed, kindApp, a+streamAppGroups)
	n := min(r.intn(4), o.cfg.Groups-1)
	seen := map[int]bool{}
	var out []int
	for len(out) < n {
		g := 1 + r.intn(o.cfg.Groups-1)
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	sort.Ints(out)
	return out
}

type appJSON struct {
	ID            string         `json:"id"`
	Orn           string         `json:"orn"`
	Name          string         `json:"name"`
	Label         string         `json:"label"`
	Status        string         `json:"status"`
	LastUpdated   string         `json:"lastUpdated"`
	Created       string         `json:"created"`
	Accessibility map[string]any `json:"accessibility"`
	Visibility    map[string]any `json:"visibility"`
	Features      []string       `json:"features"`
	SignOnMode    string         `json:"signOnMode"`
	Credentials   map[string]any `json:"credentials"`
	Settings      map[string]any `json:"settings"`
	Licensing     map[string]int `json:"licensing"`
	Links         map[string]any `json:"_links"`
}

func (o *Org) appJSON(ap app, base string) appJSON {
	j := appJSON{
		ID:            ap.id,
		Orn:           "orn:okta:idp:" + o.orgID + ":apps:" + ap.slug + ":" + ap.id,
		Label:         ap.label,
		Status:        ap.status,
		LastUpdated:   ts(ap.lastUpdated),
		Created:       ts(ap.created),
		Accessibility: map[string]any{"selfService": false},
		Visibility: map[string]any{
			"autoSubmitToolbar": false,
			"hide":              map[string]bool{"iOS": false, "web": false},
			"appLinks":          map[string]bool{"login": true},
		},
		Features:   []string{},
		SignOnMode: ap.mode,
		Licensing:  map[string]int{"seatCount": 0},
	}
	userNameTemplate := map[string]any{"template": "${source.login}", "type": "BUILT_IN"}
	url := "https://" + ap.slug + ".example.com/"
	switch ap.mode {
	case "BOOKMARK":
		j.Name = "bookmark"
		j.Credentials = map[string]any{"userNameTemplate": userNameTemplate, "signing": map[string]any{}}
		j.Settings = map[string]any{"app": map[string]any{"requestIntegration": false, "url": url}}
	case "BASIC_AUTH":
		j.Name = "template_basic_auth"
		j.Credentials = map[string]any{"scheme": "EDIT_USERNAME_AND_PASSWORD", "userNameTemplate": userNameTemplate,
			"revealPassword": false, "signing": map[string]any{}}
		j.Settings = map[string]any{"app": map[string]any{"url": url, "authURL": url + "login"}}
	default:
		j.Name = "oidc_client"
		j.Credentials = map[string]any{"userNameTemplate": userNameTemplate, "signing": map[string]any{"kid": ap.id},
			"oauthClient": map[string]any{"autoKeyRotation": true, "client_id": ap.id, "token_endpoint_auth_method": "client_secret_basic"}}
		j.Settings = map[string]any{"oauthClient": map[string]any{
			"client_uri": url, "redirect_uris": []string{url + "callback"}, "response_types": []string{"code"},
			"grant_types": []string{"authorization_code"}, "application_type": "web", "consent_method": "TRUSTED", "issuer_mode": "DYNAMIC",
		}}
	}
	if ap.hasProvisioning {
		j.Features = []string{"IMPORT_NEW_USERS", "PUSH_NEW_USERS", "PUSH_PROFILE_UPDATES"}
	}
	self := base + "/api/v1/apps/" + ap.id
	j.Links = map[string]any{
		"self":     href{self},
		"appLinks": []map[string]string{{"name": "login", "href": base + "/home/" + ap.slug + "/" + ap.id + "/login", "type": "text/html"}},
		"users":    href{self + "/users"},
		"groups":   href{self + "/groups"},
		"logo":     []map[string]string{{"name": "medium", "href": base + "/assets/img/logos/default.png", "type": "image/png"}},
	}
	if ap.status == "ACTIVE" {
		j.Links["deactivate"] = href{self + "/lifecycle/deactivate"}
	} else {
		j.Links["activate"] = href{self + "/lifecycle/activate"}
	}
	return j
}

type appUserJSON struct {
	ID              string            `json:"id"`
	ExternalID      string            `json:"externalId,omitempty"`
	Created         string            `json:"created"`
	LastUpdated     string            `json:"lastUpdated"`
	Scope           string            `json:"scope"`
	Status          string            `json:"status"`
	StatusChanged   string            `json:"statusChanged"`
	PasswordChanged *string           `json:"passwordChanged"`
	SyncState       string            `json:"syncState"`
	Credentials     map[string]string `json:"credentials"`
	Profile         map[string]any    `json:"profile"`
	Links           struct {
		App  href `json:"app"`
		User href `json:"user"`
	} `json:"_links"`
}

// appUserJSON renders u's assignment to ap; a test's assignment is dated
// when it was made, a generated one when both the app and the user existed.
func (o *Org) appUserJSON(ap app, u user, base string) appUserJSON {
	created := ap.created
	if u.created.After(created) {
		created = u.created
	}
	if at, ok := ap.users.addedAt[u.idx]; ok {
		created = at
	}
	j := appUserJSON{
		ID:          u.id,
		Created:     ts(created),
		LastUpdated: ts(created),
		Scope:       "USER",
		Status:      "ACTIVE",
		SyncState:   "DISABLED",
		Credentials: map[string]string{"userName": u.login},
		Profile:     map[string]any{"email": u.email, "firstName": u.first, "lastName": u.last},
	}
	j.StatusChanged = j.Created
	if ap.hasProvisioning {
		j.Status, j.SyncState = "PROVISIONED", "SYNCHRONIZED"
		j.ExternalID = fmt.Sprintf("%x", hash64(o.cfg.Seed, kindApp, ap.idx, u.idx))
	}
	j.Links.App.Href = base + "/api/v1/apps/" + ap.id
	j.Links.User.Href = base + "/api/v1/users/" + u.id
	return j
}

type appGroupJSON struct {
	ID          string         `json:"id"`
	LastUpdated string         `json:"lastUpdated"`
	Priority    int            `json:"priority"`
	Profile     map[string]any `json:"profile"`
	Links       struct {
		App   href `json:"app"`
		Self  href `json:"self"`
		Group href `json:"group"`
	} `json:"_links"`
}

func (o *Org) appGroupJSON(ap app, g group, priority int, assignedAt time.Time, base string) appGroupJSON {
	last := ap.created
	if g.created.After(last) {
		last = g.created
	}
	if !assignedAt.IsZero() {
		last = assignedAt
	}
	j := appGroupJSON{ID: g.id, LastUpdated: ts(last), Priority: priority, Profile: map[string]any{}}
	j.Links.App.Href = base + "/api/v1/apps/" + ap.id
	j.Links.Self.Href = base + "/api/v1/apps/" + ap.id + "/groups/" + g.id
	j.Links.Group.Href = base + "/api/v1/groups/" + g.id
	return j
}
