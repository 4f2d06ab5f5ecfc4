// Package ledger is a loader's ownership record in the bucket: for each
// record key of a stream, the Port entities (blueprint, identifier) its last
// version produced and a content hash of each as Port accepted it. The
// loader skips entities whose hash is unchanged, deletes what tombstoned or
// vanished records produced, and never deletes an entity the ledger does not
// hold (entities made by hand or by other integrations stay).
//
// A stream's ledger is sharded by record key into gzip JSONL objects under
// lake.LedgerPrefix, so a run rewrites only the shards it changed, plus a
// small meta object written after them.
package ledger

import (
	"encoding/binary"
	"slices"
)

// Entity is one entity a record produced.
type Entity struct {
	Blueprint, Identifier string
	// Hash is the content hash of the entity as Port accepted it (Hash of
	// the upsert body); 0 means not known to be in Port in that form, so
	// the next version is sent whatever its hash.
	Hash uint64
}

// Ref is an entity's place in Port.
type Ref struct {
	Blueprint, Identifier string
}

// Ref returns the entity's place in Port.
func (e Entity) Ref() Ref { return Ref{e.Blueprint, e.Identifier} }

// Entry is what the ledger knows of one record key.
type Entry struct {
	// Sync is the sync id of the snapshot that last listed the record (0:
	// not attributed to a snapshot, as in a lake without manifests).
	Sync int64
	// Gone says the record was deleted (a tombstone, or a complete
	// snapshot no longer lists it): its Entities await deletion.
	Gone bool
	// Entities are what the record's last version produced.
	Entities []Entity
	// Orphans are entities an earlier version produced and the last one
	// does not: they await deletion too.
	Orphans []Entity
}

// Doomed are the entities the entry waits to delete: all of a gone
// record's entities, and the orphans of any.
func (e Entry) Doomed() []Entity {
	if e.Gone {
		return append(slices.Clip(e.Entities), e.Orphans...)
	}
	return e.Orphans
}

// Find returns the entity of e at ref.
func (e Entry) Find(ref Ref) (Entity, bool) {
	for _, x := range e.Entities {
		if x.Blueprint == ref.Blueprint && x.Identifier == ref.Identifier {
			return x, true
		}
	}
	return Entity{}, false
}

// DefaultShards is how many shards a new stream ledger has: about 60k
// entities a shard at 1M entities, so a shard's object stays a few MB.
const DefaultShards = 16

// Stream is the ledger of one stream, held in memory while a load runs.
// It is not safe for concurrent use; the loader serialises access.
//
// Memory: each record key is one map slot and one allocation holding the
// key and its entry packed together (sync id, flags, and per entity a
// blueprint number, the identifier and the hash), about 180 bytes an
// entity for Okta's ids (BenchmarkLedger); decoded Entry values are built
// on access.
type Stream struct {
	Name string
	// AppliedSync is the greatest sync id whose manifest the loader has
	// dealt with (snapshot deletes done or found not warranted).
	AppliedSync int64
	// Seen counts, per sync id above AppliedSync, the records loaded from
	// that sync's objects, to tell a snapshot loaded in full from one whose
	// objects were loaded before its manifest named them.
	Seen map[int64]int64

	// shards map a record key to its packed entry; key and value share
	// one allocation (see pack).
	shards    []map[string]string
	dirty     []bool
	metaDirty bool
	// bps numbers the blueprints: a few distinct names shared by every entity.
	bps   []string
	bpNum map[string]uint64
}

// New returns an empty ledger of stream with n shards (n a power of two;
// other values become DefaultShards).
func New(stream string, n int) *Stream {
	if n <= 0 || n&(n-1) != 0 {
		n = DefaultShards
	}
	s := &Stream{Name: stream, Seen: map[int64]int64{}, shards: make([]map[string]string, n), dirty: make([]bool, n), bpNum: map[string]uint64{}, metaDirty: true}
	for i := range s.shards {
		s.shards[i] = map[string]string{}
	}
	return s
}

func (s *Stream) shardOf(key string) int {
	// FNV-1a, inline: hash/fnv would allocate per call.
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return int(h & uint32(len(s.shards)-1))
}

// Shards is the number of shards.
func (s *Stream) Shards() int { return len(s.shards) }

// Get returns the entry of a record key.
func (s *Stream) Get(key string) (Entry, bool) {
	v, ok := s.shards[s.shardOf(key)][key]
	if !ok {
		return Entry{}, false
	}
	return s.unpack(v), true
}

