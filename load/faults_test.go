package load

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/porttest"
)

// TestPortFaults loads 200 users through Port failures and checks that
// nothing is lost: every record is either an entity in Port or a dead
// letter carrying Port's reason.
func TestPortFaults(t *testing.T) {
	huge := userRecord(7)
	huge["profile"].(map[string]any)["lastName"] = strings.Repeat("x", 10000)
	badStatus := func(i int) map[string]any {
		r := userRecord(i)
		r["status"] = 42 // the blueprint wants a string
		return r
	}
	tests := []struct {
		name    string
		server  porttest.Options
		client  port.Config
		records func() []map[string]any
		// failed are the user indexes Port must refuse, with the status
		// and the words its reason must contain.
		failed     map[int]int
		reasonHas  []string // Port's error code and words of its message
		checkStats func(t *testing.T, srv porttest.Stats, cli port.Stats)
	}{
		{
			name: "207 partial",
			records: func() []map[string]any {
				rs := users(0, 200)
				for _, i := range []int{3, 50, 51, 199} {
					rs[i] = badStatus(i)
				}
				return rs
			},
			failed:    map[int]int{3: 422, 50: 422, 51: 422, 199: 422},
			reasonHas: []string{"port 422 invalid_property_value: ", "status"},
		},
		{
			name:   "413 body too large",
			server: porttest.Options{MaxBodyBytes: 8 << 10},
			records: func() []map[string]any {
				rs := users(0, 200)
				rs[7] = huge // over the limit on its own
				return rs
			},
			failed:    map[int]int{7: 413},
			reasonHas: []string{"port 413 request_too_large: ", "too large"},
			checkStats: func(t *testing.T, srv porttest.Stats, cli port.Stats) {
				if srv.TooLarge == 0 || cli.Splits == 0 {
					t.Errorf("413s=%d splits=%d: the fault was not exercised", srv.TooLarge, cli.Splits)
				}
			},
		},
		{
			name: "429 rate limited",
			server: porttest.Options{RateLimit: 3, Window: time.Second,
				Faults: []porttest.Fault{{From: 2, Count: 2, Status: http.StatusTooManyRequests, Reset: 200 * time.Millisecond}}},
			records: func() []map[string]any { return users(0, 200) },
			checkStats: func(t *testing.T, srv porttest.Stats, cli port.Stats) {
				if srv.RateLimited < 2 || cli.RateLimitWaits < 2 {
					t.Errorf("429s=%d waits=%d: want at least the two injected", srv.RateLimited, cli.RateLimitWaits)
				}
			},
		},
		{
			name: "5xx",
			server: porttest.Options{Faults: []porttest.Fault{
				{From: 1, Count: 2, Status: http.StatusInternalServerError},
				{From: 6, Count: 1, Status: http.StatusServiceUnavailable},
				{From: 9, Count: 1, Status: http.StatusBadGateway},
			}},
			records: func() []map[string]any { return users(0, 200) },
			checkStats: func(t *testing.T, srv porttest.Stats, cli port.Stats) {
				if cli.Retries < 4 {
					t.Errorf("client retried %d times, want at least the 4 injected faults", cli.Retries)
				}
			},
		},
		{
			name:    "401 token revoked",
			server:  porttest.Options{Faults: []porttest.Fault{{From: 3, Count: 1, Status: http.StatusUnauthorized}}},
			records: func() []map[string]any { return users(0, 200) },
			checkStats: func(t *testing.T, srv porttest.Stats, cli port.Stats) {
				if srv.TokensIssued < 2 {
					t.Errorf("%d tokens issued, want a renewal after the 401", srv.TokensIssued)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newStore(t)
			recs := tt.records()
			putObject(t, store, dataKey("users", "01_1000_0"), recs[:100])
			putObject(t, store, dataKey("users", "01_1000_1"), recs[100:])
			pe := newPort(t, portSetup{server: tt.server, client: tt.client})
			sum := run(t, newLoader(t, store, pe, Config{BatchSize: 60}))

			for i := range recs {
				_, ok := pe.srv.Entity("okta_user", userID(i))
				if _, fails := tt.failed[i]; ok == fails {
					t.Errorf("user %d: in Port = %v, refused = %v", i, ok, fails)
				}
			}
			if got, want := pe.count("okta_user"), len(recs)-len(tt.failed); got != want {
				t.Errorf("%d entities in Port, want %d", got, want)
			}
			_, dls := deadLettersIn(t, store, "data")
			if len(dls) != len(tt.failed) {
				t.Fatalf("%d dead letters, want %d: %+v", len(dls), len(tt.failed), dls)
			}
			for _, dl := range dls {
				var rec struct {
					ID string `json:"id"`
				}
				if err := json.Unmarshal(dl.Record, &rec); err != nil {
					t.Fatalf("dead letter record: %v", err)
				}
				var idx int
				if _, err := fmt.Sscanf(rec.ID, "00u%d", &idx); err != nil {
					t.Fatalf("dead letter for unexpected record %q", rec.ID)
				}
				status, want := tt.failed[idx]
				switch {
				case !want:
					t.Errorf("user %d dead-lettered but should load: %s", idx, dl.Reason)
				case dl.Status != status:
					t.Errorf("user %d: dead letter status %d, want %d", idx, dl.Status, status)
				}
				for _, w := range tt.reasonHas {
					if !strings.Contains(dl.Reason, w) {
						t.Errorf("user %d: reason %q lacks %q", idx, dl.Reason, w)
					}
				}
				if dl.Blueprint != "okta_user" || dl.MappingIndex == nil || *dl.MappingIndex != 0 || dl.Stream != "users" {
					t.Errorf("dead letter lacks its origin: blueprint %q mapping %v stream %q", dl.Blueprint, dl.MappingIndex, dl.Stream)
				}
				wantKey := dataKey("users", "01_1000_0")
				if idx >= 100 {
					wantKey = dataKey("users", "01_1000_1")
				}
				if dl.ObjectKey != wantKey || dl.Line != idx%100+1 {
					t.Errorf("user %d: dead letter at %s:%d, want %s:%d", idx, dl.ObjectKey, dl.Line, wantKey, idx%100+1)
				}
				if dl.Entity == nil {
					t.Errorf("user %d: dead letter has no entity", idx)
				}
			}
			if got := sum.DeadLettered(); got != int64(len(tt.failed)) {
				t.Errorf("summary counts %d dead-lettered, want %d", got, len(tt.failed))
			}
			if got, want := sum.Entities(), int64(len(recs)-len(tt.failed)); got != want {
				t.Errorf("summary counts %d entities, want %d", got, want)
			}
			if cp := readCheckpoint(t, store, "data", "default"); len(cp.Streams["users"].Done) != 2 {
				t.Errorf("checkpoint holds %d objects, want both", len(cp.Streams["users"].Done))
			}
			if tt.checkStats != nil {
				tt.checkStats(t, pe.srv.Stats(), pe.client.Stats())
			}
		})
	}
}
