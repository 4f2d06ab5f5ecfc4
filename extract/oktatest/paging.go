package oktatest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// pageLimit is an endpoint's page size rule.
type pageLimit struct {
	def, min, max int
}

// parseLimit reads the limit parameter. Okta silently caps a limit above the
// endpoint's maximum and raises one below its minimum; absent, zero or
// negative means the default. ok is false when limit is not an integer.
func parseLimit(q url.Values, pl pageLimit) (n int, ok bool) {
	v := q.Get("limit")
	if v == "" {
		return pl.def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, false
	}
	if n <= 0 {
		return pl.def, true
	}
	return min(max(n, pl.min), pl.max), true
}

// nextURL is the request's own URL on its origin with after replaced: the
// next page link, absolute, keeping every other parameter.
func nextURL(r *http.Request, after string) string {
	q := r.URL.Query()
	q.Set("after", after)
	return origin(r) + r.URL.Path + "?" + q.Encode()
}

// writeJSON sends body as JSON with status 200.
func writeJSON(w http.ResponseWriter, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// writeArray sends a page as a JSON array with Okta's Link headers: self
// always, next (carrying after) only when more records remain.
func writeArray[T any](w http.ResponseWriter, r *http.Request, items []T, after string, hasNext bool) {
	if items == nil {
		items = []T{}
	}
	w.Header().Add("Link", "<"+origin(r)+r.URL.RequestURI()+`>; rel="self"`)
	if hasNext {
		w.Header().Add("Link", "<"+nextURL(r, after)+`>; rel="next"`)
	}
	// Encode item by item so a 1000-event page never sits in memory as
	// one buffer: the simulator's footprint stays flat however large the org.
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	bw.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			bw.WriteByte(',')
		}
		b, err := json.Marshal(it)
		if err != nil {
			panic(fmt.Sprintf("encoding a generated record: %v", err)) // our own types always encode
		}
		bw.Write(b)
	}
	bw.WriteByte(']')
	_ = bw.Flush()
}

// bodyLinks is the _links object of endpoints that page in the body
// (resource sets, custom roles, role assignees).
func bodyLinks(r *http.Request, after string, hasNext bool) map[string]href {
	links := map[string]href{}
	if hasNext {
		links["next"] = href{nextURL(r, after)}
	}
	return links
}
