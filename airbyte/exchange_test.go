package airbyte

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/extract/oktatest"
)

// incremental are the streams the golden exchange's catalog reads
// incrementally.
var incremental = map[string]bool{"users": true, "logs": true}

// orgNow is the simulated org's present; the test runs on a manual clock
// reading it.
var orgNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

const exchangeToken = "exchange-token-not-secret"

type exchange struct {
	org   *oktatest.Org
	srv   *oktatest.Server
	clock *oktatest.ManualClock
}

func newExchange(t *testing.T, faults ...oktatest.Fault) *exchange {
	t.Helper()
	cfg := oktatest.DefaultOrgConfig()
	cfg.Users, cfg.Admins, cfg.Groups, cfg.Apps, cfg.LogEvents, cfg.LogSpan = 6, 1, 3, 1, 12, 24*time.Hour
	cfg.Now = orgNow
	org := oktatest.NewOrg(cfg)
	clk := oktatest.NewManualClock(orgNow)
	srv := oktatest.NewServer(org, oktatest.Options{Token: exchangeToken, Clock: clk, Faults: faults})
	t.Cleanup(srv.Close)
	return &exchange{org: org, srv: srv, clock: clk}
}

// input reads a file of the golden exchange, pointing it at the simulator.
func (x *exchange) input(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "exchange", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(b, []byte("OKTATEST_URL"), []byte(x.srv.URL))
}

