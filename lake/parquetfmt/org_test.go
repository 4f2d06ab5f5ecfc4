package parquetfmt

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/streams"
)

// orgNow is the simulated org's present; the server runs on a manual clock
// at this instant, so the records do not depend on the day the tests run.
var orgNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// orgCache holds the simulated org's records: listing them over HTTP costs
// a few hundred requests, and several tests read the same org.
var orgCache struct {
	once sync.Once
	recs map[string][]json.RawMessage
	err  error
}

// orgRecords returns every record of every stream of the default simulated
// org, read through the Okta client from oktatest's HTTP API: top-level
// streams listed page by page, fan-out streams listed per parent with the
// parent's id added as ParentIDField (the shape extract writes).
func orgRecords(tb testing.TB) map[string][]json.RawMessage {
	tb.Helper()
	orgCache.once.Do(func() { orgCache.recs, orgCache.err = listOrg() })
	if orgCache.err != nil {
		tb.Fatalf("listing the simulated org: %v", orgCache.err)
	}
	return orgCache.recs
}

func listOrg() (map[string][]json.RawMessage, error) {
	cfg := oktatest.DefaultOrgConfig()
	cfg.Now = orgNow
	clk := oktatest.NewManualClock(orgNow)
	srv := oktatest.NewServer(oktatest.NewOrg(cfg), oktatest.Options{Token: "test-token-not-secret", Clock: clk})
	defer srv.Close()
	client, err := okta.New(okta.Config{Domain: srv.URL, APIToken: "test-token-not-secret", Clock: clk, RateLimitShare: 1})
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	out := map[string][]json.RawMessage{}
	for _, st := range streams.All() {
		if st.Parent == "" {
			recs, err := listAll(ctx, client, withLimit(st.Path, st), okta.ListOptions{ItemsField: st.ItemsField, BodyNext: st.BodyNext, Object: st.Object})
			if err != nil {
				return nil, fmt.Errorf("listing %s: %w", st.Name, err)
			}
			out[st.Name] = recs
			continue
		}
		ids, err := parentIDs(ctx, client, st)
		if err != nil {
			return nil, fmt.Errorf("listing parents of %s: %w", st.Name, err)
		}
		for _, id := range ids {
			path := withLimit(strings.Replace(st.Path, "{id}", url.PathEscape(id), 1), st)
			recs, err := listAll(ctx, client, path, okta.ListOptions{ItemsField: st.ItemsField, BodyNext: st.BodyNext})
			if err != nil {
				return nil, fmt.Errorf("listing %s: %w", path, err)
			}
			for _, r := range recs {
				out[st.Name] = append(out[st.Name], withParent(r, st.ParentIDField, id))
			}
		}
	}
	return out, nil
}

func withLimit(path string, st streams.Stream) string {
	q := url.Values{}
	for k, v := range st.Query {
		q.Set(k, v)
	}
	if st.PageSize > 0 {
		q.Set("limit", fmt.Sprint(st.PageSize))
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// parentIDs lists the ids of a fan-out stream's parents: the parent
// stream's records, or (user_role_assignments) the admins Okta names at
// /api/v1/iam/assignees/users, whose body is {"value": [...], "_links": ...}.
func parentIDs(ctx context.Context, c *okta.Client, st streams.Stream) ([]string, error) {
	var recs []json.RawMessage
	var err error
	if src := st.ParentSource; src != nil {
		recs, err = listAll(ctx, c, fmt.Sprintf("%s?limit=%d", src.Path, src.PageSize), okta.ListOptions{ItemsField: src.ItemsField, BodyNext: src.BodyNext})
	} else {
		p, _ := streams.Lookup(st.Parent)
		recs, err = listAll(ctx, c, withLimit(p.Path, p), okta.ListOptions{ItemsField: p.ItemsField, BodyNext: p.BodyNext})
	}
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(recs))
	for _, r := range recs {
		var head struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(r, &head); err != nil || head.ID == "" {
			return nil, fmt.Errorf("parent record without an id: %.80s", r)
		}
		ids = append(ids, head.ID)
	}
	return ids, nil
}

func listAll(ctx context.Context, c *okta.Client, path string, opts okta.ListOptions) ([]json.RawMessage, error) {
	var out []json.RawMessage
	err := c.List(ctx, path, opts, func(p *okta.Page) error {
		out = append(out, p.Records...)
		return nil
	})
	return out, err
}

// withParent adds "field": id to the record object, as extract does for
// the children of a fan-out.
func withParent(rec json.RawMessage, field, id string) json.RawMessage {
	k, _ := json.Marshal(field)
	v, _ := json.Marshal(id)
	b := append([]byte(nil), rec[:len(rec)-1]...)
	if len(strings.TrimSpace(string(rec[1:len(rec)-1]))) > 0 {
		b = append(b, ',')
	}
	b = append(append(append(b, k...), ':'), v...)
	return append(b, '}')
}
