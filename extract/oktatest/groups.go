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
	members                                     span
}

// groupLayout returns group g's member span. Everyone holds every user,
// added ones included.
func (o *Org) groupLayout(g int) span {
	if g == 0 {
		return span{start: 0, stride: 1, size: o.userCount()}
	}
	r := newRNG(o.cfg.Seed, kindGroup, g)
	for k := 0; k < 4; k++ { // name and time draws, see group()
		r.next()
	}
	if r.float() < o.cfg.EmptyGroupFraction {
		return span{}
	}
	return drawSpan(r, o.cfg.Users)
}

func (o *Org) group(g int) (group, bool) {
	if g < 0 || g >= o.cfg.Groups {
		return group{}, false
	}
	gr := group{idx: g, id: o.GroupID(g), members: o.groupLayout(g)}
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
	o.mu.RLock()
	defer o.mu.RUnlock()
	if t, ok := o.groupEdits[g]; ok {
		gr.lastUpdated = t
	}
	if g == 0 && len(o.addedUsers) > 0 {
		gr.lastMembershipUpdated = o.addedUsers[len(o.addedUsers)-1].created
	}
	return gr, true
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
			UsersCount:        g.members.size,
			AppsCount:         int(o.appsPerGroup[g.idx]),
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
