package ledger

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"

	"github.com/klauspost/compress/gzip"
	"github.com/oktalake/oktalake/lake"
)

// metaName is the object, under a stream's ledger prefix, that says how
// many shards there are and what snapshots were dealt with. It is written
// after the shards, so it marks a ledger saved at least once.
const metaName = "ledger.json"

// meta is the stream ledger's meta object.
type meta struct {
	Stream      string           `json:"stream"`
	Shards      int              `json:"shards"`
	AppliedSync int64            `json:"appliedSync"`
	Seen        map[string]int64 `json:"seen,omitempty"`
	Entries     int              `json:"entries"`
}

// line is one record key in a shard.
type line struct {
	Key      string      `json:"k"`
	Sync     int64       `json:"s,omitempty"`
	Gone     bool        `json:"g,omitempty"`
	Entities [][3]string `json:"e,omitempty"`
	Orphans  [][3]string `json:"o,omitempty"`
}

// CorruptError is a ledger object that does not read: the loader must not
// trust the ledger (and rebuilds it from Port) rather than guess.
type CorruptError struct {
	// Key is the shard (or meta) object; Line the 1-based line, 0 for the
	// object as a whole.
	Key  string
	Line int
	Err  error
}

func (e *CorruptError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("ledger shard %s line %d is corrupt: %v", e.Key, e.Line, e.Err)
	}
	return fmt.Sprintf("ledger object %s is corrupt: %v", e.Key, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// MetaKey is the meta object of a stream ledger.
func MetaKey(prefix, loader, stream string) string {
	return lake.LedgerPrefix(prefix, loader, stream) + metaName
}

// ShardKey is the object of shard i of a stream ledger.
func ShardKey(prefix, loader, stream string, i int) string {
	return lake.LedgerPrefix(prefix, loader, stream) + fmt.Sprintf("%04d.jsonl.gz", i)
}

// Load reads the ledger of stream kept by loader. found is false when the
// stream has no ledger (never saved, or lost); a ledger that does not read
// is a *CorruptError naming the object.
func Load(ctx context.Context, store lake.Store, prefix, loader, stream string) (s *Stream, found bool, err error) {
	mk := MetaKey(prefix, loader, stream)
	var m meta
	found, err = lake.ReadJSON(ctx, store, mk, &m)
	if err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		if errors.As(err, &se) || errors.As(err, &te) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, false, &CorruptError{Key: mk, Err: err}
		}
		return nil, false, fmt.Errorf("reading ledger of %s: %w", stream, err)
	}
	if !found {
		return nil, false, nil
	}
	if m.Shards <= 0 || m.Shards&(m.Shards-1) != 0 || m.Stream != stream {
		return nil, false, &CorruptError{Key: mk, Err: fmt.Errorf("stream %q with %d shards: want stream %q and a power of two", m.Stream, m.Shards, stream)}
	}
	s = New(stream, m.Shards)
	if m.Entries > 0 {
		// Sized up front: a map grown by doubling holds up to twice its
		// slots while it moves, which would set the peak.
		for i := range s.shards {
			s.shards[i] = make(map[string]string, m.Entries/m.Shards+m.Entries/m.Shards/8+8)
		}
	}
	s.AppliedSync = m.AppliedSync
	for k, v := range m.Seen {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return nil, false, &CorruptError{Key: mk, Err: fmt.Errorf("seen: sync id %q: %w", k, err)}
		}
		s.Seen[id] = v
	}
	for i := range s.shards {
		if err := s.readShard(ctx, store, ShardKey(prefix, loader, stream, i), i); err != nil {
			return nil, false, err
		}
	}
	if n := s.Len(); n != m.Entries {
		return nil, false, &CorruptError{Key: mk, Err: fmt.Errorf("meta counts %d record keys, shards hold %d", m.Entries, n)}
	}
	s.metaDirty = false
	clear(s.dirty)
	return s, true, nil
}

func (s *Stream) readShard(ctx context.Context, store lake.Store, key string, i int) error {
	rc, err := store.Open(ctx, key)
	if errors.Is(err, lake.ErrNotExist) {
		return nil // an empty shard is never written
	}
	if err != nil {
		return fmt.Errorf("reading ledger shard %s: %w", key, err)
	}
	defer rc.Close()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		return &CorruptError{Key: key, Err: err}
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	n := 0
	var fast fastParser
	for sc.Scan() {
		n++
		if rk, sync, gone, lists, ok := fast.parse(sc.Bytes()); ok {
			if s.shardOf(string(rk)) != i {
				return &CorruptError{Key: key, Line: n, Err: fmt.Errorf("record key %q belongs in shard %d", rk, s.shardOf(string(rk)))}
			}
			k, v := s.packRaw(&fast, rk, sync, gone, lists)
			s.shards[i][k] = v
			continue
		}
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return &CorruptError{Key: key, Line: n, Err: err}
		}
		if l.Key == "" {
			return &CorruptError{Key: key, Line: n, Err: errors.New("no record key")}
		}
		if s.shardOf(l.Key) != i {
			return &CorruptError{Key: key, Line: n, Err: fmt.Errorf("record key %q belongs in shard %d", l.Key, s.shardOf(l.Key))}
		}
		e := Entry{Sync: l.Sync, Gone: l.Gone}
		if e.Entities, err = s.decodeEntities(l.Entities); err == nil {
			e.Orphans, err = s.decodeEntities(l.Orphans)
		}
		if err != nil {
			return &CorruptError{Key: key, Line: n, Err: err}
		}
		k, v := s.pack(l.Key, e)
		s.shards[i][k] = v
	}
	if err := sc.Err(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("reading ledger shard %s: %w", key, ctx.Err())
		}
		return &CorruptError{Key: key, Line: n + 1, Err: err}
	}
	return nil
}

