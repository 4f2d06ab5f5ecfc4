package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pagedServer serves /api/v1/users in pages of the ids in pages; next builds
// the Link header of page i (of the request r) and may be changed by a test.
func pagedServer(t *testing.T, pages [][]string, next func(r *http.Request, i int) string) (*hitCounter, string) {
	hits := &hitCounter{}
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.mu.Lock()
		hits.hits++
		hits.mu.Unlock()
		i, _ := strconv.Atoi(r.URL.Query().Get("after"))
		if i >= len(pages) {
			writeJSON(w, []any{})
			return
		}
		self := fmt.Sprintf("<http://%s%s>; rel=\"self\"", r.Host, r.URL.RequestURI())
		w.Header().Add("Link", self)
		if n := next(r, i); n != "" {
			w.Header().Add("Link", n)
		}
		recs := []map[string]string{}
		for _, id := range pages[i] {
			recs = append(recs, map[string]string{"id": id})
		}
		writeJSON(w, recs)
	}))
	return hits, srv.URL
}

func TestListPagination(t *testing.T) {
	three := [][]string{{"a", "b"}, {"c"}, {"d"}}
	tests := []struct {
		name     string
		pages    [][]string
		next     func(r *http.Request, i int) string
		want     []string // ids per page
		wantNext []bool   // whether each page has Next
		hits     int
	}{
		{
			name:  "follows next until none",
			pages: three,
			next: func(r *http.Request, i int) string {
				if i == len(three)-1 {
					return ""
				}
				return fmt.Sprintf(`<http://%s/api/v1/users?after=%d&limit=2>; rel="next"`, r.Host, i+1)
			},
			want: []string{"[a b]", "[c]", "[d]"}, wantNext: []bool{true, true, false}, hits: 3,
		},
		{
			name:  "stops when next is the page itself",
			pages: three,
			next: func(r *http.Request, i int) string {
				if i == 1 {
					return fmt.Sprintf(`<http://%s%s>; rel="next"`, r.Host, r.URL.RequestURI())
				}
				return fmt.Sprintf(`<http://%s/api/v1/users?after=%d&limit=2>; rel="next"`, r.Host, i+1)
			},
			want: []string{"[a b]", "[c]"}, wantNext: []bool{true, false}, hits: 2,
		},
		{
			name:  "stops on an empty page, which keeps its next",
			pages: [][]string{{"a"}, {}},
			next: func(r *http.Request, i int) string {
				return fmt.Sprintf(`<http://%s/api/v1/users?after=%d&limit=2>; rel="next"`, r.Host, i+1)
			},
			want: []string{"[a]", "[]"}, wantNext: []bool{true, true}, hits: 2,
		},
		{
			name:  "relative next link, one comma-joined header",
			pages: three,
			next: func(r *http.Request, i int) string {
				if i == len(three)-1 {
					return ""
				}
				return fmt.Sprintf(`</api/v1/users?after=%d&limit=2>; rel="next", <x>; rel="prev"`, i+1)
			},
			want: []string{"[a b]", "[c]", "[d]"}, wantNext: []bool{true, true, false}, hits: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, url := pagedServer(t, tt.pages, tt.next)
			c := newTestClient(t, url)
			var got []string
			var gotNext []bool
			var pageURLs []string
			err := c.List(context.Background(), "/api/v1/users?limit=2", ListOptions{}, func(p *Page) error {
				got = append(got, ids(p))
				gotNext = append(gotNext, p.Next != "")
				pageURLs = append(pageURLs, p.URL)
				return nil
			})
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || fmt.Sprint(gotNext) != fmt.Sprint(tt.wantNext) {
				t.Fatalf("pages %v (next %v), want %v (next %v)", got, gotNext, tt.want, tt.wantNext)
			}
			if pageURLs[0] != url+"/api/v1/users?limit=2" {
				t.Fatalf("first page URL %q", pageURLs[0])
			}
			if hits.count() != tt.hits {
				t.Fatalf("server saw %d requests, want %d", hits.count(), tt.hits)
			}
		})
	}
}

