package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/streams"
)

// parent is one fan-out parent: its id, and which of the counts its
// children ask about (streams.Stream.SkipParentIfZero) it says are 0.
type parent struct {
	id   string
	zero map[string]bool
}

// parentList lists a parent endpoint once and shares the ids with every child
// stream that needs them (group_members and group_role_assignments both fan
// out over groups), so the parent list costs its requests once per run. Its
// requests are booked to its own summary row (ParentSummary), never to the
// child stream that happened to ask first.
type parentList struct {
	// name labels the listing in the summary and tags its requests:
	// "<parent> (parents)", or the catalog's name for a ParentSource.
	name   string
	source string
	opts   okta.ListOptions
	// zeroFields are the counts (dotted paths) the children skip a parent on.
	zeroFields []string
	once       sync.Once
	ids        []parent
	err        error
	// listed says the listing ran; elapsed is how long it took.
	listed  bool
	elapsed time.Duration
}

func (p *parentList) get(ctx context.Context, c *okta.Client, clk clock.Clock) ([]parent, error) {
	p.once.Do(func() {
		p.listed = true
		t0 := clk.Now()
		defer func() { p.elapsed = clk.Now().Sub(t0) }()
		p.err = c.List(okta.WithStatsTag(ctx, p.name), p.source, p.opts, func(pg *okta.Page) error {
			for _, rec := range pg.Records {
				var head struct {
					ID string `json:"id"`
				}
				if err := json.Unmarshal(rec, &head); err != nil {
					return fmt.Errorf("decoding parent record from %s: %w", p.source, err)
				}
				if head.ID == "" {
					return fmt.Errorf("parent record from %s has no id", p.source)
				}
				par := parent{id: head.ID}
				for _, f := range p.zeroFields {
					if countIsZero(rec, f) {
						if par.zero == nil {
							par.zero = map[string]bool{}
						}
						par.zero[f] = true
					}
				}
				p.ids = append(p.ids, par)
			}
			return nil
		})
	})
	return p.ids, p.err
}

// countIsZero reports whether the record holds the number 0 at the dotted
// path; a missing or non-numeric value is not zero, so the parent is asked.
func countIsZero(rec json.RawMessage, path string) bool {
	cur := rec
	for _, key := range strings.Split(path, ".") {
		var obj map[string]json.RawMessage
		if json.Unmarshal(cur, &obj) != nil {
			return false
		}
		v, ok := obj[key]
		if !ok {
			return false
		}
		cur = v
	}
	var n *float64
	return json.Unmarshal(cur, &n) == nil && n != nil && *n == 0
}

// planParents decides, for each fan-out stream, where its parent ids come
// from: the catalog's parent listing, always listed in full (a child stream
// is a full refresh even when its parent runs incrementally).
func (r *run) planParents() {
	for _, st := range r.cfg.Streams {
		source, opts, ok := parentSource(st)
		if !ok {
			continue
		}
		pl, ok := r.parents[source]
		if !ok {
			pl = &parentList{name: parentListName(st), source: source, opts: opts}
			r.parents[source] = pl
			r.parentOrder = append(r.parentOrder, pl)
		}
		if f := st.SkipParentIfZero; f != "" && !slices.Contains(pl.zeroFields, f) {
			pl.zeroFields = append(pl.zeroFields, f)
		}
	}
}

// parentListName labels st's parent listing in the summary.
func parentListName(st streams.Stream) string {
	name := "parents"
	if src, _ := st.ParentListing(); src.Name != "" {
		name = src.Name
	}
	return st.Parent + " (" + name + ")"
}

// parentSummaries are the listings that ran, in the order they were planned.
func (r *run) parentSummaries(tags map[string]okta.BucketStats) []ParentSummary {
	var out []ParentSummary
	for _, pl := range r.parentOrder {
		// Every child has returned: the listing is done, if it ran.
		if !pl.listed {
			continue
		}
		out = append(out, ParentSummary{Name: pl.name, Source: pl.source, Parents: int64(len(pl.ids)), Okta: tags[pl.name], Err: pl.err, Elapsed: pl.elapsed})
	}
	return out
}

// parentSource is the request listing st's parents, and how its pages come.
func parentSource(st streams.Stream) (string, okta.ListOptions, bool) {
	src, ok := st.ParentListing()
	if !ok {
		return "", okta.ListOptions{}, false
	}
	return sourcePath(src, nil), okta.ListOptions{ItemsField: src.ItemsField, BodyNext: src.BodyNext}, true
}

// sourcePath is the first request of a listing: its path with its fixed
// query, its page size and extra parameters.
func sourcePath(src streams.Source, extra url.Values) string {
	q := url.Values{}
	for k, v := range src.Query {
		q.Set(k, v)
	}
	if src.PageSize > 0 {
		q.Set("limit", fmt.Sprint(src.PageSize))
	}
	for k, v := range extra {
		q[k] = v
	}
	if len(q) == 0 {
		return src.Path
	}
	return src.Path + "?" + q.Encode()
}

// runFanOut lists the children of every parent, Concurrency parents at a
// time; the client's governor keeps the total within the org's limits.
func (r *run) runFanOut(ctx context.Context, st streams.Stream, out *sink) error {
	source, _, _ := parentSource(st)
	parents, err := r.parents[source].get(ctx, r.cfg.Client, r.cfg.Clock)
	if err != nil {
		return fmt.Errorf("listing parents (%s): %w", st.Parent, err)
	}
	// The first failed parent cancels the others and fails the stream.
	return r.listParents(ctx, st, out, parents)
}

func (r *run) listChildren(ctx context.Context, st streams.Stream, parentID string, out *sink) error {
	path := strings.Replace(st.Path, "{id}", url.PathEscape(parentID), 1)
	if st.PageSize > 0 {
		path += fmt.Sprintf("?limit=%d", st.PageSize)
	}
	err := r.cfg.Client.List(ctx, path, okta.ListOptions{ItemsField: st.ItemsField, BodyNext: st.BodyNext}, func(p *okta.Page) error {
		recs := make([]json.RawMessage, len(p.Records))
		for i, rec := range p.Records {
			withParent, err := withField(rec, st.ParentIDField, parentID)
			if err != nil {
				return fmt.Errorf("%s of %s: %w", st.Name, parentID, err)
			}
			recs[i] = withParent
		}
		return out.write(recs)
	})
	if err != nil {
		return fmt.Errorf("listing %s: %w", path, err)
	}
	return nil
}
