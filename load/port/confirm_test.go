package port

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/oktalake/oktalake/load/porttest"
)

// replyRewriter sits between the client and porttest and rewrites the
// answers to bulk upserts: a proxy, a gateway or a Port bug answering 200
// with a body that does not account for the entities sent.
type replyRewriter struct {
	*httptest.Server
	mu    sync.Mutex
	bulks int
}

// newReplyRewriter proxies to srv; rewrite gets the n-th (1-based) bulk
// reply and returns the status and body the client sees.
func newReplyRewriter(t *testing.T, srv *porttest.Server, rewrite func(n, status int, body []byte) (int, []byte)) *replyRewriter {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	rr := &replyRewriter{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if !strings.HasSuffix(resp.Request.URL.Path, "/entities/bulk") {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		rr.mu.Lock()
		rr.bulks++
		n := rr.bulks
		rr.mu.Unlock()
		status, body := rewrite(n, resp.StatusCode, body)
		resp.StatusCode = status
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	rr.Server = httptest.NewServer(proxy)
	t.Cleanup(rr.Close)
	return rr
}

func (rr *replyRewriter) bulkReplies() int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return rr.bulks
}

// TestBulkReplyMustConfirmEveryEntity: a 200 (or 207) whose body does not
// account for an entity, by index or identifier, is not taken as success:
// the unconfirmed entities are sent again (a bounded number of times), then
// reported as failures whose message quotes Port's reply.
func TestBulkReplyMustConfirmEveryEntity(t *testing.T) {
	fixed := func(status int, body string) func(int, int, []byte) (int, []byte) {
		return func(int, int, []byte) (int, []byte) { return status, []byte(body) }
	}
	tests := []struct {
		name    string
		rewrite func(n, status int, body []byte) (int, []byte)
		quote   string // in every failure's message
	}{
		{"ok false", fixed(http.StatusOK, `{"ok": false}`), `{"ok": false}`},
		{"empty array", fixed(http.StatusOK, `[]`), `[]`},
		{"not JSON", fixed(http.StatusOK, `<html>gateway says hi</html>`), `gateway says hi`},
		{"207 without results", fixed(http.StatusMultiStatus, `{"ok":false,"entities":[],"errors":[]}`), `"entities":[]`},
		{"results for other entities", fixed(http.StatusOK, `{"ok":true,"entities":[{"created":true,"identifier":"someone-else","index":99}],"errors":[]}`), `someone-else`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
			rr := newReplyRewriter(t, srv, tt.rewrite)
			c := newClient(t, srv, func(cfg *Config) { cfg.BaseURL = rr.URL })
			es := roles(60, 0)
			fs, err := c.Upsert(context.Background(), "okta_role", es)
			if err != nil {
				t.Fatalf("upsert: %v (an unconfirmed entity is a failure with a reason, not an unknown outcome)", err)
			}
			if len(fs) != len(es) {
				t.Fatalf("%d failures, want all %d entities unconfirmed", len(fs), len(es))
			}
			for i, f := range fs {
				if f.Index != i || f.Identifier != es[i].Identifier || f.Error != "unconfirmed" || !strings.Contains(f.Message, tt.quote) {
					t.Fatalf("failure %d = %+v, want entity %d unconfirmed with Port's reply quoted", i, f, i)
				}
			}
			// 3 batches of 20, each sent once and resent twice.
			if got, want := rr.bulkReplies(), 3*(1+maxUnconfirmedResends); got != want {
				t.Errorf("%d bulk requests, want %d", got, want)
			}
		})
	}
}

// TestBulkReplyPartlyConfirmedResendsTheRest: when Port's reply leaves
// entities out, only those are sent again, and once confirmed they are not
// failures.
func TestBulkReplyPartlyConfirmedResendsTheRest(t *testing.T) {
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
	var resent []string
	var mu sync.Mutex
	rr := newReplyRewriter(t, srv, func(n, status int, body []byte) (int, []byte) {
		var reply map[string]any
		if err := json.Unmarshal(body, &reply); err != nil {
			t.Errorf("porttest reply %s: %v", body, err)
			return status, body
		}
		ents, _ := reply["entities"].([]any)
		if n == 1 {
			// The first reply forgets its last two entities.
			reply["entities"] = ents[:len(ents)-2]
		} else {
			mu.Lock()
			for _, e := range ents {
				resent = append(resent, e.(map[string]any)["identifier"].(string))
			}
			mu.Unlock()
		}
		b, _ := json.Marshal(reply)
		return status, b
	})
	c := newClient(t, srv, func(cfg *Config) { cfg.BaseURL = rr.URL; cfg.Concurrency = 1 })
	fs, err := c.Upsert(context.Background(), "okta_role", roles(20, 0))
	if err != nil || len(fs) != 0 {
		t.Fatalf("failures %+v, err %v", fs, err)
	}
	if want := []string{"cr0018", "cr0019"}; strings.Join(resent, ",") != strings.Join(want, ",") {
		t.Errorf("resent %v, want only the unconfirmed %v", resent, want)
	}
	if got := len(srv.Entities("okta_role")); got != 20 {
		t.Errorf("stored %d, want 20", got)
	}
}
