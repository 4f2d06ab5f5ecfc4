package lake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The sync contract: how the lake names runs, snapshots and deletes, so
// that any reader (load, DuckDB, Athena, Port's S3 ingestion) can tell what
// Okta holds now, not only what it ever held.
//
//	<prefix>/_oktalake/manifests/<namespace>/<stream>/<sync_id>.json  ManifestKey
//	<prefix>/_oktalake/index/<namespace>/<stream>.jsonl.gz           IndexKey (extract's key index)
//	<prefix>/_oktalake/ledger/<loader>/<stream>/<shard>.jsonl.gz     LedgerPrefix (a loader's ownership record)

// TombstoneField marks a deleted record, as Airbyte's CDC sources do: a
// record whose _ab_cdc_deleted_at is set says the record with its primary
// key (and parent id) no longer exists, as of that time.
const TombstoneField = "_ab_cdc_deleted_at"

// DeletedByField says why extract wrote a tombstone (one of the DeletedBy
// values); readers may ignore it.
const DeletedByField = "_oktalake_deleted_by"

// Reasons for a tombstone, in DeletedByField.
const (
	// DeletedBySnapshot: the key was in the previous complete snapshot of a
	// full-refresh stream and is not in this one.
	DeletedBySnapshot = "snapshot"
	// DeletedByParent: a child no longer listed under its re-listed parent
	// (or its parent is gone).
	DeletedByParent = "parent"
	// DeletedByReconcile: a periodic full re-listing no longer finds the key.
	DeletedByReconcile = "reconcile"
	// DeletedByEventPrefix starts the reason of a tombstone written for a
	// System Log event: "event:" + the event type.
	DeletedByEventPrefix = "event:"
)

// KeyField is one primary-key field of a tombstone and its value.
type KeyField struct {
	Name, Value string
}

// NewTombstone builds the tombstone of the record with the given key
// fields (the primary key, parent id first for fan-out streams), deleted at
// at for reason by (a DeletedBy value; "" leaves DeletedByField out).
func NewTombstone(key []KeyField, at time.Time, by string) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for _, f := range key {
		appendMember(&b, f.Name, f.Value)
		b.WriteByte(',')
	}
	appendMember(&b, TombstoneField, FormatTime(at))
	if by != "" {
		b.WriteByte(',')
		appendMember(&b, DeletedByField, by)
	}
	b.WriteByte('}')
	return b.Bytes()
}

func appendMember(b *bytes.Buffer, name, value string) {
	k, _ := json.Marshal(name) // marshalling a string cannot fail
	v, _ := json.Marshal(value)
	b.Write(k)
	b.WriteByte(':')
	b.Write(v)
}

// IsTombstone reports whether record is a tombstone: a JSON object whose
// TombstoneField is present and not null. It decodes only that member.
func IsTombstone(record json.RawMessage) bool {
	if !bytes.Contains(record, []byte(`"`+TombstoneField+`"`)) {
		return false // the common case, without decoding
	}
	var v struct {
		DeletedAt json.RawMessage `json:"_ab_cdc_deleted_at"`
	}
	if json.Unmarshal(record, &v) != nil {
		return false
	}
	return len(v.DeletedAt) > 0 && string(v.DeletedAt) != "null"
}

// FormatTime renders a time as Okta does and tombstones carry it: UTC
// RFC 3339 with milliseconds.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Manifest kinds.
const (
	// ManifestFull is a full snapshot: every record the stream holds was
	// written in this sync (a full-refresh run, a reconcile).
	ManifestFull = "full"
	// ManifestIncremental holds the records changed since the previous sync
	// (and tombstones): nothing can be inferred about records absent from it.
	ManifestIncremental = "incremental"
	// ManifestPerParent is a full snapshot of the children of each parent in
	// Parents (and of none under DeletedParents): the rest is unchanged.
	ManifestPerParent = "per_parent"
)

