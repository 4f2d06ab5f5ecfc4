package oktatest

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Page size rules, from the spec and the streams catalog.
var (
	usersLimit        = pageLimit{def: 200, min: 1, max: 200}
	groupsLimit       = pageLimit{def: 10000, min: 1, max: 10000}
	groupUsersLimit   = pageLimit{def: 1000, min: 1, max: 1000}
	appsLimit         = pageLimit{def: 20, min: 1, max: 200}
	appUsersLimit     = pageLimit{def: 50, min: 1, max: 500}
	appGroupsLimit    = pageLimit{def: 20, min: 20, max: 200}
	assigneesLimit    = pageLimit{def: 100, min: 1, max: 100}
	logsDefaultLimit  = 100
	logsMaxLimit      = 1000
	iamBodyPageLength = 100
)

// userFilter is /api/v1/users?filter=, from "List all users": status,
// lastUpdated, id and four profile attributes, with eq only except for
// lastUpdated, which also takes the inequalities; and/or, no not. Search
// accepts any attribute the record has (searchGrammar).
var userFilter = filterGrammar(map[string]string{
	"status": "eq", "id": "eq", "lastUpdated": "eq gt ge lt le",
	"profile.login": "eq", "profile.email": "eq", "profile.firstName": "eq", "profile.lastName": "eq",
})

// groupFilter is /api/v1/groups?filter=, from "List all groups": only id,
// type, lastUpdated and lastMembershipUpdated; the timestamps compare with
// eq and the inequalities, id and type only with eq.
var groupFilter = filterGrammar(map[string]string{
	"id": "eq", "type": "eq", "lastUpdated": "eq gt ge lt le", "lastMembershipUpdated": "eq gt ge lt le",
})

func userAttr(u user, typeID string) attrValue {
	return func(a string) (field, bool) {
		switch a {
		case "id":
			return strField(u.id), true
		case "status":
			return strField(u.status), true
		case "created":
			return timeField(u.created), true
		case "activated":
			return timeField(u.activated), true
		case "statusChanged":
			return timeField(u.statusChanged), true
		case "lastUpdated":
			return timeField(u.lastUpdated), true
		case "lastLogin":
			return timeField(u.lastLogin), true
		case "passwordChanged":
			return timeField(u.passwordChanged), true
		case "type.id":
			return strField(typeID), true
		case "profile.login":
			return strField(u.login), true
		case "profile.email":
			return strField(u.email), true
		case "profile.firstName":
			return strField(u.first), true
		case "profile.lastName":
			return strField(u.last), true
		case "profile.department":
			return strField(u.department), true
		case "profile.title":
			return strField(u.title), true
		case "profile.city":
			return strField(u.city), true
		case "profile.countryCode":
			return strField(u.countryCode), true
		case "profile.employeeNumber":
			return strField(u.employeeNumber), true
		}
		return field{}, false
	}
}

func groupAttr(g group) attrValue {
	return func(a string) (field, bool) {
		switch a {
		case "id":
			return strField(g.id), true
		case "type":
			return strField(g.kind), true
		case "created":
			return timeField(g.created), true
		case "lastUpdated":
			return timeField(g.lastUpdated), true
		case "lastMembershipUpdated":
			return timeField(g.lastMembershipUpdated), true
		case "profile.name":
			return strField(g.name), true
		case "profile.description":
			return strField(g.description), true
		}
		return field{}, false
	}
}

// parseQueryExpr reads filter or search (filter wins when both are set),
// answering 400 itself when the expression is invalid.
func (s *Server) parseQueryExpr(w http.ResponseWriter, q url.Values, filter grammar, sample attrValue) (*expr, bool) {
	src, allow := q.Get("filter"), filter
	if src == "" {
		src, allow = q.Get("search"), searchGrammar
	}
	if src == "" {
		return nil, true
	}
	e, err := parseExpr(src, allow)
	if err == nil {
		err = e.validate(sample)
	}
	if err != nil {
		s.writeError(w, http.StatusBadRequest, codeBadSearch, summaryBadSearch)
		return nil, false
	}
	return e, true
}

// limitOrFail parses limit, answering 400 when it is not a number.
func (s *Server) limitOrFail(w http.ResponseWriter, q url.Values, pl pageLimit) (int, bool) {
	n, ok := parseLimit(q, pl)
	if !ok {
		s.writeError(w, http.StatusBadRequest, codeValidation, "Api validation failed: limit", "limit: The limit must be an integer.")
		return n, ok
	}
	return n, !s.pageTimedOut(w, n)
}

// pageTimedOut answers a page of n records with Okta's 500 when the server
// is told such pages time out (Options.TimeoutPagesOver).
func (s *Server) pageTimedOut(w http.ResponseWriter, n int) bool {
	if s.opts.TimeoutPagesOver <= 0 || n <= s.opts.TimeoutPagesOver {
		return false
	}
	s.writeError(w, http.StatusInternalServerError, codeInternal, summaryInternal)
	return true
}

