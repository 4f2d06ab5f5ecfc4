package oktatest

import (
	"fmt"
	"sort"
	"time"
)

var roleLabels = []string{"UserCreator", "HelpDeskPlus", "AppAuditor", "GroupSteward", "ReadOnlyPlus", "PolicyViewer"}

var permissionCatalog = []string{
	"okta.users.read", "okta.users.create", "okta.users.manage", "okta.users.userprofile.manage",
	"okta.users.credentials.manage", "okta.users.lifecycle.manage", "okta.groups.read", "okta.groups.manage",
	"okta.groups.members.manage", "okta.apps.read", "okta.apps.manage", "okta.apps.assignment.manage",
	"okta.policies.read", "okta.reports.read", "okta.devices.read", "okta.identityProviders.read",
}

// standardRoles are Okta's built-in admin roles with the labels Okta gives them.
var standardRoles = []struct{ typ, label string }{
	{"SUPER_ADMIN", "Super Administrator"},
	{"ORG_ADMIN", "Organizational Administrator"},
	{"APP_ADMIN", "Application Administrator"},
	{"USER_ADMIN", "Group Administrator"},
	{"HELP_DESK_ADMIN", "Help Desk Administrator"},
	{"READ_ONLY_ADMIN", "Read Only Administrator"},
	{"REPORT_ADMIN", "Report Administrator"},
	{"GROUP_MEMBERSHIP_ADMIN", "Group Membership Administrator"},
	{"API_ACCESS_MANAGEMENT_ADMIN", "API Access Management Administrator"},
}

// customRole is a custom admin role (cr0…).
type customRole struct {
	idx                  int
	id, label, desc      string
	created, lastUpdated time.Time
}

func (o *Org) customRole(i int) (customRole, bool) {
	if i < 0 || i >= o.cfg.CustomRoles {
		return customRole{}, false
	}
	r := newRNG(o.cfg.Seed, kindRole, i)
	c := customRole{idx: i, id: o.CustomRoleID(i)}
	c.label = fmt.Sprintf("%s%d", pick(r, roleLabels), i)
	c.desc = "Custom role " + c.label
	c.created = o.now.Add(-30*day - time.Duration(r.intn(365*24*3600))*time.Second).Truncate(time.Millisecond)
	c.lastUpdated = c.created.Add(time.Duration(r.float() * float64(o.now.Sub(c.created)))).Truncate(time.Millisecond)
	return c, true
}

// customRoleByIDOrLabel resolves the {roleIdOrLabel} path parameter.
func (o *Org) customRoleByIDOrLabel(s string) (customRole, bool) {
	if i := parseID(s, "cr0", o.cfg.Seed, kindRole); i >= 0 {
		return o.customRole(i)
	}
	for i := 0; i < o.cfg.CustomRoles; i++ {
		if c, _ := o.customRole(i); c.label == s {
			return c, true
		}
	}
	return customRole{}, false
}

// permissionLabels returns custom role i's permissions: two to six distinct
// labels in catalog order.
func (o *Org) permissionLabels(i int) []string {
	r := newRNG(o.cfg.Seed, kindRole, i+streamAppUsers)
	n := 2 + r.intn(5)
	start := r.intn(len(permissionCatalog))
	step := 1 + r.intn(3)
	chosen := map[int]bool{}
	for k := 0; len(chosen) < n; k++ {
		chosen[(start+k*step+k/len(permissionCatalog))%len(permissionCatalog)] = true
	}
	var out []string
	for p, label := range permissionCatalog {
		if chosen[p] {
			out = append(out, label)
		}
	}
	return out
}

type customRoleJSON struct {
	ID          string `json:"id"`
	Label       string `json:"label"`
	Description string `json:"description"`
	Created     string `json:"created"`
	LastUpdated string `json:"lastUpdated"`
	Links       struct {
		Self        href `json:"self"`
		Permissions href `json:"permissions"`
	} `json:"_links"`
}

func (o *Org) customRoleJSON(c customRole, base string) customRoleJSON {
	j := customRoleJSON{ID: c.id, Label: c.label, Description: c.desc, Created: ts(c.created), LastUpdated: ts(c.lastUpdated)}
	j.Links.Self.Href = base + "/api/v1/iam/roles/" + c.id
	j.Links.Permissions.Href = base + "/api/v1/iam/roles/" + c.id + "/permissions"
	return j
}

type permissionJSON struct {
	Label       string `json:"label"`
	Created     string `json:"created"`
	LastUpdated string `json:"lastUpdated"`
	Conditions  any    `json:"conditions"`
	Links       struct {
		Role href `json:"role"`
		Self href `json:"self"`
	} `json:"_links"`
}

