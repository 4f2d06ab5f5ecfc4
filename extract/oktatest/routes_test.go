package oktatest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestRoutesAnswerLikeOkta: every request is counted under its route
// pattern; a path Okta does not serve is a 404 E0000007 counted as
// "unknown"; a served path with another method is a 405 E0000022 with
// Allow, counted under the route; a path parameter reaches the handler.
func TestRoutesAnswerLikeOkta(t *testing.T) {
	s, _ := startServer(t, testOrgConfig(), Options{})
	user, group := firstID(t, s, "/api/v1/users?limit=1"), firstID(t, s, "/api/v1/groups?limit=1")
	tests := []struct {
		method, path string
		status       int
		code         string
		allow        string
		key          string
	}{
		{http.MethodGet, "/api/v1/users/" + user, http.StatusOK, "", "", "/api/v1/users/{id}"},
		{http.MethodGet, "/api/v1/groups/" + group + "/users", http.StatusOK, "", "", "/api/v1/groups/{id}/users"},
		{http.MethodGet, "/api/v1/users/nobody", http.StatusNotFound, codeNotFound, "", "/api/v1/users/{id}"},
		{http.MethodGet, "/api/v1/nothing", http.StatusNotFound, codeNotFound, "", "unknown"},
		{http.MethodGet, "/api/v1/groups/" + group + "/users/extra", http.StatusNotFound, codeNotFound, "", "unknown"},
		{http.MethodPost, "/api/v1/users", http.StatusMethodNotAllowed, codeMethod, http.MethodGet, "/api/v1/users"},
		{http.MethodDelete, "/api/v1/groups/" + group, http.StatusMethodNotAllowed, codeMethod, http.MethodGet, "/api/v1/groups/{id}"},
		{http.MethodGet, tokenPath, http.StatusMethodNotAllowed, codeMethod, http.MethodPost, tokenPath},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			before := s.Stats().Paths[tt.key]
			req, err := http.NewRequestWithContext(context.Background(), tt.method, s.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "SSWS "+testToken)
			req.Header.Set("Accept", "application/json")
			res, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body strings.Builder
			_, _ = io.Copy(&body, res.Body)
			res.Body.Close()
			if res.StatusCode != tt.status || !strings.Contains(body.String(), tt.code) {
				t.Errorf("status %d %.200s, want %d %s", res.StatusCode, body.String(), tt.status, tt.code)
			}
			if got := res.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
			if got := s.Stats().Paths[tt.key] - before; got != 1 {
				t.Errorf("Stats.Paths[%q] grew by %d, want 1", tt.key, got)
			}
		})
	}
}

// firstID is the id of the first object a listing returns.
func firstID(t *testing.T, s *Server, path string) string {
	t.Helper()
	var page []struct {
		ID string `json:"id"`
	}
	r := get(t, s, path)
	if err := json.Unmarshal(r.body, &page); err != nil || len(page) == 0 || page[0].ID == "" {
		t.Fatalf("GET %s: %d %.200s (%v)", path, r.status, r.body, err)
	}
	return page[0].ID
}
