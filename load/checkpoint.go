package load

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/oktalake/oktalake/lake"
)

// Checkpoint records which objects are loaded, per stream. It lives at
// lake.CheckpointKey, its archives at lake.ArchiveKey.
//
// Whether an object is loaded depends on the checkpoint's record of its key
// alone, never on its modification time: objects copied with their times
// preserved (cp -p, rsync -a, a migrated Airbyte bucket) look old and must
// still load, and a key that sorts before keys already loaded (a concurrent
// extract's slow upload) must load too, so neither a time nor a key
// high-water mark can stand for "loaded".
//
// To stay small, each stream keeps the keys loaded since its last
// compaction in Done; compaction moves them into an archive object beside
// the checkpoint (sorted keys, gzip), which the checkpoint summarises by its
// greatest key, its key count and a digest of its keys. A listing proves
// that every listed key up to the greatest archived one is archived when
// their count and digest match the summary (listed keys in Done left out),
// so the archive is read only when they do not: a key arrived below it, or
// archived objects were deleted. A year of hourly objects is then a
// checkpoint of a few KB and an archive of a few tens of KB per stream.
//
// Migration: checkpoints written before archives had "doneBefore", a time
// before which every listed object counted as loaded by its modification
// time. Keys in done stay done; doneBefore is dropped and objects it alone
// covered load again once (Port upserts are idempotent): a time cannot tell
// the objects it covered from objects copied in with old times, which is
// the defect it caused.
type Checkpoint struct {
	Streams map[string]*StreamCheckpoint `json:"streams"`
}

// StreamCheckpoint is one stream's loaded objects.
type StreamCheckpoint struct {
	// Done maps each key loaded since the last compaction to its object's
	// last-modified time (kept for people reading the file; never used to
	// decide anything).
	Done map[string]time.Time `json:"done"`
	// Archive summarises the keys compacted out of Done; nil before the
	// first compaction.
	Archive *ArchiveRef `json:"archive,omitempty"`
	// LegacyDoneBefore is read from checkpoints of earlier versions only to
	// say it is ignored (see Checkpoint); it is never written.
	LegacyDoneBefore time.Time `json:"doneBefore,omitzero"`
	// Objects and Records count what was loaded since the checkpoint began.
	Objects int64 `json:"objects"`
	Records int64 `json:"records"`
}

// ArchiveRef locates and summarises a stream's archive of loaded keys.
type ArchiveRef struct {
	// Key is the archive object: the keys, sorted, one a line, gzip.
	Key string `json:"key"`
	// Through is the greatest archived key.
	Through string `json:"through"`
	// Count and Digest are the number of archived keys and the sum of
	// their 64-bit FNV-1a hashes (hex), which a listing is checked against.
	Count  int    `json:"count"`
	Digest string `json:"digest"`
}

// defaultCompactAt is how many keys Done holds before a pass compacts them
// into the archive: it bounds the checkpoint, which is written after every
// object, to about 64 keys per stream.
const defaultCompactAt = 64

type checkpointStore struct {
	mu        sync.Mutex
	store     lake.Store
	key       string
	archiveOf func(stream string) string
	compactAt int
	log       *slog.Logger
	cp        Checkpoint
	// readOnly (a plan) never compacts: a plan writes nothing.
	readOnly bool
}

func loadCheckpoint(ctx context.Context, cfg Config) (*checkpointStore, error) {
	cs := &checkpointStore{
		store:     cfg.Store,
		key:       lake.CheckpointKey(cfg.Prefix, cfg.Name),
		archiveOf: func(stream string) string { return lake.ArchiveKey(cfg.Prefix, cfg.Name, stream) },
		compactAt: defaultCompactAt,
		log:       cfg.Logger,
		readOnly:  cfg.Plan,
	}
	if _, err := lake.ReadJSON(ctx, cs.store, cs.key, &cs.cp); err != nil {
		return nil, fmt.Errorf("reading loader checkpoint %s: %w", cs.key, err)
	}
	if cs.cp.Streams == nil {
		cs.cp.Streams = map[string]*StreamCheckpoint{}
	}
	for name, sc := range cs.cp.Streams {
		if !sc.LegacyDoneBefore.IsZero() {
			cs.log.Warn("loader checkpoint from an earlier version: its doneBefore time is ignored, so objects it alone counted as loaded load again once",
				"checkpoint", cs.key, "stream", name, "doneBefore", sc.LegacyDoneBefore, "keys kept", len(sc.Done))
			sc.LegacyDoneBefore = time.Time{}
		}
	}
	return cs, nil
}

func (cs *checkpointStore) stream(name string) *StreamCheckpoint {
	sc := cs.cp.Streams[name]
	if sc == nil {
		sc = &StreamCheckpoint{}
		cs.cp.Streams[name] = sc
	}
	if sc.Done == nil {
		sc.Done = map[string]time.Time{}
	}
	return sc
}