func TestListRefusesForeignNextLinks(t *testing.T) {
	other := &hitCounter{}
	otherSrv := newServer(t, other)
	otherURL, _ := url.Parse(otherSrv.URL)
	tests := []struct {
		name string
		next func(self *url.URL) string
	}{
		{"another host", func(*url.URL) string { return otherSrv.URL + "/api/v1/users?after=1" }},
		{"another port", func(self *url.URL) string {
			return "http://" + self.Hostname() + ":" + otherURL.Port() + "/api/v1/users?after=1"
		}},
		{"another scheme", func(self *url.URL) string { return "https://" + self.Host + "/api/v1/users?after=1" }},
		{"protocol-relative", func(*url.URL) string { return "//" + otherURL.Host + "/api/v1/users?after=1" }},
	}
	for _, tt := range tests {
		for _, bodyNext := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/body=%v", tt.name, bodyNext), func(t *testing.T) {
				var self *url.URL
				srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					next := tt.next(self)
					if bodyNext {
						writeJSON(w, map[string]any{"roles": []any{map[string]string{"id": "r1"}}, "_links": map[string]any{"next": map[string]string{"href": next}}})
						return
					}
					w.Header().Set("Link", "<"+next+`>; rel="next"`)
					writeJSON(w, []any{map[string]string{"id": "u1"}})
				}))
				self, _ = url.Parse(srv.URL)
				c := newTestClient(t, srv.URL)
				opts := ListOptions{}
				if bodyNext {
					opts = ListOptions{ItemsField: "roles", BodyNext: true}
				}
				err := c.List(context.Background(), "/api/v1/iam/roles", opts, func(*Page) error { return nil })
				if err == nil || !strings.Contains(err.Error(), "refusing the next link") || !strings.Contains(err.Error(), "not the org's origin") {
					t.Fatalf("List = %v, want a refused next link", err)
				}
				if strings.Contains(err.Error(), "after=1") {
					t.Errorf("error shows the foreign link's query: %v", err)
				}
			})
		}
	}
	if other.count() != 0 {
		t.Fatalf("the other origin received %d requests", other.count())
	}
	// An absolute start URL on another origin is refused too.
	c := newTestClient(t, "http://127.0.0.1:1")
	if err := c.List(context.Background(), otherSrv.URL+"/api/v1/users", ListOptions{}, func(*Page) error { return nil }); err == nil {
		t.Fatal("List of a foreign absolute URL succeeded")
	}
	if other.count() != 0 {
		t.Fatalf("the other origin received %d requests", other.count())
	}
}

func TestRedirectToAnotherOriginRefused(t *testing.T) {
	other := &hitCounter{}
	otherSrv := newServer(t, other)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/users" {
			http.Redirect(w, r, "/api/v1/users/moved", http.StatusFound) // same origin: followed
			return
		}
		if r.Header.Get("Authorization") != "SSWS "+testToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, otherSrv.URL+"/steal", http.StatusFound)
	}))
	c := newTestClient(t, srv.URL)
	_, err := c.Get(context.Background(), "/api/v1/users")
	if err == nil || !strings.Contains(err.Error(), "refusing a redirect") {
		t.Fatalf("Get = %v, want a refused redirect", err)
	}
	if other.count() != 0 {
		t.Fatalf("the other origin received %d requests", other.count())
	}
}

func TestListBodyNext(t *testing.T) {
	// Okta's resource sets: {"resource-sets": [...], "_links": {"next": {"href": ...}}}.
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := map[string]any{"resource-sets": []any{map[string]string{"id": "rs1"}, map[string]string{"id": "rs2"}},
			"_links": map[string]any{"next": map[string]string{"href": "http://" + r.Host + "/api/v1/iam/resource-sets?after=rs2"}}}
		switch r.URL.Query().Get("after") {
		case "rs2":
			body = map[string]any{"resource-sets": []any{map[string]string{"id": "rs3"}}, "_links": map[string]any{}}
		case "":
			// A misleading Link header must be ignored in body-next mode.
			w.Header().Set("Link", `<http://`+r.Host+`/api/v1/iam/resource-sets?after=zzz>; rel="next"`)
		default:
			t.Errorf("unexpected request %s", r.URL)
		}
		writeJSON(w, body)
	}))
	c := newTestClient(t, srv.URL)
	var got []string
	err := c.List(context.Background(), "/api/v1/iam/resource-sets", ListOptions{ItemsField: "resource-sets", BodyNext: true}, func(p *Page) error {
		got = append(got, ids(p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[[rs1 rs2] [rs3]]" {
		t.Fatalf("pages %v", got)
	}
}

func TestListItemsField(t *testing.T) {
	tests := []struct {
		name, body, want, wantErr string
	}{
		{name: "items", body: `{"roles":[{"id":"r1"},{"id":"r2"}]}`, want: "[r1 r2]"},
		{name: "missing field", body: `{"other":[]}`, want: "[]"},
		{name: "null field", body: `{"roles":null}`, want: "[]"},
		{name: "not an array", body: `{"roles":{"id":"r1"}}`, wantErr: `field "roles": want a JSON array`},
		{name: "array body", body: `[{"id":"r1"}]`, wantErr: "want a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := 0
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits++
				_, _ = w.Write([]byte(tt.body))
			}))
			c := newTestClient(t, srv.URL)
			var got string
			err := c.List(context.Background(), "/api/v1/iam/roles", ListOptions{ItemsField: "roles"}, func(p *Page) error {
				got = ids(p)
				return nil
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("List = %v, want %q", err, tt.wantErr)
				}
				if hits != 1 {
					t.Fatalf("a well-formed body of the wrong shape was fetched %d times, want 1", hits)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("List = %v, records %s; want %s", err, got, tt.want)
			}
		})
	}
}