func (o *Org) permissionJSON(c customRole, label, base string) permissionJSON {
	j := permissionJSON{Label: label, Created: ts(c.created), LastUpdated: ts(c.lastUpdated)}
	j.Links.Role.Href = base + "/api/v1/iam/roles/" + c.id
	j.Links.Self.Href = base + "/api/v1/iam/roles/" + c.id + "/permissions/" + label
	return j
}

type resourceSet struct {
	id, label, desc      string
	created, lastUpdated time.Time
}

func (o *Org) resourceSet(i int) (resourceSet, bool) {
	if i < 0 || i >= o.cfg.ResourceSets {
		return resourceSet{}, false
	}
	r := newRNG(o.cfg.Seed, kindResourceSet, i)
	s := resourceSet{id: o.ResourceSetID(i)}
	s.label = fmt.Sprintf("%s resources %d", pick(r, departments), i)
	s.desc = "Resources managed by " + s.label
	s.created = o.now.Add(-30*day - time.Duration(r.intn(365*24*3600))*time.Second).Truncate(time.Millisecond)
	s.lastUpdated = s.created.Add(time.Duration(r.float() * float64(o.now.Sub(s.created)))).Truncate(time.Millisecond)
	return s, true
}

type resourceSetJSON struct {
	ID          string `json:"id"`
	Label       string `json:"label"`
	Description string `json:"description"`
	Created     string `json:"created"`
	LastUpdated string `json:"lastUpdated"`
	Links       struct {
		Self      href `json:"self"`
		Resources href `json:"resources"`
		Bindings  href `json:"bindings"`
	} `json:"_links"`
}

func (o *Org) resourceSetJSON(s resourceSet, base string) resourceSetJSON {
	j := resourceSetJSON{ID: s.id, Label: s.label, Description: s.desc, Created: ts(s.created), LastUpdated: ts(s.lastUpdated)}
	self := base + "/api/v1/iam/resource-sets/" + s.id
	j.Links.Self.Href = self
	j.Links.Resources.Href = self + "/resources"
	j.Links.Bindings.Href = self + "/bindings"
	return j
}

// roleAssignment is a role held by a user or a group.
type roleAssignment struct {
	id, typ, label       string
	role, resourceSet    int // CUSTOM only
	created, lastUpdated time.Time
}

// roleEdits are a test's grants and revocations on one user or group.
type roleEdits struct {
	granted []roleAssignment
	revoked map[string]bool // ids of generated assignments revoked
}

// userRoles returns the roles user i holds: the generated ones (one to
// three for admins, none for anyone else) less revocations, plus grants;
// none for a user that does not exist.
func (o *Org) userRoles(i int) []roleAssignment {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.userRolesLocked(i)
}

func (o *Org) userRolesLocked(i int) []roleAssignment {
	if _, ok := o.userLocked(i); !ok {
		return nil
	}
	return applyRoleEdits(o.generatedUserRoles(i), o.userGrants[i])
}

// generatedUserRoles are user i's generated roles. The first admin is
// always a super admin.
func (o *Org) generatedUserRoles(i int) []roleAssignment {
	if !o.isAdmin(i) {
		return nil
	}
	return o.drawRoles(newRNG(o.cfg.Seed, kindAssignment, i), kindAssignment, i, 1+int(hash64(o.cfg.Seed, kindAssignment, i)%3), i == 0)
}

// groupRoles returns the roles group g holds, edits applied.
func (o *Org) groupRoles(g int) []roleAssignment {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.groupRolesLocked(g)
}

func (o *Org) groupRolesLocked(g int) []roleAssignment {
	if _, ok := o.groupLocked(g); !ok {
		return nil
	}
	return applyRoleEdits(o.generatedGroupRoles(g), o.groupGrants[g])
}

// generatedGroupRoles are group g's generated roles: about one group in
// six (never Everyone) holds one or two.
func (o *Org) generatedGroupRoles(g int) []roleAssignment {
	h := hash64(o.cfg.Seed, kindGroupAssignment, g)
	if g <= 0 || g >= o.cfg.Groups || h%6 != 0 {
		return nil
	}
	return o.drawRoles(newRNG(o.cfg.Seed, kindGroupAssignment, g), kindGroupAssignment, g, 1+int(h>>8)%2, false)
}

