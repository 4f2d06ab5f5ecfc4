package lake

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

func TestTombstones(t *testing.T) {
	at := time.Date(2026, 11, 20, 12, 0, 0, 123456789, time.FixedZone("x", 3600))
	tomb := NewTombstone([]KeyField{{"groupId", "00g1"}, {"id", `00"u2`}}, at, DeletedByParent)
	var got map[string]any
	if err := json.Unmarshal(tomb, &got); err != nil {
		t.Fatalf("tombstone %s is not JSON: %v", tomb, err)
	}
	want := map[string]any{"groupId": "00g1", "id": `00"u2`, TombstoneField: "2026-11-20T11:00:00.123Z", DeletedByField: "parent"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("tombstone %s: %s = %v, want %v", tomb, k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("tombstone %s has other members", tomb)
	}
	if !IsTombstone(tomb) {
		t.Errorf("IsTombstone(%s) = false", tomb)
	}
	for rec, want := range map[string]bool{
		`{"id":"00u1"}`: false,
		`{"id":"00u1","_ab_cdc_deleted_at":null}`:         false,
		`{"id":"00u1","_ab_cdc_deleted_at":"2026-01-01"}`: true,
		`{"note":"_ab_cdc_deleted_at"}`:                   false,
		`{"_ab_cdc_deleted_at":`:                          false,
		`{"id":"x","profile":{"_ab_cdc_deleted_at":"y"}}`: false,
	} {
		if got := IsTombstone(json.RawMessage(rec)); got != want {
			t.Errorf("IsTombstone(%s) = %v, want %v", rec, got, want)
		}
	}
	if s := NewTombstone([]KeyField{{"id", "a"}}, at, ""); IsTombstone(s) != true || json.Valid(s) != true {
		t.Errorf("tombstone without a reason: %s", s)
	}
}

func TestManifestsListInSyncOrder(t *testing.T) {
	ctx := context.Background()
	store, err := NewLocalStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{2, 10, 1, 9} {
		m := Manifest{Stream: "users", Namespace: "okta", SyncID: id, Kind: ManifestIncremental, Complete: id != 9}
		if err := WriteManifest(ctx, store, "data", m); err != nil {
			t.Fatal(err)
		}
	}
	// Another stream's manifests are not listed.
	if err := WriteManifest(ctx, store, "data", Manifest{Stream: "users_x", Namespace: "okta", SyncID: 5}); err != nil {
		t.Fatal(err)
	}
	if k := ManifestKey("data", "okta", "users", 10); k != "data/_oktalake/manifests/okta/users/000000000010.json" {
		t.Errorf("ManifestKey = %s", k)
	}
	all, err := ListManifests(ctx, store, "data", "okta", "users", 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, m := range all {
		ids = append(ids, m.SyncID)
	}
	if len(ids) != 4 || ids[0] != 1 || ids[1] != 2 || ids[2] != 9 || ids[3] != 10 {
		t.Fatalf("manifests in order %v, want [1 2 9 10]", ids)
	}
	if all[2].Complete {
		t.Error("manifest 9 read back complete")
	}
	after, err := ListManifests(ctx, store, "data", "okta", "users", 2)
	if err != nil || len(after) != 2 || after[0].SyncID != 9 {
		t.Fatalf("after 2: %v, %v", after, err)
	}
	if err := store.Put(ctx, ManifestKey("data", "okta", "users", 11), []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	if _, err := ListManifests(ctx, store, "data", "okta", "users", 0); err == nil {
		t.Error("a manifest that does not decode was skipped without an error")
	}
}
