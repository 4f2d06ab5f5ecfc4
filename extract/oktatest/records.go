package oktatest

import "time"

// IDs returns the primary keys of every record a full extract of the named
// stream must yield as of the org's Now, mutations applied, in the order
// the API lists them: the streams catalog's primary key fields joined by
// "/" (group_members "groupId/userId", permissions "roleId/label",
// user_role_assignments "userId/assignmentId"). len(IDs(s)) == Count(s).
// Unknown names return nil.
func (o *Org) IDs(stream string) []string {
	var out []string
	add := func(parts ...string) {
		key := parts[0]
		for _, p := range parts[1:] {
			key += "/" + p
		}
		out = append(out, key)
	}
	switch stream {
	case "users":
		for i := 0; i < o.userCount(); i++ {
			if u, ok := o.user(i); ok {
				add(u.id)
			}
		}
	case "groups":
		o.eachGroup(func(g group) { add(g.id) })
	case "group_members":
		o.eachGroup(func(g group) {
			for _, i := range g.members.all() {
				add(g.id, o.UserID(i))
			}
		})
	case "applications":
		o.eachApp(func(ap app) { add(ap.id) })
	case "application_users":
		o.eachApp(func(ap app) {
			for _, i := range ap.users.all() {
				add(ap.id, o.UserID(i))
			}
		})
	case "application_groups":
		o.eachApp(func(ap app) {
			for _, g := range o.appGroupSet(ap.idx).all() {
				add(ap.id, o.GroupID(g))
			}
		})
	case "custom_roles":
		for r := 0; r < o.cfg.CustomRoles; r++ {
			add(o.CustomRoleID(r))
		}
	case "permissions":
		for r := 0; r < o.cfg.CustomRoles; r++ {
			for _, label := range o.permissionLabels(r) {
				add(o.CustomRoleID(r), label)
			}
		}
	case "user_role_assignments":
		for _, i := range o.roleHolders() {
			for _, a := range o.userRoles(i) {
				add(o.UserID(i), a.id)
			}
		}
	case "group_role_assignments":
		o.eachGroup(func(g group) {
			for _, a := range o.groupRoles(g.idx) {
				add(g.id, a.id)
			}
		})
	case "resource_sets":
		for i := 0; i < o.cfg.ResourceSets; i++ {
			add(o.ResourceSetID(i))
		}
	case "group_rules":
		for i := 0; i < o.cfg.GroupRules; i++ {
			add(o.GroupRuleID(i))
		}
	case "user_types":
		for i := 0; i <= o.cfg.UserTypes; i++ {
			add(o.UserTypeID(i))
		}
	case "user_schema":
		add("user") // the default schema's name; its id is a URL on the server's origin
	case "devices":
		for i := 0; i < o.cfg.Devices; i++ {
			add(o.DeviceID(i))
		}
	case "authenticators":
		for i := range authenticatorKeys {
			add(o.AuthenticatorID(i))
		}
	case "logs":
		since, until := o.now.Add(-7*24*time.Hour), o.now.Add(time.Millisecond)
		o.eachBoundedLog(since.UnixMilli(), until.UnixMilli(), nil, o.now.UnixMilli(), false, nil, func(k logKey) bool {
			add(makeUUID(o.cfg.Seed, kindLog, k.ord))
			return true
		})
	default:
		return nil
	}
	if out == nil {
		out = []string{}
	}
	return out
}

func (o *Org) eachGroup(f func(group)) {
	for g := 0; g < o.cfg.Groups; g++ {
		if gr, ok := o.group(g); ok {
			f(gr)
		}
	}
}

func (o *Org) eachApp(f func(app)) {
	for a := 0; a < o.cfg.Apps; a++ {
		if ap, ok := o.app(a); ok {
			f(ap)
		}
	}
}
