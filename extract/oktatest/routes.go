package oktatest

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// handler serves one route; params are the path's {id} segments in order
// (the ServeMux pattern's wildcard values).
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
	return append([]route{
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
		{"/api/v1/groups/rules", http.MethodGet, "okta.groups.read", handleGroupRules},
		{"/api/v1/meta/types/user", http.MethodGet, "okta.userTypes.read", handleUserTypes},
		{"/api/v1/meta/schemas/user/default", http.MethodGet, "okta.schemas.read", handleUserSchema},
		{"/api/v1/devices", http.MethodGet, "okta.devices.read", handleDevices},
		{"/api/v1/authenticators", http.MethodGet, "okta.authenticators.read", handleAuthenticators},
		{tokenPath, http.MethodPost, "", handleToken},
	}, eventHookRoutes()...)
}

// otherMethods are the methods a route answers with 405 when it serves another.
var otherMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// routes registers every endpoint with its net/http pattern, such as
// "GET /api/v1/groups/{id}/users". The same path with another method
// (otherMethods) is caught too, and serveRoute answers with Okta's 405 and an Allow header, and "/"
// catches every path Okta does not serve (404): each request passes the
// same gates whatever its route.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	table := routeTable()
	served := map[string][]string{} // pattern → the methods it serves
	for _, rt := range table {
		mux.Handle(rt.method+" "+rt.pattern, s.gated(rt))
		served[rt.pattern] = append(served[rt.pattern], rt.method)
	}
	// The other methods are registered one by one, not as the bare path: a
	// bare "/api/v1/groups/rules" would conflict with "GET /api/v1/groups/{id}"
	// (more specific path, fewer methods). Several methods may share a path
	// (Event Hooks), so each pattern is done once.
	for _, rt := range table {
		methods, todo := served[rt.pattern]
		if !todo {
			continue
		}
		delete(served, rt.pattern)
		for _, m := range otherMethods {
			if slices.Contains(methods, m) || (m == http.MethodHead && slices.Contains(methods, http.MethodGet)) {
				continue
			}
			mux.Handle(m+" "+rt.pattern, s.gated(rt))
		}
	}
	// A route with no handler answers 404; "unknown" is its Stats.Paths key.
	mux.Handle("/", s.gated(route{pattern: "unknown"}))
	return mux
}

// gated serves rt through the server's gates.
func (s *Server) gated(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, rt) })
}

// params are the path's {id} segments in order.
func (rt route) params(r *http.Request) []string {
	if !strings.Contains(rt.pattern, "{id}") {
		return nil
	}
	if strings.Contains(rt.pattern, "{uid}") {
		return []string{r.PathValue("id"), r.PathValue("uid")}
	}
	return []string{r.PathValue("id")}
}
