package okta

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/oktalake/oktalake/extract/oktatest"
)

// TestListHalvesPagesThatTimeOut: Okta documents a 500 as the sign of a
// page too large to serve in time ("retry your request with a smaller
// limit"). The listing halves limit, keeps its cursor, and reads on with
// the smaller pages instead of retrying the same URL to exhaustion.
func TestListHalvesPagesThatTimeOut(t *testing.T) {
	clk := newManualClock()
	srv := oktaOrg(t, clk, oktatest.Options{TimeoutPagesOver: 15})
	c := newTestClient(t, srv.URL, func(c *Config) { c.Clock = clk })
	n, pages := 0, 0
	err := c.List(context.Background(), "/api/v1/users?limit=200", ListOptions{}, func(p *Page) error {
		n += len(p.Records)
		pages++
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	// The same org without timeouts, in one page.
	whole := oktaOrg(t, clk, oktatest.Options{})
	r, err := newTestClient(t, whole.URL, func(c *Config) { c.Clock = clk }).Get(context.Background(), "/api/v1/users?limit=200")
	if err != nil {
		t.Fatal(err)
	}
	want, err := splitArray(r.Body)
	if err != nil || len(want) < 13 {
		t.Fatalf("the whole listing: %d users, %v", len(want), err)
	}
	if n != len(want) {
		t.Fatalf("read %d users, want %d", n, len(want))
	}
	// 200, 100, 50, 25 time out; 12 a page from then on.
	if got, want := srv.Stats().Paths["/api/v1/users"], 4+(n+11)/12; got != want {
		t.Fatalf("%d requests, want %d (four halvings, then pages of 12)", got, want)
	}
}

// TestHalvingKeepsTheCursor: a page that fails mid-listing is asked again
// from the same cursor with half the limit.
func TestHalvingKeepsTheCursor(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.RawQuery)
		mu.Unlock()
		q := r.URL.Query()
		switch {
		case q.Get("after") == "":
			w.Header().Set("Link", `<`+"http://"+r.Host+`/api/v1/groups?after=g4&limit=`+q.Get("limit")+`>; rel="next"`)
			writeJSON(w, []map[string]string{{"id": "g1"}})
		case q.Get("limit") == "8":
			writeOktaError(w, 500, "E0000009", "Internal Server Error", "oae500")
		default:
			writeJSON(w, []map[string]string{{"id": "g5"}})
		}
	}))
	c := newTestClient(t, srv.URL, func(c *Config) { c.Clock = newManualClock() })
	var got []string
	if err := c.List(context.Background(), "/api/v1/groups?limit=8", ListOptions{}, func(p *Page) error {
		got = append(got, ids(p))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(asked, " ") != "limit=8 after=g4&limit=8 after=g4&limit=4" || strings.Join(got, " ") != "[g1] [g5]" {
		t.Fatalf("asked %q, read %v", asked, got)
	}
}