func applyRoleEdits(gen []roleAssignment, e *roleEdits) []roleAssignment {
	if e == nil {
		return gen
	}
	var out []roleAssignment
	for _, a := range gen {
		if !e.revoked[a.id] {
			out = append(out, a)
		}
	}
	return append(out, e.granted...)
}

// roleHolders returns the users holding at least one role, ascending: the
// order /api/v1/iam/assignees/users lists them in.
func (o *Org) roleHolders() []int {
	o.mu.RLock()
	defer o.mu.RUnlock()
	var out []int
	seen := map[int]bool{}
	consider := func(i int) {
		if !seen[i] && len(o.userRolesLocked(i)) > 0 {
			out = append(out, i)
		}
		seen[i] = true
	}
	for k := 0; k < o.cfg.Admins; k++ {
		consider(k * o.adminStep)
	}
	for i := range o.userGrants {
		consider(i)
	}
	sort.Ints(out)
	return out
}

func (o *Org) drawRoles(r *rng, kind uint64, owner, n int, super bool) []roleAssignment {
	var out []roleAssignment
	seen := map[string]bool{}
	for j := 0; j < n; j++ {
		a := roleAssignment{id: makeID("ra1", o.cfg.Seed, kind, owner*8+j)}
		a.created = o.now.Add(-time.Duration(r.intn(365*24*3600)) * time.Second).Truncate(time.Millisecond)
		a.lastUpdated = a.created
		custom := r.float() < 0.3 && o.cfg.CustomRoles > 0 && o.cfg.ResourceSets > 0
		a.role, a.resourceSet = r.intn(max(o.cfg.CustomRoles, 1)), r.intn(max(o.cfg.ResourceSets, 1))
		std := standardRoles[r.intn(len(standardRoles))]
		switch {
		case super && j == 0:
			a.typ, a.label = standardRoles[0].typ, standardRoles[0].label
		case custom:
			c, _ := o.customRole(a.role)
			a.typ, a.label = "CUSTOM", c.label
		default:
			a.typ, a.label = std.typ, std.label
		}
		key := a.typ
		if a.typ == "CUSTOM" {
			key = fmt.Sprintf("CUSTOM/%d/%d", a.role, a.resourceSet)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, a)
	}
	return out
}

type roleAssignmentJSON struct {
	ID             string          `json:"id"`
	Label          string          `json:"label"`
	Type           string          `json:"type"`
	Status         string          `json:"status"`
	Created        string          `json:"created"`
	LastUpdated    string          `json:"lastUpdated"`
	AssignmentType string          `json:"assignmentType"`
	ResourceSet    string          `json:"resource-set,omitempty"`
	Role           string          `json:"role,omitempty"`
	Links          map[string]href `json:"_links"`
}

// roleAssignmentJSON renders a, held by the user or group at assignee
// ("users/00u…" or "groups/00g…").
func (o *Org) roleAssignmentJSON(a roleAssignment, assigneeType, assignee, base string) roleAssignmentJSON {
	j := roleAssignmentJSON{
		ID: a.id, Label: a.label, Type: a.typ, Status: "ACTIVE",
		Created: ts(a.created), LastUpdated: ts(a.lastUpdated), AssignmentType: assigneeType,
		Links: map[string]href{},
	}
	path := "/api/v1/users/"
	if assigneeType == "GROUP" {
		path = "/api/v1/groups/"
	}
	j.Links["assignee"] = href{base + path + assignee}
	if a.typ == "CUSTOM" {
		roleID, setID := o.CustomRoleID(a.role), o.ResourceSetID(a.resourceSet)
		j.Role, j.ResourceSet = roleID, setID
		j.Links["role"] = href{base + "/api/v1/iam/roles/" + roleID}
		j.Links["resource-set"] = href{base + "/api/v1/iam/resource-sets/" + setID}
		j.Links["permissions"] = href{base + "/api/v1/iam/permission-sets/" + roleID + "/permissions"}
		j.Links["member"] = href{base + "/api/v1/iam/resource-sets/" + setID + "/bindings/" + roleID + "/members/" + a.id}
	}
	return j
}

type assigneeJSON struct {
	ID    string `json:"id"`
	Orn   string `json:"orn"`
	Links struct {
		Self  href `json:"self"`
		Roles href `json:"roles"`
	} `json:"_links"`
}

func (o *Org) assigneeJSON(id, base string) assigneeJSON {
	j := assigneeJSON{ID: id, Orn: "orn:okta:directory:" + o.orgID + ":users:" + id}
	j.Links.Self.Href = base + "/api/v1/users/" + id
	j.Links.Roles.Href = base + "/api/v1/users/" + id + "/roles"
	return j
}
