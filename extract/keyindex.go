package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
// indexHead and whose other lines are keys as JSON strings, sorted. Past
// shardKeys keys, the keys go to shard objects under the index key without
// its extension (<stream>/<sync>-<n>.jsonl.gz), each a sorted run of keys,
// the head naming them in order. Shards are written before the head that
// names them and removed after it is replaced, so the head always names
// shards that exist.

// defaultShardKeys is how many keys one index object holds (a few MB gzip).
const defaultShardKeys = 200_000

// indexHead is the first line of an index object.
type indexHead struct {
	Stream string `json:"stream"`
	SyncID int64  `json:"syncId"`
	Keys   int    `json:"keys"`
	// Shards are the keys of the shard objects in key order; empty when
	// the keys follow the head.
	Shards []string `json:"shards,omitempty"`
}

// indexStore reads and writes key indexes.
type indexStore struct {
	store             lake.Store
	prefix, namespace string
	// shardKeys is the most keys one object holds (0: defaultShardKeys).
	shardKeys int
}

func (x indexStore) key(stream string) string { return lake.IndexKey(x.prefix, x.namespace, stream) }

// load returns the sorted keys of stream's index; found is false when it
// has none (a first run, or an index lost).
func (x indexStore) load(ctx context.Context, stream string) (keys []string, found bool, err error) {
	key := x.key(stream)
	head, keys, err := x.readObject(ctx, key, true)
	if errors.Is(err, lake.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	for _, sk := range head.Shards {
		_, part, err := x.readObject(ctx, sk, false)
		if err != nil {
			return nil, false, fmt.Errorf("reading key index %s: %w", key, err)
		}
		keys = append(keys, part...)
	}
	if len(keys) != head.Keys {
		return nil, false, fmt.Errorf("reading key index %s: %d keys, its head says %d", key, len(keys), head.Keys)
	}
	return keys, true, nil
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

// save replaces stream's index with keys (sorted, unique), written by sync.
func (x indexStore) save(ctx context.Context, stream string, sync int64, keys []string) error {
	key := x.key(stream)
	per := x.shardKeys
	if per <= 0 {
		per = defaultShardKeys
	}
	old, _, oldErr := x.readHead(ctx, key)
	head := indexHead{Stream: stream, SyncID: sync, Keys: len(keys)}
	inline := keys
	if len(keys) > per {
		inline = nil
		base := strings.TrimSuffix(key, ".jsonl.gz") + "/" + strconv.FormatInt(sync, 10) + "-"
		for i := 0; i*per < len(keys); i++ {
			sk := base + strconv.Itoa(i) + ".jsonl.gz"
			if err := x.writeShard(ctx, sk, keys[i*per:min((i+1)*per, len(keys))]); err != nil {
				return err
			}
			head.Shards = append(head.Shards, sk)
		}
	}
	var buf bytes.Buffer
	if err := encodeIndex(&buf, &head, inline); err != nil {
		return fmt.Errorf("writing key index %s: %w", key, err)
	}
	if err := x.store.Put(ctx, key, buf.Bytes()); err != nil {
		return fmt.Errorf("writing key index %s: %w", key, err)
	}
	if oldErr == nil {
		for _, sk := range old.Shards {
			if err := x.store.Delete(ctx, sk); err != nil {
				return fmt.Errorf("removing the replaced key index shard %s: %w", sk, err)
			}
		}
	}
	return nil
}

func (x indexStore) readHead(ctx context.Context, key string) (indexHead, bool, error) {
	head, _, err := x.readObject(ctx, key, true)
	if err != nil {
		return head, false, err
	}
	return head, true, nil
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
