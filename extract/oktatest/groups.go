package oktatest

import (
	"fmt"
	"time"
)

var teams = []string{"Platform", "Payments", "Growth", "Identity", "Data", "Mobile", "Web", "Infra", "EMEA", "APAC", "Contractors", "Admins"}

// span is an arithmetic progression of user indexes: start + k*stride for
// k < size. Memberships and app assignments are spans, so listing them costs
// nothing to store and a member's ordinal is a division away.
type span struct{ start, stride, size int }

func (s span) at(k int) int { return s.start + k*s.stride }

// ordinal returns k with at(k) == idx, or -1.
func (s span) ordinal(idx int) int {
	d := idx - s.start
	if d < 0 || s.stride <= 0 || d%s.stride != 0 || d/s.stride >= s.size {
		return -1
	}
	return d / s.stride
}

// drawSpan picks a membership of the n users with a skewed size: most small,
// some a few percent of the org, a tenth up to a quarter of it.
func drawSpan(r *rng, n int) span {
	u, a, b, c := r.float(), r.next(), r.next(), r.next()
	if n == 0 {
		return span{}
	}
	var size int
	switch {
	case u < 0.6:
		size = 1 + int(a%uint64(min(50, n)))
	case u < 0.9:
		size = 1 + int(a%uint64(max(1, n/20)))
	default:
		size = 1 + int(a%uint64(max(1, n/4)))
	}
	stride := 1
	if size > 1 {
		stride = 1 + int(b%uint64(max(1, (n-1)/(size-1))))
	}
	start := int(c % uint64(n-(size-1)*stride))
	return span{start: start, stride: stride, size: size}
}

// group is one group as served.
type group struct {
	idx                                         int
	id, name, description, kind                 string
	created, lastUpdated, lastMembershipUpdated time.Time
	members                                     memberSet
}

// groupEdit is what tests changed on a group; zero fields are unchanged.
type groupEdit struct {
	name, description                  string
	lastUpdated, lastMembershipUpdated time.Time
}

// groupLayout returns group g's generated member span over users users
// (generated and added). Everyone holds every user.
func (o *Org) groupLayout(g, users int) span {
	if g == 0 {
		return span{start: 0, stride: 1, size: users}
	}
	r := newRNG(o.cfg.Seed, kindGroup, g)
	for k := 0; k < 4; k++ { // name and time draws, see generateGroup
		r.next()
	}
	if r.float() < o.cfg.EmptyGroupFraction {
		return span{}
	}
	return drawSpan(r, o.cfg.Users)
}

// group returns group g as served, edits applied; ok is false for a
// group that does not exist or was deleted.
func (o *Org) group(g int) (group, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.groupLocked(g)
}

func (o *Org) groupLocked(g int) (group, bool) {
	if g < 0 || g >= o.cfg.Groups || o.deletedGroups[g] {
		return group{}, false
	}
	gr := o.generateGroup(g)
	users := o.cfg.Users + len(o.addedUsers)
	gr.members = newMemberSet(o.groupLayout(g, users), o.members[g], o.deletedUsers)
	if g == 0 && len(o.addedUsers) > 0 {
		gr.lastMembershipUpdated = o.addedUsers[len(o.addedUsers)-1].created
	}
	if e, ok := o.groupEdits[g]; ok {
		if e.name != "" {
			gr.name = e.name
		}
		if e.description != "" {
			gr.description = e.description
		}
		if !e.lastUpdated.IsZero() {
			gr.lastUpdated = e.lastUpdated
		}
		if e.lastMembershipUpdated.After(gr.lastMembershipUpdated) {
			gr.lastMembershipUpdated = e.lastMembershipUpdated
		}
	}
	return gr, true
}

// generateGroup is group g as generated, before any edit and without its
// members; it needs no lock (log events name groups this way).
func (o *Org) generateGroup(g int) group {
	gr := group{idx: g, id: o.GroupID(g)}
	r := newRNG(o.cfg.Seed, kindGroup, g)
	dept, team := r.intn(len(departments)), r.intn(len(teams))
	createdAgo := time.Duration(r.intn(3*365*24*3600)) * time.Second
	updatedFrac := r.float()
	if g == 0 {
		gr.kind, gr.name, gr.description = "BUILT_IN", "Everyone", "All users in your organization"
		gr.created = o.now.Add(-3*365*day - 60*day)
		gr.lastUpdated = gr.created
	} else {
		gr.kind = "OKTA_GROUP"
		gr.name = fmt.Sprintf("%s %s %d", departments[dept], teams[team], g)
		gr.description = fmt.Sprintf("%s team %s", departments[dept], teams[team])
		gr.created = o.now.Add(-30*day - createdAgo)
		gr.lastUpdated = o.now.Add(-time.Duration(updatedFrac * float64(o.now.Sub(gr.created))))
	}
	gr.created = gr.created.Truncate(time.Millisecond)
	gr.lastUpdated = gr.lastUpdated.Truncate(time.Millisecond)
	gr.lastMembershipUpdated = gr.lastUpdated
	return gr
}

type groupJSON struct {
	ID                    string   `json:"id"`
	Created               string   `json:"created"`
	LastUpdated           string   `json:"lastUpdated"`
	LastMembershipUpdated string   `json:"lastMembershipUpdated"`
	ObjectClass           []string `json:"objectClass"`
	Type                  string   `json:"type"`
	Profile               struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"profile"`
	Embedded *struct {
		Stats groupStatsJSON `json:"stats"`
	} `json:"_embedded,omitempty"`
	Links struct {
		Logo  []logoJSON `json:"logo"`
		Users href       `json:"users"`
		Apps  href       `json:"apps"`
	} `json:"_links"`
}

type groupStatsJSON struct {
	UsersCount             int  `json:"usersCount"`
	AppsCount              int  `json:"appsCount"`
	GroupPushMappingsCount int  `json:"groupPushMappingsCount"`
	HasAdminPrivilege      bool `json:"hasAdminPrivilege"`
}

type logoJSON struct {
	Name string `json:"name"`
	Href string `json:"href"`
	Type string `json:"type"`
}

func (o *Org) groupJSON(g group, base string, stats bool) groupJSON {
	j := groupJSON{
		ID:                    g.id,
		Created:               ts(g.created),
		LastUpdated:           ts(g.lastUpdated),
		LastMembershipUpdated: ts(g.lastMembershipUpdated),
		ObjectClass:           []string{"okta:user_group"},
		Type:                  g.kind,
	}
	j.Profile.Name, j.Profile.Description = g.name, g.description
	if stats {
		j.Embedded = &struct {
			Stats groupStatsJSON `json:"stats"`
		}{groupStatsJSON{
			UsersCount:        g.members.count(),
			AppsCount:         o.appsCount(g.idx),
			HasAdminPrivilege: len(o.groupRoles(g.idx)) > 0,
		}}
	}
	j.Links.Logo = []logoJSON{
		{Name: "medium", Href: base + "/assets/img/logos/groups/okta-medium.png", Type: "image/png"},
		{Name: "large", Href: base + "/assets/img/logos/groups/okta-large.png", Type: "image/png"},
	}
	j.Links.Users.Href = base + "/api/v1/groups/" + g.id + "/users"
	j.Links.Apps.Href = base + "/api/v1/groups/" + g.id + "/apps"
	return j
}
