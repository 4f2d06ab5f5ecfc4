package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/streams"
)

// parent is one fan-out parent: its id, and whether Okta says it has no
// children (a group whose expand=stats usersCount is 0).
type parent struct {
	id    string
	empty bool
}

// parentList lists a parent endpoint once and shares the ids with every child
// stream that needs them (group_members and group_role_assignments both fan
// out over groups), so the parent list costs its requests once per run.
type parentList struct {
	source string
	opts   okta.ListOptions
	once   sync.Once
	ids    []parent
	err    error
}

func (p *parentList) get(ctx context.Context, c *okta.Client) ([]parent, error) {
	p.once.Do(func() {
		p.err = c.List(ctx, p.source, p.opts, func(pg *okta.Page) error {
			for _, rec := range pg.Records {
				var head struct {
					ID       string `json:"id"`
					Embedded struct {
						Stats *struct {
							UsersCount *int `json:"usersCount"`
						} `json:"stats"`
					} `json:"_embedded"`
				}
				if err := json.Unmarshal(rec, &head); err != nil {
					return fmt.Errorf("decoding parent record from %s: %w", p.source, err)
				}
				if head.ID == "" {
					return fmt.Errorf("parent record from %s has no id", p.source)
				}
				empty := head.Embedded.Stats != nil && head.Embedded.Stats.UsersCount != nil && *head.Embedded.Stats.UsersCount == 0
				p.ids = append(p.ids, parent{id: head.ID, empty: empty})
			}
			return nil
		})
	})
	return p.ids, p.err
}

// planParents decides, for each fan-out stream, where its parent ids come
// from. Parents are always listed in full (a child stream is a full refresh
// even when its parent runs incrementally), with expand=stats for groups so
// empty groups cost no request.
func (r *run) planParents() {
	for _, st := range r.cfg.Streams {
		if st.Parent == "" {
			continue
		}
		source, opts := parentSource(st)
		if _, ok := r.parents[source]; !ok {
			r.parents[source] = &parentList{source: source, opts: opts}
		}
	}
}

func parentSource(st streams.Stream) (string, okta.ListOptions) {
	if st.ParentSource != "" {
		// /api/v1/iam/assignees/users: only users holding admin roles, so
		// role fan-out costs one call per admin, not per user in the org.
		return st.ParentSource + "?limit=100", okta.ListOptions{ItemsField: "value", BodyNext: true}
	}
	p, _ := streams.Lookup(st.Parent)
	q := url.Values{}
	for k, v := range p.Query {
		q.Set(k, v)
	}
	if p.PageSize > 0 {
		q.Set("limit", fmt.Sprint(p.PageSize))
	}
	src := p.Path
	if len(q) > 0 {
		src += "?" + q.Encode()
	}
	return src, okta.ListOptions{ItemsField: p.ItemsField, BodyNext: p.BodyNext}
}

// runFanOut lists the children of every parent, Concurrency parents at a
// time; the client's governor keeps the total within the org's limits.
func (r *run) runFanOut(ctx context.Context, st streams.Stream, out *sink) error {
	source, _ := parentSource(st)
	parents, err := r.parents[source].get(ctx, r.cfg.Client)
	if err != nil {
		return fmt.Errorf("listing parents (%s): %w", st.Parent, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan parent)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
		mu.Unlock()
	}
	for i := 0; i < r.cfg.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				if err := r.listChildren(ctx, st, p.id, out); err != nil {
					fail(err)
				}
			}
		}()
	}
feed:
	for _, p := range parents {
		skip := p.empty && (st.Name == "group_members")
		if skip {
			out.mu.Lock()
			out.sum.Skipped++
			out.mu.Unlock()
			continue
		}
		select {
		case work <- p:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
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