func (s *Server) badCursor(w http.ResponseWriter) {
	s.writeError(w, http.StatusBadRequest, codeValidation, "Api validation failed: after", "after: The pagination cursor is invalid.")
}

func (s *Server) notFound(w http.ResponseWriter, id, kind string) {
	s.writeError(w, http.StatusNotFound, codeNotFound, "Not found: Resource not found: "+id+" ("+kind+")")
}

// handleListUsers pages users in ID-cursor order. Without filter or search
// Okta omits DEPROVISIONED users; with either it returns every status.
func handleListUsers(s *Server, w http.ResponseWriter, r *http.Request, _ []string, _ time.Time) {
	q := r.URL.Query()
	o := s.org
	limit, ok := s.limitOrFail(w, q, usersLimit)
	if !ok {
		return
	}
	e, ok := s.parseQueryExpr(w, q, userFilter, userAttr(user{}, o.typeID))
	if !ok {
		return
	}
	prefix := strings.ToLower(q.Get("q"))
	allStatuses := q.Get("filter") != "" || q.Get("search") != ""
	start, ok := s.afterIndex(w, q, "00u", kindUser)
	if !ok {
		return
	}
	base := origin(r)
	var items []userJSON
	hasNext := false
	total := o.userCount() // deleted users included: their indexes stay taken
	for i := start; i < total; i++ {
		u, ok := o.user(i)
		if !ok {
			continue // deleted
		}
		if !allStatuses && u.status == "DEPROVISIONED" {
			continue
		}
		if prefix != "" && !strings.HasPrefix(strings.ToLower(u.first), prefix) &&
			!strings.HasPrefix(strings.ToLower(u.last), prefix) && !strings.HasPrefix(u.email, prefix) {
			continue
		}
		if e != nil && !e.match(userAttr(u, o.typeID)) {
			continue
		}
		if len(items) == limit {
			hasNext = prefix == "" // q does not page
			break
		}
		items = append(items, o.userJSON(u, base))
	}
	after := ""
	if len(items) > 0 {
		after = items[len(items)-1].ID
	}
	writeArray(w, r, items, after, hasNext)
}

func handleGetUser(s *Server, w http.ResponseWriter, r *http.Request, p []string, _ time.Time) {
	i := parseID(p[0], "00u", s.org.cfg.Seed, kindUser)
	u, ok := s.org.user(i)
	if !ok {
		s.notFound(w, p[0], "User")
		return
	}
	writeJSON(w, s.org.userJSON(u, origin(r)))
}

func handleUserRoles(s *Server, w http.ResponseWriter, r *http.Request, p []string, _ time.Time) {
	i := parseID(p[0], "00u", s.org.cfg.Seed, kindUser)
	if _, ok := s.org.user(i); !ok {
		s.notFound(w, p[0], "User")
		return
	}
	var items []roleAssignmentJSON
	for _, a := range s.org.userRoles(i) {
		items = append(items, s.org.roleAssignmentJSON(a, "USER", p[0], origin(r)))
	}
	writeArray(w, r, items, "", false)
}

// handleListGroups pages groups; expand=stats embeds member and app counts.
func handleListGroups(s *Server, w http.ResponseWriter, r *http.Request, _ []string, _ time.Time) {
	q := r.URL.Query()
	o := s.org
	limit, ok := s.limitOrFail(w, q, groupsLimit)
	if !ok {
		return
	}
	e, ok := s.parseQueryExpr(w, q, groupFilter, groupAttr(group{}))
	if !ok {
		return
	}
	prefix := strings.ToLower(q.Get("q"))
	stats := strings.Contains(q.Get("expand"), "stats")
	start, ok := s.afterIndex(w, q, "00g", kindGroup)
	if !ok {
		return
	}
	base := origin(r)
	var items []groupJSON
	hasNext := false
	for g := start; g < o.cfg.Groups; g++ {
		gr, ok := o.group(g)
		if !ok {
			continue // deleted
		}
		if prefix != "" && !strings.HasPrefix(strings.ToLower(gr.name), prefix) {
			continue
		}
		if e != nil && !e.match(groupAttr(gr)) {
			continue
		}
		if len(items) == limit {
			hasNext = true
			break
		}
		items = append(items, o.groupJSON(gr, base, stats))
	}
	after := ""
	if len(items) > 0 {
		after = items[len(items)-1].ID
	}
	writeArray(w, r, items, after, hasNext)
}

func (s *Server) groupFromPath(w http.ResponseWriter, id string) (group, bool) {
	g, ok := s.org.group(parseID(id, "00g", s.org.cfg.Seed, kindGroup))
	if !ok {
		s.notFound(w, id, "UserGroup")
	}
	return g, ok
}

func handleGetGroup(s *Server, w http.ResponseWriter, r *http.Request, p []string, _ time.Time) {
	if g, ok := s.groupFromPath(w, p[0]); ok {
		writeJSON(w, s.org.groupJSON(g, origin(r), strings.Contains(r.URL.Query().Get("expand"), "stats")))
	}
}