// Manifest describes what one extract run wrote for one stream. It is
// written last, after the objects, the state and the key index, so a
// complete manifest means all of it is there.
type Manifest struct {
	Stream    string `json:"stream"`
	Namespace string `json:"namespace"`
	// SyncID is the run's sync id (Airbyte's _airbyte_meta.sync_id);
	// GenerationID is the stream's _airbyte_generation_id in this run.
	SyncID       int64 `json:"syncId"`
	GenerationID int64 `json:"generationId"`
	// Kind is ManifestFull, ManifestIncremental or ManifestPerParent.
	Kind string `json:"kind"`
	// Complete is true only when the run read everything Kind promises and
	// committed every object; readers trust a snapshot only then.
	Complete bool `json:"complete"`
	// Reason says why a manifest is not complete.
	Reason     string           `json:"reason,omitempty"`
	StartedAt  time.Time        `json:"startedAt"`
	FinishedAt time.Time        `json:"finishedAt"`
	Objects    []ManifestObject `json:"objects"`
	// Records and Tombstones count the lines of all objects.
	Records    int64 `json:"records"`
	Tombstones int64 `json:"tombstones"`
	// Parents are the parents re-listed in full (ManifestPerParent).
	Parents []string `json:"parents,omitempty"`
	// DeletedParents are parents whose every child was tombstoned because
	// the parent itself is gone.
	DeletedParents []string `json:"deletedParents,omitempty"`
}

// ManifestObject is one committed object of a manifest.
type ManifestObject struct {
	Key        string `json:"key"`
	Records    int64  `json:"records"`
	Tombstones int64  `json:"tombstones,omitempty"`
	Bytes      int64  `json:"bytes"`
}

// syncIDDigits pads sync ids in manifest keys so that key order is sync order.
const syncIDDigits = 12

// ManifestsPrefix is where the manifests of a stream live.
func ManifestsPrefix(prefix, namespace, stream string) string {
	return JoinKey(prefix, MetaDir, "manifests", namespace, stream) + "/"
}

// ManifestKey is the key of the manifest of stream for sync id syncID.
func ManifestKey(prefix, namespace, stream string, syncID int64) string {
	id := strconv.FormatInt(syncID, 10)
	if pad := syncIDDigits - len(id); pad > 0 {
		id = strings.Repeat("0", pad) + id
	}
	return ManifestsPrefix(prefix, namespace, stream) + id + ".json"
}

// WriteManifest writes m at its key (a rewrite of the same sync replaces it).
func WriteManifest(ctx context.Context, s Store, prefix string, m Manifest) error {
	key := ManifestKey(prefix, m.Namespace, m.Stream, m.SyncID)
	if err := WriteJSON(ctx, s, key, m); err != nil {
		return fmt.Errorf("writing manifest %s: %w", key, err)
	}
	return nil
}

// ListManifests returns the manifests of stream with a sync id above
// afterSync, in sync order. A manifest that does not decode is an error
// naming its key: a reader must not guess what a snapshot held.
func ListManifests(ctx context.Context, s Store, prefix, namespace, stream string, afterSync int64) ([]Manifest, error) {
	base := ManifestsPrefix(prefix, namespace, stream)
	start := ""
	if afterSync > 0 {
		start = ManifestKey(prefix, namespace, stream, afterSync)
	}
	var keys []string
	err := s.List(ctx, base, start, func(o ObjectInfo) error {
		if strings.HasSuffix(o.Key, ".json") {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing manifests under %s: %w", base, err)
	}
	sort.Strings(keys)
	out := make([]Manifest, 0, len(keys))
	for _, k := range keys {
		var m Manifest
		found, err := ReadJSON(ctx, s, k, &m)
		if err != nil {
			return nil, fmt.Errorf("reading manifest: %w", err)
		}
		if found && m.SyncID > afterSync {
			out = append(out, m)
		}
	}
	return out, nil
}

// IndexKey is where extract keeps the keys a stream holds now (its key
// index), to tell what a new snapshot no longer lists.
func IndexKey(prefix, namespace, stream string) string {
	return JoinKey(prefix, MetaDir, "index", namespace, stream+".jsonl.gz")
}

// LedgerPrefix is where the loader named loader keeps its ledger of stream:
// for each record key, the entities its last version produced in Port.
func LedgerPrefix(prefix, loader, stream string) string {
	return JoinKey(prefix, MetaDir, "ledger", loader, stream) + "/"
}
