package okta

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// scripted serves one scripted reply per request, then 200 [] forever.
func scripted(t *testing.T, replies ...func(w http.ResponseWriter, r *http.Request)) (*atomic.Int32, string) {
	var n atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if r.Header.Get("Authorization") != "SSWS "+testToken {
			t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
		}
		if i < len(replies) {
			replies[i](w, r)
			return
		}
		writeJSON(w, []map[string]string{{"id": "ok"}})
	}))
	return &n, srv.URL
}

func status(code int, body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

func resetConn(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close with RST
	}
	_ = conn.Close()
}

func truncated(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "100")
	_, _ = w.Write([]byte(`[{"id":`))
	resetConn(w, r)
}

func TestGetErrorsAndRetries(t *testing.T) {
	okta401 := func(w http.ResponseWriter, r *http.Request) {
		writeOktaError(w, 401, "E0000011", "Invalid token provided", "oae123")
	}
	okta400 := func(w http.ResponseWriter, r *http.Request) {
		writeOktaError(w, 400, "E0000001", "Api validation failed: filter", "oae400", "filter: Invalid search criteria.")
	}
	tests := []struct {
		name     string
		replies  []func(http.ResponseWriter, *http.Request)
		retries  int
		wantErr  string // "" for success
		wantCode int    // *Error status, when the error is one
		hits     int32
	}{
		{name: "401 is final", replies: rep(okta401), wantErr: "okta: 401 E0000011 Invalid token provided (errorId oae123)", wantCode: 401, hits: 1},
		{name: "400 with causes", replies: rep(okta400), wantErr: "E0000001 Api validation failed: filter (errorId oae400): filter: Invalid search criteria.", wantCode: 400, hits: 1},
		{name: "404 is final", replies: rep(status(404, `{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: x (User)"}`)), wantErr: "E0000007", wantCode: 404, hits: 1},
		{name: "non-JSON 502 retried then ok", replies: rep(status(502, "<html>Bad Gateway</html>")), hits: 2},
		{name: "5xx retried then ok", replies: rep(status(500, ""), status(503, ""), status(504, "")), hits: 4},
		{name: "connection reset retried", replies: rep(resetConn, resetConn), hits: 3},
		{name: "truncated body retried", replies: rep(truncated), hits: 2},
		{name: "retries exhausted", retries: 2, replies: rep(status(503, "upstream overloaded"), status(503, "upstream overloaded"), status(503, "upstream overloaded")),
			wantErr: "giving up after 3 attempts: okta: 503 Service Unavailable: upstream overloaded", wantCode: 503, hits: 3},
		{name: "501 is final", replies: rep(status(501, "")), wantErr: "okta: 501 Not Implemented", wantCode: 501, hits: 1},
		{name: "invalid JSON retried twice then named", replies: rep(status(200, "[{"), status(200, "[{"), status(200, "[{")),
			wantErr: "decoding page http://", hits: 3},
		{name: "invalid JSON once then ok", replies: rep(status(200, "<html>")), hits: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, url := scripted(t, tt.replies...)
			c := newTestClient(t, url, func(c *Config) { c.MaxRetries = tt.retries })
			var got []string
			err := c.List(context.Background(), "/api/v1/users?limit=1", ListOptions{}, func(p *Page) error {
				got = append(got, ids(p))
				return nil
			})
			if n.Load() != tt.hits {
				t.Errorf("server saw %d requests, want %d", n.Load(), tt.hits)
			}
			if tt.wantErr == "" {
				if err != nil || len(got) != 1 || got[0] != "[ok]" {
					t.Fatalf("List = %v, pages %v; want one page [ok]", err, got)
				}
				st := c.Stats()["users"]
				if st.Retries != int64(tt.hits-1) || st.Requests != int64(tt.hits) || st.Errors != 0 {
					t.Fatalf("stats %+v, want %d requests and %d retries", st, tt.hits, tt.hits-1)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("List = %v, want an error containing %q", err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "getting /api/v1/users: ") {
				t.Errorf("error %q lacks its context", err)
			}
			var oe *Error
			if tt.wantCode != 0 && (!errors.As(err, &oe) || oe.Status != tt.wantCode || oe.URL != "/api/v1/users") {
				t.Fatalf("error %v: want an *Error with status %d and URL /api/v1/users, got %+v", err, tt.wantCode, oe)
			}
			if c.Stats()["users"].Errors != 1 {
				t.Fatalf("stats %+v, want 1 error", c.Stats()["users"])
			}
		})
	}
}

func rep(fs ...func(http.ResponseWriter, *http.Request)) []func(http.ResponseWriter, *http.Request) {
	return fs
}

// TestTooManyWaitsForReset checks that a 429 waits until X-Rate-Limit-Reset
// measured from the response's Date, not from our clock: the server's clock
// is four years ahead of ours and the wait is still reset − Date.
func TestTooManyWaitsForReset(t *testing.T) {
	serverNow := time.Date(2030, 6, 1, 8, 0, 13, 0, time.UTC)
	n, url := scripted(t, func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Date", serverNow.Format(http.TimeFormat))
		h.Set("X-Rate-Limit-Limit", "600")
		h.Set("X-Rate-Limit-Remaining", "0")
		h.Set("X-Rate-Limit-Reset", strconv.FormatInt(serverNow.Add(47*time.Second).Unix(), 10))
		writeOktaError(w, 429, "E0000047", "API call exceeded rate limit due to too many requests.", "oae429")
	})
	clk := newManualClock()
	var logs logBuffer
	c := newTestClient(t, url, func(c *Config) { c.Clock = clk; c.Logger = logs.logger() })
	if _, err := c.Get(context.Background(), "/api/v1/users"); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if n.Load() != 2 {
		t.Fatalf("server saw %d requests, want 2", n.Load())
	}
	var total time.Duration
	for _, d := range clk.Sleeps() {
		total += d
	}
	if want := 47*time.Second + resetMargin; total != want {
		t.Fatalf("waited %v in all (%v), want %v", total, clk.Sleeps(), want)
	}
	st := c.Stats()["users"]
	if st.TooMany != 1 || st.Retries != 1 || st.Waits != 1 || st.WaitTime != 47*time.Second+resetMargin {
		t.Fatalf("stats %+v", st)
	}
	if !strings.Contains(logs.String(), "rate limited") {
		t.Fatalf("429 not logged:\n%s", logs.String())
	}
}

