package oktatest

import (
	"net/http"
	"sort"
	"time"
)

// handleCustomRoles lists custom roles as {"roles": [...], "_links": {...}},
// paging in the body like the other /iam collections.
func handleCustomRoles(s *Server, w http.ResponseWriter, r *http.Request, _ []string, _ time.Time) {
	o := s.org
	start, ok := s.afterIndex(w, r.URL.Query(), "cr0", kindRole)
	if !ok {
		return
	}
	end := min(o.cfg.CustomRoles, start+iamBodyPageLength)
	items := []customRoleJSON{}
	for i := start; i < end; i++ {
		c, _ := o.customRole(i)
		items = append(items, o.customRoleJSON(c, origin(r)))
	}
	writeJSON(w, map[string]any{"roles": items, "_links": bodyLinks(r, lastID(items, func(c customRoleJSON) string { return c.ID }), end < o.cfg.CustomRoles)})
}

func handlePermissions(s *Server, w http.ResponseWriter, r *http.Request, p []string, _ time.Time) {
	c, ok := s.org.customRoleByIDOrLabel(p[0])
	if !ok {
		s.notFound(w, p[0], "Role")
		return
	}
	items := []permissionJSON{}
	for _, label := range s.org.permissionLabels(c.idx) {
		items = append(items, s.org.permissionJSON(c, label, origin(r)))
	}
	writeJSON(w, map[string]any{"permissions": items})
}

// handleResourceSets lists resource sets; the next page is in _links.next.
func handleResourceSets(s *Server, w http.ResponseWriter, r *http.Request, _ []string, _ time.Time) {
	o := s.org
	start, ok := s.afterIndex(w, r.URL.Query(), "iam", kindResourceSet)
	if !ok {
		return
	}
	end := min(o.cfg.ResourceSets, start+iamBodyPageLength)
	items := []resourceSetJSON{}
	for i := start; i < end; i++ {
		rs, _ := o.resourceSet(i)
		items = append(items, o.resourceSetJSON(rs, origin(r)))
	}
	writeJSON(w, map[string]any{"resource-sets": items, "_links": bodyLinks(r, lastID(items, func(j resourceSetJSON) string { return j.ID }), end < o.cfg.ResourceSets)})
}

// handleAssignees lists the users holding role assignments:
// {"value": [{id, orn, _links}], "_links": {"next": ...}}.
func handleAssignees(s *Server, w http.ResponseWriter, r *http.Request, _ []string, _ time.Time) {
	o := s.org
	q := r.URL.Query()
	limit, ok := s.limitOrFail(w, q, assigneesLimit)
	if !ok {
		return
	}
	holders := o.roleHolders()
	start := 0
	if after := q.Get("after"); after != "" {
		i := parseID(after, "00u", o.cfg.Seed, kindUser)
		if i < 0 {
			s.badCursor(w)
			return
		}
		start = sort.SearchInts(holders, i+1) // after i, even if it lost its roles since
	}
	end := min(len(holders), start+limit)
	items := []assigneeJSON{}
	for _, i := range holders[start:end] {
		items = append(items, o.assigneeJSON(o.UserID(i), origin(r)))
	}
	writeJSON(w, map[string]any{"value": items, "_links": bodyLinks(r, lastID(items, func(a assigneeJSON) string { return a.ID }), end < len(holders))})
}

func lastID[T any](items []T, id func(T) string) string {
	if len(items) == 0 {
		return ""
	}
	return id(items[len(items)-1])
}
