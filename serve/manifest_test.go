package serve

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/status"
	"github.com/oktalake/oktalake/streams"
)

// syncIDs reads _airbyte_meta.sync_id of every line of stream's objects.
func (e *env) syncIDs(stream string) []int64 {
	e.t.Helper()
	ctx := context.Background()
	prefix := lake.JoinKey(lake.DefaultPrefix, lake.DefaultNamespace, stream) + "/"
	var out []int64
	if err := e.store.List(ctx, prefix, "", func(o lake.ObjectInfo) error {
		if !lake.IsDataObject(o.Key) {
			return nil
		}
		rc, err := e.store.Open(ctx, o.Key)
		if err != nil {
			return err
		}
		defer rc.Close()
		zr, err := gzip.NewReader(rc)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line struct {
				Meta struct {
					SyncID int64 `json:"sync_id"`
				} `json:"_airbyte_meta"`
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				return err
			}
			out = append(out, line.Meta.SyncID)
		}
		return sc.Err()
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// serve's commits take sync ids from the namespace's counter in extract's
// state (after the last extract's, never the same) and each gets an
// incremental manifest, so `oktalake status` shows serve's writes.
func TestCommitsHaveSyncIDsAndManifests(t *testing.T) {
	dir := t.TempDir()
	st, err := lake.NewLocalStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// An extract ran before: sync id 41.
	if err := lake.WriteJSON(ctx, st, lake.StateKey(lake.DefaultPrefix, lake.DefaultNamespace), extract.State{SyncID: 41, Streams: map[string]extract.StreamState{}}); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{okta: true, dir: dir})
	user := e.okta.Org().UserID(2)
	if status, msg := e.post(testSecret, body(ev("m1", "user.lifecycle.suspend", testNow, "User:"+user))); status != http.StatusOK {
		t.Fatalf("%d %s", status, msg)
	}
	eventually(t, "the refresh", func() bool { return len(e.records("users")) == 1 })
	e.stop()

	evIDs, userIDs := e.syncIDs(streams.EventHookStream), e.syncIDs("users")
	if len(evIDs) != 1 || len(userIDs) != 1 || evIDs[0] <= 41 || userIDs[0] <= evIDs[0] {
		t.Fatalf("sync ids: events %v, users %v; want each above the extract's 41, the refresh after the commit", evIDs, userIDs)
	}
	var state extract.State
	if _, err := lake.ReadJSON(ctx, st, lake.StateKey(lake.DefaultPrefix, lake.DefaultNamespace), &state); err != nil {
		t.Fatal(err)
	}
	if state.SyncID != userIDs[0] {
		t.Errorf("state sync id %d, want %d (the last one serve took), so the next extract takes a new one", state.SyncID, userIDs[0])
	}
	for stream, id := range map[string]int64{streams.EventHookStream: evIDs[0], "users": userIDs[0]} {
		ms, err := lake.ListManifests(ctx, st, lake.DefaultPrefix, lake.DefaultNamespace, stream, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 1 {
			t.Fatalf("%s: %d manifests, want 1", stream, len(ms))
		}
		m := ms[0]
		if m.SyncID != id || m.Kind != lake.ManifestIncremental || !m.Complete || len(m.Objects) != 1 || m.Records != 1 || m.Objects[0].Bytes == 0 {
			t.Errorf("%s manifest %+v, want sync %d, incremental, complete, one object of one record", stream, m, id)
		}
	}
	rep, err := status.Collect(ctx, status.Config{Store: st, Prefix: lake.DefaultPrefix, Namespace: lake.DefaultNamespace, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]int64{}
	for _, s := range rep.Streams {
		if s.LastRun != nil {
			shown[s.Stream] = s.LastRun.SyncID
		}
	}
	if shown[streams.EventHookStream] != evIDs[0] || shown["users"] != userIDs[0] {
		t.Errorf("status shows last runs %v, want serve's syncs", shown)
	}
}