func TestTooManyWaitIsBoundedByContext(t *testing.T) {
	_, url := scripted(t, func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Rate-Limit-Limit", "600")
		h.Set("X-Rate-Limit-Remaining", "0")
		h.Set("X-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10))
		w.WriteHeader(429)
	})
	c := newTestClient(t, url, func(c *Config) { c.Clock = nil }) // the real clock: a minute would fail the test
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Get(ctx, "/api/v1/users")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("Get = %v after %v, want a deadline error within the context's time", err, time.Since(start))
	}
}

func TestGetResolvesPaths(t *testing.T) {
	var gotPath, gotUA, gotAccept string
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotUA, gotAccept = r.URL.RequestURI(), r.UserAgent(), r.Header.Get("Accept")
		writeJSON(w, map[string]string{"id": "org"})
	}))
	c := newTestClient(t, srv.URL+"/", func(c *Config) { c.UserAgent = "oktalake-test/1" })
	if c.BaseURL() != srv.URL {
		t.Fatalf("BaseURL = %q, want %q", c.BaseURL(), srv.URL)
	}
	for _, p := range []string{"/api/v1/org?expand=x", srv.URL + "/api/v1/org?expand=x"} {
		resp, err := c.Get(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 200 || !strings.Contains(string(resp.Body), `"org"`) || gotPath != "/api/v1/org?expand=x" {
			t.Fatalf("Get(%q) = %d %s at %s", p, resp.Status, resp.Body, gotPath)
		}
	}
	if gotUA != "oktalake-test/1" || gotAccept != "application/json" {
		t.Fatalf("User-Agent %q, Accept %q", gotUA, gotAccept)
	}
	if _, err := c.Get(context.Background(), "api/v1/org"); err == nil {
		t.Fatal("Get of a path without a leading / succeeded")
	}
	if st := c.Stats()["other"]; st.Requests != 2 {
		t.Fatalf("other bucket stats %+v, want 2 requests", st)
	}
}

func TestRetryTable(t *testing.T) {
	policy := retryPolicy()
	reset := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	tests := []struct {
		name string
		o    outcome
		want action
	}{
		{"200", outcome{status: 200}, actSucceed},
		{"204", outcome{status: 204}, actSucceed},
		{"malformed 200", outcome{status: 200, malformed: true}, actBackoff},
		{"429", outcome{status: 429}, actWaitReset},
		{"401 with a bearer token", outcome{status: 401, bearer: true}, actRenewAuth},
		{"401 after a renewal", outcome{status: 401, bearer: true, renewed: true}, actFail},
		{"401 with SSWS", outcome{status: 401}, actFail},
		{"403", outcome{status: 403}, actFail},
		{"404", outcome{status: 404}, actFail},
		{"500", outcome{status: 500}, actBackoff},
		{"501", outcome{status: 501}, actFail},
		{"502", outcome{status: 502}, actBackoff},
		{"503", outcome{status: 503}, actBackoff},
		{"unexpected EOF", outcome{err: errEOF()}, actBackoff},
		{"timeout", outcome{err: &net.DNSError{IsTimeout: true}}, actBackoff},
		{"no such host", outcome{err: &net.DNSError{IsNotFound: true}}, actFail},
		{"other transport error", outcome{err: errors.New("x509: certificate signed by unknown authority")}, actFail},
		{"op error without errno", outcome{err: reset}, actFail},
		{"cancelled", outcome{err: context.Canceled, ctxDone: true}, actFail},
		{"no token", outcome{err: errEOF(), authFailed: true}, actFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := policy.Decide(tt.o); got.Action != tt.want {
				t.Fatalf("Decide(%+v) = %v (rule %q), want %v", tt.o, got.Action, got.Name, tt.want)
			}
		})
	}
}

func errEOF() error { return fmt.Errorf("reading body: %w", io.ErrUnexpectedEOF) }
