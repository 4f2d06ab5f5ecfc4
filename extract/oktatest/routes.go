package oktatest

import (
	"net/http"
	"strings"
	"time"
)

// handler serves one route; params are the path's {id} segments in order.
type handler func(s *Server, w http.ResponseWriter, r *http.Request, params []string, now time.Time)

// route is one endpoint the simulator serves.
type route struct {
	pattern string // path with {id} placeholders; also the Stats.Paths key
	method  string
	scope   string // OAuth scope a bearer token needs; "" for no authentication
	handle  handler
}

// routeTable lists every endpoint: the streams catalog's, the parent source
// of user role assignments, single-object reads, and the token endpoint.
func routeTable() []route {
	return []route{
		{"/api/v1/users", http.MethodGet, "okta.users.read", handleListUsers},
		{"/api/v1/users/{id}", http.MethodGet, "okta.users.read", handleGetUser},
		{"/api/v1/users/{id}/roles", http.MethodGet, "okta.roles.read", handleUserRoles},
		{"/api/v1/groups", http.MethodGet, "okta.groups.read", handleListGroups},
		{"/api/v1/groups/{id}", http.MethodGet, "okta.groups.read", handleGetGroup},
		{"/api/v1/groups/{id}/users", http.MethodGet, "okta.groups.read", handleGroupUsers},
		{"/api/v1/groups/{id}/roles", http.MethodGet, "okta.roles.read", handleGroupRoles},
		{"/api/v1/apps", http.MethodGet, "okta.apps.read", handleListApps},
		{"/api/v1/apps/{id}/users", http.MethodGet, "okta.apps.read", handleAppUsers},
		{"/api/v1/apps/{id}/groups", http.MethodGet, "okta.apps.read", handleAppGroups},
		{"/api/v1/iam/roles", http.MethodGet, "okta.roles.read", handleCustomRoles},
		{"/api/v1/iam/roles/{id}/permissions", http.MethodGet, "okta.roles.read", handlePermissions},
		{"/api/v1/iam/resource-sets", http.MethodGet, "okta.roles.read", handleResourceSets},
		{"/api/v1/iam/assignees/users", http.MethodGet, "okta.roles.read", handleAssignees},
		{"/api/v1/logs", http.MethodGet, "okta.logs.read", handleLogs},
		{tokenPath, http.MethodPost, "", handleToken},
	}
}

// matchRoute finds the route for path; unknown paths get a route with no
// handler under the pattern "unknown".
func matchRoute(path string) (route, []string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, rt := range routeTable() {
		pat := strings.Split(strings.Trim(rt.pattern, "/"), "/")
		if len(pat) != len(segs) {
			continue
		}
		var params []string
		ok := true
		for i, p := range pat {
			switch {
			case p == "{id}" && segs[i] != "":
				params = append(params, segs[i])
			case p != segs[i]:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok {
			return rt, params
		}
	}
	return route{pattern: "unknown"}, nil
}