// pending returns the listed objects of a stream that are not loaded (keys
// below the archive's last after the others). listed must be a complete listing of the stream's data
// objects: it is what proves the archive current, and what compaction keeps
// (keys no longer listed leave the checkpoint).
func (cs *checkpointStore) pending(ctx context.Context, stream string, listed []lake.ObjectInfo) ([]lake.ObjectInfo, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	sc := cs.stream(stream)
	var (
		out      []lake.ObjectInfo
		below    []lake.ObjectInfo // not in Done, at or below the archive's greatest key
		belowSum uint64
	)
	for _, o := range listed {
		switch {
		case hasKey(sc.Done, o.Key):
		case sc.Archive != nil && o.Key <= sc.Archive.Through:
			below = append(below, o)
			belowSum += keyHash(o.Key)
		default:
			out = append(out, o)
		}
	}
	archived := below // proven archived by count and digest, or read below
	stale := false
	if sc.Archive != nil && (len(below) != sc.Archive.Count || digestString(belowSum) != sc.Archive.Digest) {
		set, err := cs.readArchive(ctx, sc.Archive.Key)
		if err != nil {
			return nil, err
		}
		archived = nil
		for _, o := range below {
			if set[o.Key] {
				archived = append(archived, o)
			} else {
				out = append(out, o)
			}
		}
		stale = true
		cs.log.Debug("loader archive does not match the listing; read it", "stream", stream, "archive", sc.Archive.Key,
			"archived", sc.Archive.Count, "listed below its last key", len(below), "pending there", len(below)-len(archived))
	}
	if (stale || len(sc.Done) >= cs.compactAt) && !cs.readOnly {
		if err := cs.compactLocked(ctx, stream, sc, archived, listed); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// compactLocked writes a new archive of every listed key that is loaded
// (archived ones, and those in Done), then the checkpoint without them in
// Done. The archive comes first: if the checkpoint write fails, the old
// summary stands, and an archive holds only loaded keys whatever it is
// checked against.
func (cs *checkpointStore) compactLocked(ctx context.Context, stream string, sc *StreamCheckpoint, archived, listed []lake.ObjectInfo) error {
	keys := make([]string, 0, len(archived)+len(sc.Done))
	for _, o := range archived {
		keys = append(keys, o.Key)
	}
	for _, o := range listed {
		if hasKey(sc.Done, o.Key) {
			keys = append(keys, o.Key)
		}
	}
	if len(keys) == 0 {
		// Every loaded object is gone from the bucket: nothing to archive.
		if sc.Archive == nil {
			return nil
		}
		prevArchive, prevDone := sc.Archive, sc.Done
		sc.Archive, sc.Done = nil, map[string]time.Time{}
		if err := cs.saveLocked(ctx); err != nil {
			sc.Archive, sc.Done = prevArchive, prevDone
			return err
		}
		_ = cs.store.Delete(ctx, prevArchive.Key) // unreferenced now; a leftover is harmless
		return nil
	}
	slices.Sort(keys)
	ref := &ArchiveRef{Key: cs.archiveOf(stream), Through: keys[len(keys)-1], Count: len(keys)}
	var sum uint64
	var text bytes.Buffer
	for _, k := range keys {
		sum += keyHash(k)
		text.WriteString(k)
		text.WriteByte('\n')
	}
	ref.Digest = digestString(sum)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(text.Bytes()); err != nil {
		return fmt.Errorf("compressing loader archive %s: %w", ref.Key, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compressing loader archive %s: %w", ref.Key, err)
	}
	if err := cs.store.Put(ctx, ref.Key, gz.Bytes()); err != nil {
		return fmt.Errorf("writing loader archive %s: %w", ref.Key, err)
	}
	prevArchive, prevDone := sc.Archive, sc.Done
	sc.Archive, sc.Done = ref, map[string]time.Time{}
	if err := cs.saveLocked(ctx); err != nil {
		sc.Archive, sc.Done = prevArchive, prevDone
		return err
	}
	cs.log.Debug("loader checkpoint compacted", "stream", stream, "archive", ref.Key, "keys", ref.Count)
	return nil
}

func (cs *checkpointStore) readArchive(ctx context.Context, key string) (map[string]bool, error) {
	set, err := ReadArchive(ctx, cs.store, key)
	if errors.Is(err, lake.ErrNotExist) {
		return nil, fmt.Errorf("the checkpoint %s refers to it (delete the checkpoint to load every object again): %w", cs.key, err)
	}
	return set, err
}

// ReadArchive reads the loader archive at key (named by a checkpoint's
// Archive): the object keys compacted out of the checkpoint, sorted, one a
// line, gzip. A missing archive is an error wrapping lake.ErrNotExist.
func ReadArchive(ctx context.Context, s lake.Store, key string) (map[string]bool, error) {
	rc, err := s.Open(ctx, key)
	if errors.Is(err, lake.ErrNotExist) {
		return nil, fmt.Errorf("reading loader archive %s: it is missing: %w", key, err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading loader archive %s: %w", key, err)
	}
	defer rc.Close()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		return nil, fmt.Errorf("reading loader archive %s: %w", key, err)
	}
	set := map[string]bool{}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if k := sc.Text(); k != "" {
			set[k] = true
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading loader archive %s: %w", key, err)
	}
	return set, nil
}

// markDone records a loaded object and writes the checkpoint.
func (cs *checkpointStore) markDone(ctx context.Context, stream string, o lake.ObjectInfo, records int64) error {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	sc := cs.stream(stream)
	sc.Done[o.Key] = o.LastModified.UTC()
	sc.Objects++
	sc.Records += records
	return cs.saveLocked(ctx)
}

func (cs *checkpointStore) saveLocked(ctx context.Context) error {
	if err := lake.WriteJSON(ctx, cs.store, cs.key, cs.cp); err != nil {
		return fmt.Errorf("writing loader checkpoint %s: %w", cs.key, err)
	}
	return nil
}

func hasKey(done map[string]time.Time, key string) bool {
	_, ok := done[key]
	return ok
}

// keyHash is a key's 64-bit FNV-1a hash; digests add them up, so a digest
// does not depend on order and a changed set of keys changes it.
func keyHash(key string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= prime
	}
	return h
}

func digestString(sum uint64) string { return strconv.FormatUint(sum, 16) }

// loadedBefore reports whether the checkpoint says objects of stream were
// loaded (so Port holds what they produced).
func (cs *checkpointStore) loadedBefore(stream string) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	sc := cs.cp.Streams[stream]
	return sc != nil && (len(sc.Done) > 0 || sc.Archive != nil && sc.Archive.Count > 0)
}