// read runs read as Airbyte would and returns stdout.
func (x *exchange) read(t *testing.T, state []byte) ([]byte, error) {
	t.Helper()
	cfg, err := ParseConfig(x.input(t, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := ParseCatalog(x.input(t, "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseState(state)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	em := NewEmitter(&out, x.clock.Now)
	err = Read(context.Background(), cfg, cat, st, Options{Emitter: em, Logger: NewLogger(em, -4), Clock: x.clock})
	return out.Bytes(), err
}

// normalise makes an exchange comparable: times that depend on how the
// run's goroutines met the manual clock are zeroed, LOG messages dropped
// (they are checked for validity, not wording), states kept for their
// cursors (see below), and messages ordered by
// stream with each stream's own order kept: streams run concurrently, so
// only the order within a stream is the protocol's promise.
func normalise(t *testing.T, url string, msgs []map[string]any) []byte {
	t.Helper()
	type keyed struct {
		stream string
		line   []byte
	}
	var out []keyed
	for _, m := range msgs {
		stream := ""
		switch m["type"] {
		case TypeLog:
			continue
		case TypeRecord:
			r := m["record"].(map[string]any)
			r["emitted_at"] = 0
			stream = r["stream"].(string)
		case TypeTrace:
			tr := m["trace"].(map[string]any)
			tr["emitted_at"] = 0
			if ss, ok := tr["stream_status"].(map[string]any); ok {
				stream = ss["stream_descriptor"].(map[string]any)["name"].(string)
			}
		case TypeState:
			// The golden holds the cursors of the incremental streams; the
			// rest of extract's bookkeeping in a state (when it was saved,
			// generations, reconciliation marks) and the states of
			// full-refresh streams are extract's business, checked by
			// checkOrder, not by the exchange.
			s := m["state"].(map[string]any)["stream"].(map[string]any)
			stream = s["stream_descriptor"].(map[string]any)["name"].(string)
			if !incremental[stream] {
				continue
			}
			if blob, ok := s["stream_state"].(map[string]any); ok {
				for k := range blob {
					if k != "lastUpdated" && k != "published" && k != "next" {
						delete(blob, k)
					}
				}
			}
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte(url), []byte("OKTATEST_URL"))
		out = append(out, keyed{stream, b})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].stream < out[j].stream })
	// Fan-out workers hand pages over in the order they finish: the
	// records between two other messages of a stream are a set.
	for i := 0; i < len(out); {
		j := i
		for j < len(out) && out[j].stream == out[i].stream && bytes.HasPrefix(out[j].line, []byte(`{"record"`)) {
			j++
		}
		if j == i {
			i++
			continue
		}
		sort.Slice(out[i:j], func(a, b int) bool { return bytes.Compare(out[i+a].line, out[i+b].line) < 0 })
		i = j
	}
	var b bytes.Buffer
	for _, k := range out {
		b.Write(k.line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// checkOrder checks the protocol's order: every STARTED before anything
// else of a stream; per stream RUNNING before its first RECORD, no RECORD
// after its last STATE, COMPLETE or INCOMPLETE last. It returns each
// stream's final status and last state.
func checkOrder(t *testing.T, msgs []map[string]any) (final map[string]string, states map[string]json.RawMessage) {
	t.Helper()
	final, states = map[string]string{}, map[string]json.RawMessage{}
	status := map[string]string{}
	recordsSinceState := map[string]int{}
	for i, m := range msgs {
		switch m["type"] {
		case TypeTrace:
			tr := m["trace"].(map[string]any)
			ss, ok := tr["stream_status"].(map[string]any)
			if !ok {
				continue
			}
			name := ss["stream_descriptor"].(map[string]any)["name"].(string)
			s := ss["status"].(string)
			prev := status[name]
			okNext := map[string][]string{
				"":               {StatusStarted},
				StatusStarted:    {StatusRunning, StatusComplete, StatusIncomplete},
				StatusRunning:    {StatusComplete, StatusIncomplete},
				StatusComplete:   {},
				StatusIncomplete: {},
			}[prev]
			if !contains(okNext, s) {
				t.Errorf("message %d: %s goes %q → %q", i, name, prev, s)
			}
			status[name] = s
			if s == StatusComplete || s == StatusIncomplete {
				final[name] = s
			}
		case TypeRecord:
			name := m["record"].(map[string]any)["stream"].(string)
			if status[name] != StatusRunning {
				t.Errorf("message %d: a record of %s while it is %q", i, name, status[name])
			}
			recordsSinceState[name]++
		case TypeState:
			s := m["state"].(map[string]any)
			name := s["stream"].(map[string]any)["stream_descriptor"].(map[string]any)["name"].(string)
			if n := s["sourceStats"].(map[string]any)["recordCount"].(float64); int(n) != recordsSinceState[name] {
				t.Errorf("message %d: state of %s counts %v records, %d were emitted since the last", i, name, n, recordsSinceState[name])
			}
			recordsSinceState[name] = 0
			b, _ := json.Marshal(m["state"])
			states[name] = b
		}
	}
	for name, n := range recordsSinceState {
		if n > 0 && states[name] != nil {
			t.Errorf("%s: %d records after its last state", name, n)
		}
	}
	return final, states
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// stateFile is what Airbyte passes back: the last STATE message of each stream.
func stateFile(states map[string]json.RawMessage) []byte {
	names := make([]string, 0, len(states))
	for n := range states {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = string(states[n])
	}
	return []byte("[" + strings.Join(parts, ",") + "]")
}

func countRecords(msgs []map[string]any) map[string]int {
	n := map[string]int{}
	for _, m := range msgs {
		if m["type"] == TypeRecord {
			n[m["record"].(map[string]any)["stream"].(string)]++
		}
	}
	return n
}

// The golden exchange: a first read from no state, then a read from the
// state it emitted, which finds nothing new in the incremental streams
// and everything again in the full-refresh ones.
func TestGoldenExchange(t *testing.T) {
	x := newExchange(t)
	out, err := x.read(t, nil)
	if err != nil {
		t.Fatalf("read: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte(exchangeToken)) {
		t.Fatal("the API token appears in the messages")
	}
	msgs := messages(t, out)
	final, states := checkOrder(t, msgs)
	for _, s := range []string{"users", "groups", "group_members", "logs"} {
		if final[s] != StatusComplete {
			t.Errorf("%s ended %q", s, final[s])
		}
	}
	for _, s := range []string{"users", "logs"} {
		if states[s] == nil {
			t.Errorf("no STATE for incremental stream %s", s)
		}
	}
	first := countRecords(msgs)
	if first["users"] != 6 || first["groups"] != 3 || first["logs"] == 0 || first["group_members"] == 0 {
		t.Errorf("records per stream: %v", first)
	}
	golden(t, "exchange/read1.jsonl", normalise(t, x.srv.URL, msgs))

	state := stateFile(states)
	sv := protocolSchema(t, "AirbyteStateMessage")
	var list []any
	if err := json.Unmarshal(state, &list); err != nil {
		t.Fatal(err)
	}
	for i, s := range list {
		if err := sv.Validate(s); err != nil {
			t.Errorf("state[%d] is not an AirbyteStateMessage: %v", i, err)
		}
	}
	out2, err := x.read(t, state)
	if err != nil {
		t.Fatalf("second read: %v\n%s", err, out2)
	}
	msgs2 := messages(t, out2)
	final2, states2 := checkOrder(t, msgs2)
	for _, s := range []string{"users", "logs"} {
		if states2[s] == nil {
			t.Errorf("second read: no STATE for incremental stream %s", s)
		}
	}
	second := countRecords(msgs2)
	if second["users"] != 0 || second["logs"] != 0 || second["groups"] != first["groups"] || second["group_members"] != first["group_members"] || final2["users"] != StatusComplete {
		t.Errorf("second read: records %v (first %v), final %v", second, first, final2)
	}
	golden(t, "exchange/read2.jsonl", normalise(t, x.srv.URL, msgs2))
}

// A stream that fails ends INCOMPLETE after an error trace naming it; the
// others complete; Read reports the failure, and the failed stream emits
// no state.
func TestReadFailedStream(t *testing.T) {
	x := newExchange(t, oktatest.Fault{Kind: oktatest.FaultStatus, Path: "/api/v1/groups", Status: 500})
	out, err := x.read(t, nil)
	if !errors.Is(err, ErrStreamsFailed) {
		t.Fatalf("read: %v, want ErrStreamsFailed", err)
	}
	msgs := messages(t, out)
	final, states := checkOrder(t, msgs)
	if final["groups"] != StatusIncomplete || final["users"] != StatusComplete || final["logs"] != StatusComplete {
		t.Errorf("final statuses %v", final)
	}
	if states["groups"] != nil {
		t.Errorf("a state for the failed stream: %s", states["groups"])
	}
	var traced bool
	for _, m := range msgs {
		if m["type"] != TypeTrace {
			continue
		}
		e, ok := m["trace"].(map[string]any)["error"].(map[string]any)
		if ok && e["stream_descriptor"].(map[string]any)["name"] == "groups" && e["failure_type"] == FailureTransient {
			traced = true
		}
	}
	if !traced {
		t.Errorf("no transient error trace for groups:\n%s", out)
	}
}

func TestCheck(t *testing.T) {
	x := newExchange(t)
	for _, tc := range []struct {
		token, want string
	}{{exchangeToken, "SUCCEEDED"}, {"wrong-token-value", "FAILED"}} {
		var out bytes.Buffer
		em := NewEmitter(&out, x.clock.Now)
		cfg := Config{Domain: x.srv.URL, Credentials: Credentials{AuthType: AuthAPIToken, APIToken: tc.token}}
		if err := Check(context.Background(), cfg, Options{Emitter: em, Clock: x.clock, Logger: NewLogger(em, 0)}); err != nil {
			t.Fatal(err)
		}
		msgs := messages(t, out.Bytes())
		var status string
		for _, m := range msgs {
			if m["type"] == TypeConnectionStatus {
				status = m["connectionStatus"].(map[string]any)["status"].(string)
			}
		}
		if status != tc.want {
			t.Errorf("token %s: status %q, want %q\n%s", tc.token[:5], status, tc.want, out.Bytes())
		}
		if strings.Contains(out.String(), tc.token) {
			t.Errorf("the token appears in check's messages")
		}
	}
}

func TestStateRoundTrip(t *testing.T) {
	list := `[{"type":"STREAM","stream":{"stream_descriptor":{"name":"users"},"stream_state":{"lastUpdated":"2026-01-02T03:04:05.000Z"}}},
	          {"type":"STREAM","stream":{"stream_descriptor":{"name":"logs"},"stream_state":{"published":"2026-01-02T03:04:05.000Z","next":"/api/v1/logs?after=x"}}}]`
	got, err := ParseState([]byte(list))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]extract.StreamState{
		"users": {LastUpdated: "2026-01-02T03:04:05.000Z"},
		"logs":  {Published: "2026-01-02T03:04:05.000Z", Next: "/api/v1/logs?after=x"},
	}
	if len(got) != 2 || got["users"] != want["users"] || got["logs"] != want["logs"] {
		t.Errorf("got %+v", got)
	}
	legacy, err := ParseState([]byte(`{"users":{"lastUpdated":"2026-01-02T03:04:05.000Z"}}`))
	if err != nil || legacy["users"] != want["users"] {
		t.Errorf("legacy state: %+v, %v", legacy, err)
	}
	for _, bad := range []string{`[{"type":"GLOBAL","global":{}}]`, `[{"type":"STREAM","stream":{"stream_descriptor":{"name":""}}}]`, `[1]`} {
		if _, err := ParseState([]byte(bad)); err == nil || !strings.Contains(err.Error(), "state[0]") {
			t.Errorf("ParseState(%s): %v, want an error naming state[0]", bad, err)
		}
	}
}