// pageMembers pages a set of users in index order, the cursor being the
// last user's ID. Any ID of the org's users continues after it, even one
// that left the set since: a membership that changes between pages costs
// no record that stayed.
func (s *Server) pageMembers(w http.ResponseWriter, r *http.Request, m memberSet, pl pageLimit, render func(u user) any) {
	q := r.URL.Query()
	limit, ok := s.limitOrFail(w, q, pl)
	if !ok {
		return
	}
	after := -1
	if c := q.Get("after"); c != "" {
		if after = parseID(c, "00u", s.org.cfg.Seed, kindUser); after < 0 {
			s.badCursor(w)
			return
		}
	}
	items := make([]any, 0, min(limit, m.count()))
	last := ""
	i, more := m.next(after)
	for ; more && len(items) < limit; i, more = m.next(i) {
		u, ok := s.org.user(i)
		if !ok {
			continue // deleted since the snapshot
		}
		items = append(items, render(u))
		last = u.id
	}
	writeArray(w, r, items, last, more)
}

func handleGroupUsers(s *Server, w http.ResponseWriter, r *http.Request, p []string, _ time.Time) {
	g, ok := s.groupFromPath(w, p[0])
	if !ok {
		return
	}
	base := origin(r)
	s.pageMembers(w, r, g.members, groupUsersLimit, func(u user) any { return s.org.userJSON(u, base) })
}

func handleGroupRoles(s *Server, w http.ResponseWriter, r *http.Request, p []string, _ time.Time) {
	g, ok := s.groupFromPath(w, p[0])
	if !ok {
		return
	}
	var items []roleAssignmentJSON
	for _, a := range s.org.groupRoles(g.idx) {
		items = append(items, s.org.roleAssignmentJSON(a, "GROUP", g.id, origin(r)))
	}
	writeArray(w, r, items, "", false)
}

func handleListApps(s *Server, w http.ResponseWriter, r *http.Request, _ []string, _ time.Time) {
	q := r.URL.Query()
	o := s.org
	limit, ok := s.limitOrFail(w, q, appsLimit)
	if !ok {
		return
	}
	start, ok := s.afterIndex(w, q, "0oa", kindApp)
	if !ok {
		return
	}
	var items []appJSON
	hasNext := false
	for a := start; a < o.cfg.Apps; a++ {
		ap, ok := o.app(a)
		if !ok {
			continue // deleted
		}
		if len(items) == limit {
			hasNext = true
			break
		}
		items = append(items, o.appJSON(ap, origin(r)))
	}
	after := ""
	if len(items) > 0 {
		after = items[len(items)-1].ID
	}
	writeArray(w, r, items, after, hasNext)
}

func (s *Server) appFromPath(w http.ResponseWriter, id string) (app, bool) {
	ap, ok := s.org.app(parseID(id, "0oa", s.org.cfg.Seed, kindApp))
	if !ok {
		s.notFound(w, id, "AppInstance")
	}
	return ap, ok
}

func handleAppUsers(s *Server, w http.ResponseWriter, r *http.Request, p []string, _ time.Time) {
	ap, ok := s.appFromPath(w, p[0])
	if !ok {
		return
	}
	base := origin(r)
	s.pageMembers(w, r, ap.users, appUsersLimit, func(u user) any { return s.org.appUserJSON(ap, u, base) })
}

func handleAppGroups(s *Server, w http.ResponseWriter, r *http.Request, p []string, _ time.Time) {
	ap, ok := s.appFromPath(w, p[0])
	if !ok {
		return
	}
	q := r.URL.Query()
	limit, ok := s.limitOrFail(w, q, appGroupsLimit)
	if !ok {
		return
	}
	set := s.org.appGroupSet(ap.idx)
	groups := set.all()
	k0 := 0
	if after := q.Get("after"); after != "" {
		g := parseID(after, "00g", s.org.cfg.Seed, kindGroup)
		if g < 0 {
			s.badCursor(w)
			return
		}
		k0 = sort.SearchInts(groups, g+1) // after g, even if it was unassigned since
	}
	end := min(len(groups), k0+limit)
	var items []appGroupJSON
	for k := k0; k < end; k++ {
		g, ok := s.org.group(groups[k])
		if !ok {
			continue
		}
		items = append(items, s.org.appGroupJSON(ap, g, k, set.addedAt[g.idx], origin(r)))
	}
	after := ""
	if len(items) > 0 {
		after = items[len(items)-1].ID
	}
	writeArray(w, r, items, after, end < len(groups))
}

// afterIndex decodes an `after` cursor (the id of the last item returned)
// into the index to continue from: 0 without a cursor. A cursor that is
// not one of this org's ids is answered with Okta's error and ok is false.
func (s *Server) afterIndex(w http.ResponseWriter, q url.Values, prefix string, kind uint64) (start int, ok bool) {
	after := q.Get("after")
	if after == "" {
		return 0, true
	}
	i := parseID(after, prefix, s.org.cfg.Seed, kind)
	if i < 0 {
		s.badCursor(w)
		return 0, false
	}
	return i + 1, true
}
