package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/oktalake/oktalake/lake"
)

// The key index of a stream is the set of record keys (streams.KeyOf) the
// lake holds for it now: what the previous complete snapshot listed, with
// the changes and tombstones of every run since. A new snapshot is diffed
// against it to find what Okta no longer holds.
//
// It lives at lake.IndexKey: a gzip JSONL object whose first line is an
// indexHead. A small index (one shard) has its keys, sorted JSON strings,
// on the lines after the head. A larger one is split into a power of two
// of shards by a hash of each key's partition (the parent id for fan-out
// streams, so a parent's children share a shard; the key itself
// otherwise); each shard is an object under the index key without its
// extension (<stream>/<sync>-<n>.jsonl.gz) of sorted keys, the head naming
// them in shard order. A run works one shard at a time, so memory is
// bounded by a shard, not by the stream. Shards are written before the
// head that names them and removed once no head names them, so the head
// always names shards that exist; the shard count only grows.

// defaultShardKeys is about how many keys one shard holds (a few MB gzip).
const defaultShardKeys = 200_000

// partitions is the finest split of keys: shard counts divide it, so a
// shard is a union of partitions and growing the count splits shards.
const partitions = 256

// partitionOf is the partition of a key's partition value.
func partitionOf(part string) int {
	h := fnv.New32a()
	h.Write([]byte(part))
	return int(h.Sum32() % partitions)
}

// indexHead is the first line of an index object.
type indexHead struct {
	Stream string `json:"stream"`
	SyncID int64  `json:"syncId"`
	Keys   int    `json:"keys"`
	// Shards are the keys of the shard objects in shard order; empty when
	// the index is one shard whose keys follow the head.
	Shards []string `json:"shards,omitempty"`
	// Counts are the keys in each shard.
	Counts []int `json:"counts,omitempty"`
}

// shardCount is how many shards the head splits keys into.
func (h indexHead) shardCount() int { return max(1, len(h.Shards)) }

// indexStore reads and writes key indexes.
type indexStore struct {
	store             lake.Store
	prefix, namespace string
	// shardKeys is about the most keys one shard holds (0: defaultShardKeys).
	shardKeys int
}

func (x indexStore) key(stream string) string { return lake.IndexKey(x.prefix, x.namespace, stream) }

func (x indexStore) perShard() int {
	if x.shardKeys > 0 {
		return x.shardKeys
	}
	return defaultShardKeys
}

// index is a stream's key index as read at the start of a run.
type index struct {
	x      indexStore
	stream string
	found  bool
	head   indexHead
	inline []string // the keys of a one-shard index
}

// open reads stream's index head; found is false when it has none (a
// first run, or an index lost).
func (x indexStore) open(ctx context.Context, stream string) (*index, error) {
	ix := &index{x: x, stream: stream}
	head, keys, err := x.readObject(ctx, x.key(stream), true)
	if errors.Is(err, lake.ErrNotExist) {
		return ix, nil
	}
	if err != nil {
		return nil, err
	}
	if len(head.Shards) > 0 && (head.shardCount()&(head.shardCount()-1) != 0 || head.shardCount() > partitions) {
		return nil, fmt.Errorf("reading key index %s: %d shards is not a power of two up to %d", x.key(stream), head.shardCount(), partitions)
	}
	ix.found, ix.head, ix.inline = true, head, keys
	return ix, nil
}

// shard reads the sorted keys of shard s.
func (ix *index) shard(ctx context.Context, s int) ([]string, error) {
	if !ix.found {
		return nil, nil
	}
	if len(ix.head.Shards) == 0 {
		return ix.inline, nil
	}
	_, keys, err := ix.x.readObject(ctx, ix.head.Shards[s], false)
	if err != nil {
		return nil, fmt.Errorf("reading key index %s: %w", ix.x.key(ix.stream), err)
	}
	return keys, nil
}

// load returns every key of stream's index, sorted (tests and small streams).
func (x indexStore) load(ctx context.Context, stream string) ([]string, bool, error) {
	ix, err := x.open(ctx, stream)
	if err != nil || !ix.found {
		return nil, false, err
	}
	var all []string
	for s := 0; s < ix.head.shardCount(); s++ {
		keys, err := ix.shard(ctx, s)
		if err != nil {
			return nil, false, err
		}
		all = append(all, keys...)
	}
	slices.Sort(all)
	return all, true, nil
}