// Put stores the entry of a record key; an entry with no entity and no
// orphan is removed.
func (s *Stream) Put(key string, e Entry) {
	i := s.shardOf(key)
	s.dirty[i] = true
	if len(e.Entities) == 0 && len(e.Orphans) == 0 {
		delete(s.shards[i], key)
		return
	}
	k, v := s.pack(key, e)
	delete(s.shards[i], key) // the new slot's key must be the packed one
	s.shards[i][k] = v
}

// Delete removes a record key.
func (s *Stream) Delete(key string) {
	i := s.shardOf(key)
	if _, ok := s.shards[i][key]; ok {
		delete(s.shards[i], key)
		s.dirty[i] = true
	}
}

// Range calls fn for every entry until fn returns false. fn must not
// change the ledger.
func (s *Stream) Range(fn func(key string, e Entry) bool) {
	for _, sh := range s.shards {
		for k, v := range sh {
			if !fn(k, s.unpack(v)) {
				return
			}
		}
	}
}

// Len is the number of record keys held.
func (s *Stream) Len() int {
	n := 0
	for _, sh := range s.shards {
		n += len(sh)
	}
	return n
}

// See counts a record loaded from the objects of sync.
func (s *Stream) See(sync int64) {
	if sync > s.AppliedSync {
		s.Seen[sync]++
		s.metaDirty = true
	}
}

// Applied records that the manifest of sync was dealt with.
func (s *Stream) Applied(sync int64) {
	if sync <= s.AppliedSync {
		return
	}
	s.AppliedSync = sync
	for k := range s.Seen {
		if k <= sync {
			delete(s.Seen, k)
		}
	}
	s.metaDirty = true
}

// Dirty reports whether the ledger changed since it was read or saved.
func (s *Stream) Dirty() bool {
	return s.metaDirty || slices.Contains(s.dirty, true)
}

func (s *Stream) blueprintNum(bp string) uint64 {
	if n, ok := s.bpNum[bp]; ok {
		return n
	}
	n := uint64(len(s.bps))
	s.bps = append(s.bps, bp)
	s.bpNum[bp] = n
	return n
}

// pack lays out key and entry in one allocation and returns the key and
// the entry as two strings over it.
func (s *Stream) pack(key string, e Entry) (string, string) {
	size := len(key) + binary.MaxVarintLen64 + 1 + 2*binary.MaxVarintLen64
	for _, list := range [][]Entity{e.Entities, e.Orphans} {
		for _, x := range list {
			size += 2*binary.MaxVarintLen64 + len(x.Identifier) + 8
		}
	}
	b := make([]byte, 0, size)
	b = append(b, key...)
	b = binary.AppendVarint(b, e.Sync)
	flags := byte(0)
	if e.Gone {
		flags = 1
	}
	b = append(b, flags)
	for _, list := range [][]Entity{e.Entities, e.Orphans} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, x := range list {
			b = binary.AppendUvarint(b, s.blueprintNum(x.Blueprint))
			b = binary.AppendUvarint(b, uint64(len(x.Identifier)))
			b = append(b, x.Identifier...)
			b = binary.LittleEndian.AppendUint64(b, x.Hash)
		}
	}
	all := string(b) // one copy, trimmed to its length
	return all[:len(key)], all[len(key):]
}

func (s *Stream) unpack(v string) Entry {
	var e Entry
	sync, n := binary.Varint([]byte(v[:min(len(v), binary.MaxVarintLen64)]))
	e.Sync = sync
	v = v[n:]
	e.Gone = v[0]&1 != 0
	v = v[1:]
	for list := 0; list < 2; list++ {
		cnt, n := uvarint(v)
		v = v[n:]
		out := make([]Entity, cnt)
		for i := range out {
			bp, n := uvarint(v)
			v = v[n:]
			l, n := uvarint(v)
			v = v[n:]
			out[i] = Entity{Blueprint: s.bps[bp], Identifier: v[:l]}
			v = v[l:]
			out[i].Hash = binary.LittleEndian.Uint64([]byte(v[:8]))
			v = v[8:]
		}
		if cnt == 0 {
			out = nil
		}
		if list == 0 {
			e.Entities = out
		} else {
			e.Orphans = out
		}
	}
	return e
}

func uvarint(v string) (uint64, int) {
	var x uint64
	var sh uint
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x80 {
			return x | uint64(c)<<sh, i + 1
		}
		x |= uint64(c&0x7f) << sh
		sh += 7
	}
	return x, len(v)
}

func sortStrings(s []string) { slices.Sort(s) }

// Rewrite marks every shard changed, so the next Save replaces (or
// removes) every shard object: a rebuilt ledger leaves nothing of the
// one it replaces.
func (s *Stream) Rewrite() {
	for i := range s.dirty {
		s.dirty[i] = true
	}
	s.metaDirty = true
}