func (s *Stream) decodeEntities(in [][3]string) ([]Entity, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]Entity, len(in))
	for i, t := range in {
		if t[0] == "" || t[1] == "" {
			return nil, fmt.Errorf("entity %d: empty blueprint or identifier", i)
		}
		h, err := strconv.ParseUint(t[2], 16, 64)
		if err != nil {
			return nil, fmt.Errorf("entity %s/%s: hash %q: %w", t[0], t[1], t[2], err)
		}
		out[i] = Entity{Blueprint: t[0], Identifier: t[1], Hash: h}
	}
	return out, nil
}

func encodeEntities(in []Entity) [][3]string {
	if len(in) == 0 {
		return nil
	}
	out := make([][3]string, len(in))
	for i, e := range in {
		out[i] = [3]string{e.Blueprint, e.Identifier, strconv.FormatUint(e.Hash, 16)}
	}
	return out
}

// Save writes the shards changed since the ledger was read or saved, then
// the meta object. Each object is replaced atomically; a crash between them
// leaves shards newer than the meta, which only makes the loader redo
// snapshot checks (they are idempotent).
func (s *Stream) Save(ctx context.Context, store lake.Store, prefix, loader string) error {
	if !s.Dirty() {
		return nil
	}
	for i, d := range s.dirty {
		if !d {
			continue
		}
		key := ShardKey(prefix, loader, s.Name, i)
		if len(s.shards[i]) == 0 {
			if err := store.Delete(ctx, key); err != nil {
				return fmt.Errorf("removing empty ledger shard %s: %w", key, err)
			}
		} else {
			data, err := s.encodeShard(i)
			if err != nil {
				return fmt.Errorf("encoding ledger shard %s: %w", key, err)
			}
			if err := store.Put(ctx, key, data); err != nil {
				return fmt.Errorf("writing ledger shard %s: %w", key, err)
			}
		}
		s.dirty[i] = false
	}
	m := meta{Stream: s.Name, Shards: len(s.shards), AppliedSync: s.AppliedSync, Entries: s.Len()}
	if len(s.Seen) > 0 {
		m.Seen = map[string]int64{}
		for k, v := range s.Seen {
			m.Seen[strconv.FormatInt(k, 10)] = v
		}
	}
	mk := MetaKey(prefix, loader, s.Name)
	if err := lake.WriteJSON(ctx, store, mk, m); err != nil {
		return fmt.Errorf("writing ledger meta %s: %w", mk, err)
	}
	s.metaDirty = false
	return nil
}

// encodeShard renders a shard, keys in order so that equal ledgers give
// equal objects.
func (s *Stream) encodeShard(i int) ([]byte, error) {
	keys := make([]string, 0, len(s.shards[i]))
	for k := range s.shards[i] {
		keys = append(keys, k)
	}
	sortStrings(keys)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	for _, k := range keys {
		e := s.unpack(s.shards[i][k])
		if err := enc.Encode(line{Key: k, Sync: e.Sync, Gone: e.Gone, Entities: encodeEntities(e.Entities), Orphans: encodeEntities(e.Orphans)}); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Remove deletes every object of a stream ledger (meta first, so a crash
// leaves no meta pointing at missing shards).
func Remove(ctx context.Context, store lake.Store, prefix, loader, stream string) error {
	if err := store.Delete(ctx, MetaKey(prefix, loader, stream)); err != nil {
		return fmt.Errorf("removing ledger of %s: %w", stream, err)
	}
	var keys []string
	err := store.List(ctx, lake.LedgerPrefix(prefix, loader, stream), "", func(o lake.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("listing ledger of %s: %w", stream, err)
	}
	for _, k := range keys {
		if err := store.Delete(ctx, k); err != nil {
			return fmt.Errorf("removing ledger shard %s: %w", k, err)
		}
	}
	return nil
}

// Hash is the content hash of an entity's upsert body (never 0, which
// means "unknown").
func Hash(body []byte) uint64 {
	h := fnv.New64a()
	_, _ = h.Write(body)
	if v := h.Sum64(); v != 0 {
		return v
	}
	return 1
}