// readObject reads one index object: the head first when withHead.
func (x indexStore) readObject(ctx context.Context, key string, withHead bool) (indexHead, []string, error) {
	var head indexHead
	rc, err := x.store.Open(ctx, key)
	if err != nil {
		return head, nil, err
	}
	defer rc.Close()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		return head, nil, fmt.Errorf("reading key index %s: %w", key, err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	var keys []string
	line := 0
	for sc.Scan() {
		line++
		if line == 1 && withHead {
			if err := json.Unmarshal(sc.Bytes(), &head); err != nil {
				return head, nil, fmt.Errorf("reading key index %s line 1 (the head): %w", key, err)
			}
			continue
		}
		var k string
		if err := json.Unmarshal(sc.Bytes(), &k); err != nil || k == "" {
			return head, nil, fmt.Errorf("reading key index %s line %d: not a key", key, line)
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return head, nil, fmt.Errorf("reading key index %s: %w", key, err)
	}
	if withHead && line == 0 {
		return head, nil, fmt.Errorf("reading key index %s: empty", key)
	}
	return head, keys, nil
}

// indexWriter builds a stream's next index shard by shard.
type indexWriter struct {
	x      indexStore
	stream string
	sync   int64
	old    *index
	// shards is the next shard count; objects the next shard objects (""
	// until written); inline the keys of a one-shard index.
	shards  []string
	counts  []int
	inline  []string
	keys    int
	changed bool
}

// next starts the next index of ix for about estimate keys: as many shards
// as before, doubled until a shard holds about shardKeys.
func (ix *index) next(sync int64, estimate int) *indexWriter {
	n := ix.head.shardCount()
	for n < partitions && estimate > n*ix.x.perShard() {
		n *= 2
	}
	w := &indexWriter{x: ix.x, stream: ix.stream, sync: sync, old: ix, changed: !ix.found || n != ix.head.shardCount()}
	if n > 1 {
		w.shards = make([]string, n)
		w.counts = make([]int, n)
	}
	return w
}

// canKeep says shard s can be carried over unread: the next index has the
// same shards as a sharded old one that counts its keys.
func (w *indexWriter) canKeep() bool {
	n := w.old.head.shardCount()
	return len(w.shards) > 1 && len(w.shards) == n && len(w.old.head.Shards) == n && len(w.old.head.Counts) == n
}

// keep carries old shard s over as it is (see canKeep).
func (w *indexWriter) keep(s int) {
	w.shards[s], w.counts[s] = w.old.head.Shards[s], w.old.head.Counts[s]
	w.keys += w.counts[s]
}

// put sets the keys (sorted) of the next shards that old shard s splits
// into; unchanged is true when they equal the old shard's keys.
func (w *indexWriter) put(ctx context.Context, s int, keys []string, unchanged bool) error {
	w.keys += len(keys)
	if len(w.shards) == 0 {
		w.inline = keys
		w.changed = w.changed || !unchanged
		return nil
	}
	oldN := w.old.head.shardCount()
	if unchanged && len(w.shards) == oldN && len(w.old.head.Shards) == oldN {
		w.shards[s], w.counts[s] = w.old.head.Shards[s], len(keys)
		return nil
	}
	w.changed = true
	n := len(w.shards)
	split := make(map[int][]string, n/oldN)
	for _, k := range keys {
		t := partitionOf(partitionKey(k)) % n
		split[t] = append(split[t], k)
	}
	for t := s; t < n; t += oldN {
		key := strings.TrimSuffix(w.x.key(w.stream), ".jsonl.gz") + "/" + strconv.FormatInt(w.sync, 10) + "-" + strconv.Itoa(t) + ".jsonl.gz"
		if err := w.x.writeShard(ctx, key, split[t]); err != nil {
			return err
		}
		w.shards[t], w.counts[t] = key, len(split[t])
	}
	return nil
}

// commit writes the head, when anything changed, and removes the shards
// no head names any more (the replaced ones, and those of failed runs).
func (w *indexWriter) commit(ctx context.Context) error {
	if !w.changed {
		return nil
	}
	key := w.x.key(w.stream)
	head := indexHead{Stream: w.stream, SyncID: w.sync, Keys: w.keys, Shards: w.shards, Counts: w.counts}
	var buf bytes.Buffer
	if err := encodeIndex(&buf, &head, w.inline); err != nil {
		return fmt.Errorf("writing key index %s: %w", key, err)
	}
	if err := w.x.store.Put(ctx, key, buf.Bytes()); err != nil {
		return fmt.Errorf("writing key index %s: %w", key, err)
	}
	keep := map[string]bool{}
	for _, sk := range w.shards {
		keep[sk] = true
	}
	dir := strings.TrimSuffix(key, ".jsonl.gz") + "/"
	var stale []string
	if err := w.x.store.List(ctx, dir, "", func(o lake.ObjectInfo) error {
		if !keep[o.Key] {
			stale = append(stale, o.Key)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("listing key index shards under %s: %w", dir, err)
	}
	for _, sk := range stale {
		if err := w.x.store.Delete(ctx, sk); err != nil {
			return fmt.Errorf("removing the replaced key index shard %s: %w", sk, err)
		}
	}
	return nil
}

// partitionKey is what a key is partitioned on: its first part (the parent
// id of a fan-out key, the id of a top-level one).
func partitionKey(key string) string {
	p, _, _ := strings.Cut(key, "/")
	return p
}

func (x indexStore) writeShard(ctx context.Context, key string, keys []string) error {
	w, err := x.store.Create(ctx, key)
	if err != nil {
		return fmt.Errorf("writing key index shard %s: %w", key, err)
	}
	if err := encodeIndex(w, nil, keys); err != nil {
		_ = w.Abort()
		return fmt.Errorf("writing key index shard %s: %w", key, err)
	}
	if err := w.Commit(); err != nil {
		return fmt.Errorf("writing key index shard %s: %w", key, err)
	}
	return nil
}

// encodeIndex writes gzip JSONL: the head (when not nil), then one key a line.
func encodeIndex(w io.Writer, head *indexHead, keys []string) error {
	zw := gzip.NewWriter(w)
	bw := bufio.NewWriter(zw)
	if head != nil {
		b, err := json.Marshal(head)
		if err != nil {
			return err
		}
		bw.Write(b)
		bw.WriteByte('\n')
	}
	for _, k := range keys {
		b, _ := json.Marshal(k) // marshalling a string cannot fail
		bw.Write(b)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}