func TestListCallbackErrorStops(t *testing.T) {
	hits, url := pagedServer(t, [][]string{{"a"}, {"b"}}, func(r *http.Request, i int) string {
		return fmt.Sprintf(`<http://%s/api/v1/users?after=%d>; rel="next"`, r.Host, i+1)
	})
	c := newTestClient(t, url)
	stop := errors.New("stop here")
	err := c.List(context.Background(), "/api/v1/users", ListOptions{}, func(*Page) error { return stop })
	if !errors.Is(err, stop) || hits.count() != 1 {
		t.Fatalf("List = %v after %d requests, want the callback's error after 1", err, hits.count())
	}
}

func TestListDetectsLoops(t *testing.T) {
	_, url := pagedServer(t, [][]string{{"a"}, {"b"}}, func(r *http.Request, i int) string {
		return fmt.Sprintf(`<http://%s/api/v1/users?after=%d>; rel="next"`, r.Host, 1-i) // 0 → 1 → 0
	})
	c := newTestClient(t, url)
	err := c.List(context.Background(), "/api/v1/users?after=0", ListOptions{}, func(*Page) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "loop") {
		t.Fatalf("List = %v, want a loop error", err)
	}
}

func TestSplitArray(t *testing.T) {
	valid := []string{
		`[]`, ` [ ] `, `[1]`, "[\n  1 ,\t-2.5e3 ]",
		`[1, "a,]", {"x":[1,2],"y":"}"}, null, true, false, []]`,
		`["a\"b", "c\\", "\\\"]", "\u00e9,"]`,
		`[{"id":"00u1","profile":{"login":"a@b.c","tags":["x","y"]}},{"id":"00u2"}]`,
		`[[[]],[{}],{"":""}]`,
	}
	for _, in := range valid {
		t.Run(in, func(t *testing.T) { checkSplit(t, []byte(in)) })
	}
	for _, in := range []string{`{"a":1}`, `"s"`, `null`, `12`, ``} {
		if _, err := splitArray([]byte(in)); err == nil || !strings.Contains(err.Error(), "want a JSON array") {
			t.Errorf("splitArray(%q) = %v, want a type error", in, err)
		}
	}
}

// checkSplit compares splitArray with json.Unmarshal on a valid array.
func checkSplit(t *testing.T, data []byte) {
	t.Helper()
	var want []json.RawMessage
	if err := json.Unmarshal(data, &want); err != nil {
		t.Skip("not an array")
	}
	got, err := splitArray(bytes.TrimSpace(data))
	if err != nil {
		t.Fatalf("splitArray(%q): %v", data, err)
	}
	if len(got) != len(want) {
		t.Fatalf("splitArray(%q) = %d elements %q, want %d %q", data, len(got), got, len(want), want)
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) || cap(got[i]) != len(got[i]) {
			t.Fatalf("element %d = %q (cap %d), want %q", i, got[i], cap(got[i]), want[i])
		}
	}
}

func FuzzSplitArray(f *testing.F) {
	for _, s := range []string{`[]`, `[1,"a",{"b":[2]}]`, `["\"",",","]"]`, `[ {"x" : "y\\"} , [ ] ]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		checkSplit(t, data)
	})
}

// The next page is requested while the caller still handles the current
// one, and no page is requested that the sequential walk would not request.
func TestListPrefetchesNextPage(t *testing.T) {
	pages := [][]string{{"a"}, {"b"}, {"c"}}
	var srvURL string
	requested := make(chan string, 10)
	hits, u := pagedServer(t, pages, func(r *http.Request, i int) string {
		requested <- r.URL.Query().Get("after")
		if i+1 < len(pages) {
			return fmt.Sprintf("<%s/api/v1/users?after=%d>; rel=\"next\"", srvURL, i+1)
		}
		return ""
	})
	srvURL = u
	c := newTestClient(t, u)
	var got []json.RawMessage
	err := c.List(context.Background(), "/api/v1/users", ListOptions{}, func(p *Page) error {
		got = append(got, p.Records...)
		if len(got) == 1 {
			// Page 1 is being handled: page 2 must already be requested.
			<-requested // page 1
			select {
			case after := <-requested:
				if after != "1" {
					t.Errorf("prefetched after=%s, want 1", after)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("page 2 was not requested while page 1 was handled")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || hits.count() != 3 {
		t.Fatalf("%d records from %d requests, want 3 from 3", len(got), hits.count())
	}
}
