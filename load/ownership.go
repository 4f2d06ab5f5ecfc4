package load

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/ledger"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/streams"
)

// Ownership. The loader's ledger (package ledger) is the record of what
// this loader wrote to Port: for each (stream, record key), the entities
// the record's last version produced and the content hash Port accepted.
// It decides three things:
//   - an entity whose hash is unchanged is not sent again;
//   - a tombstone, a record a complete snapshot no longer lists, or an
//     entity a record stopped producing, deletes what the ledger says the
//     record produced, whatever the mapping (no delete rule is needed);
//   - only entities in the ledger are ever deleted: an entity made by hand,
//     or by another integration, in the same blueprint is never touched.
//
// The ledger is written after Port confirmed what it records and before
// the object's checkpoint, so a crash at worst sends an unchanged entity
// again. When the ledger is lost or corrupt it is rebuilt (rebuild.go).

// owned holds the ledgers of the streams this loader has opened.
type owned struct {
	mu      sync.Mutex
	streams map[string]*ledger.Stream
	// forgot are entities a mapping's delete rule removed in this run: a
	// record producing one again must send it whatever the ledger's hash.
	forgot map[ledger.Ref]bool
	// objSync maps each stream's objects named by a manifest to its sync id.
	objSync map[string]map[string]int64
	// inPort is, per entity (refHash of blueprint and identifier), the
	// content hash this loader knows Port holds: confirmed by Port in this
	// run, or found unchanged in a ledger. It makes the hash skip hold per
	// entity across streams and record keys (a group membership that
	// produces a user the users stream just found unchanged is not sent),
	// while the ledgers keep ownership per record. At most inPortMax
	// entities (about 40 bytes each): past it an entity new to a record is
	// sent as before, so a 1M-entity run stays within its memory target.
	inPort map[uint64]uint64
	// opened are the streams whose ledger this loader has read once;
	// pending those whose ledger may hold something to delete since the
	// last delete pass (first read, a tombstone, a snapshot's vanished
	// records, an orphan, a gone record back, a delete left pending).
	opened, pending map[string]bool
	// swept says a delete pass has read every ledger once: until then
	// deletes left by earlier runs may wait in ledgers no stream opened.
	swept bool
	// applied is the AppliedSync of the ledgers dropped from memory, so a
	// pass with nothing new for a stream need not read its ledger.
	applied map[string]int64
}

// inPortMax bounds owned.inPort: about 10 MB.
var inPortMax = 1 << 18

// knowInPort records the version of an entity Port holds, within inPortMax.
// The caller holds mu.
func (own *owned) knowInPort(rh, hash uint64) {
	if _, ok := own.inPort[rh]; ok || len(own.inPort) < inPortMax {
		own.inPort[rh] = hash
	}
}

// appliedOf is the AppliedSync of a stream's ledger dropped from memory.
func (own *owned) appliedOf(stream string) (int64, bool) {
	own.mu.Lock()
	defer own.mu.Unlock()
	a, ok := own.applied[stream]
	return a, ok
}

// markPendingLocked notes that stream's ledger may hold something to
// delete; the caller holds mu.
func (own *owned) markPendingLocked(stream string) { own.pending[stream] = true }

// markPending is markPendingLocked for a caller not holding mu.
// markPending is markPendingLocked for a caller not holding mu.
func (own *owned) markPending(stream string) {
	own.mu.Lock()
	defer own.mu.Unlock()
	own.markPendingLocked(stream)
}

func (own *owned) anyPending() bool {
	own.mu.Lock()
	defer own.mu.Unlock()
	return !own.swept || len(own.pending) > 0
}

func (own *owned) clearPending() {
	own.mu.Lock()
	defer own.mu.Unlock()
	clear(own.pending)
	own.swept = true
}

// evict drops a stream's ledger from memory once it is saved, so a run
// holds one stream's ledger at a time (the next use reads it again). A
// plan saves nothing and keeps them all.
func (l *Loader) evict(stream string) {
	if l.cfg.Plan {
		return
	}
	l.own.mu.Lock()
	defer l.own.mu.Unlock()
	if lg := l.own.streams[stream]; lg != nil && !lg.Dirty() {
		l.own.applied[stream] = lg.AppliedSync
		delete(l.own.streams, stream)
	}
}

func newOwned() *owned {
	return &owned{streams: map[string]*ledger.Stream{}, forgot: map[ledger.Ref]bool{}, objSync: map[string]map[string]int64{}, inPort: map[uint64]uint64{},
		opened: map[string]bool{}, pending: map[string]bool{}, applied: map[string]int64{}}
}

// ledgerOf opens the ledger of stream once per loader: read from the
// bucket, or new when the stream was never loaded, or rebuilt from Port
// when it was loaded but its ledger is lost or does not read.
func (l *Loader) ledgerOf(ctx context.Context, stream string) (*ledger.Stream, error) {
	l.own.mu.Lock()
	lg := l.own.streams[stream]
	l.own.mu.Unlock()
	if lg != nil {
		return lg, nil
	}
	lg, found, err := ledger.Load(ctx, l.cfg.Store, l.cfg.Prefix, l.cfg.Name, stream)
	var corrupt *ledger.CorruptError
	switch {
	case errors.As(err, &corrupt):
		l.cfg.Logger.Warn("the ledger does not read; rebuilding it from Port", "stream", stream, "error", err)
		lg, err = l.rebuild(ctx, stream)
	case err != nil:
		return nil, err
	case !found && l.cp.loadedBefore(stream):
		l.cfg.Logger.Warn("no ledger for a stream loaded before; rebuilding it from Port", "stream", stream,
			"ledger", lake.LedgerPrefix(l.cfg.Prefix, l.cfg.Name, stream))
		lg, err = l.rebuild(ctx, stream)
	case !found:
		lg = ledger.New(stream, ledger.DefaultShards)
	}
	if err != nil {
		return nil, err
	}
	l.own.mu.Lock()
	l.own.streams[stream] = lg
	if !l.own.opened[stream] {
		l.own.opened[stream] = true
		l.own.markPendingLocked(stream) // deletes left by an earlier run
	}
	l.own.mu.Unlock()
	return lg, nil
}

// saveLedger writes what changed in a stream's ledger (never in a plan).
func (l *Loader) saveLedger(ctx context.Context, lg *ledger.Stream) error {
	if l.cfg.Plan || lg == nil {
		return nil
	}
	l.own.mu.Lock()
	defer l.own.mu.Unlock()
	return lg.Save(ctx, l.cfg.Store, l.cfg.Prefix, l.cfg.Name)
}

// entityHash is the hash of an entity as the client sends it; 0 for
// entities the ledger cannot hold (a search-query identifier).
func entityHash(e port.Entity) uint64 {
	if _, ok := e.Identifier.(string); !ok {
		return 0
	}
	b, err := json.Marshal(e)
	if err != nil {
		return 0
	}
	return ledger.Hash(b)
}

// recordKey is the ledger key of a record of the object's stream, "" when
// the stream is not in the catalog or the record has no key.
func (o *objectLoad) recordKey(data json.RawMessage) string {
	if !o.known {
		return ""
	}
	k, err := o.cat.KeyOf(data)
	if err != nil {
		return ""
	}
	return k
}

// produced is one entity a record's mapping produced.
type produced struct {
	blueprint string
	entity    port.Entity
	// hash is the entity's content hash, 0 when the ledger cannot hold it.
	hash uint64
}

// produce records what a record's new version produces and reports, for
// each entity, whether it must be sent: its hash differs from the ledger's,
// or the ledger does not hold it. Entities the old version produced and
// this one does not become orphans, deleted after the run, except those
// the mapping produced but rejected (kept: a bad version must not delete a
// good one). A gone record that comes back is live again.
func (o *objectLoad) produce(key string, sync int64, ps []produced, rejected []ledger.Ref) (send []bool) {
	send = make([]bool, len(ps))
	own := o.l.own
	own.mu.Lock()
	defer own.mu.Unlock()
	old, _ := o.led.Get(key)
	next := ledger.Entry{Sync: max(sync, old.Sync)}
	seen := map[ledger.Ref]bool{}
	for i, p := range ps {
		if p.hash == 0 {
			send[i] = true
			continue
		}
		ref := ledger.Ref{Blueprint: p.blueprint, Identifier: p.entity.Identifier.(string)}
		if seen[ref] {
			send[i] = true // two versions from one record: Port takes the last
			continue
		}
		seen[ref] = true
		prev, had := old.Find(ref)
		rh := refHash(ref)
		cur, met := own.inPort[rh]
		switch {
		case met && cur == p.hash && !own.forgot[ref]:
			// This run already saw Port hold this version (another
			// record, maybe of another stream, produced it): owned by
			// this record too, not sent again.
			next.Entities = append(next.Entities, ledger.Entity{Blueprint: ref.Blueprint, Identifier: ref.Identifier, Hash: p.hash})
			continue
		case had && prev.Hash == p.hash && !own.forgot[ref] && !o.l.resync:
			// Unchanged for this record. Another record's other version
			// met in this run does not make it sent: each record's copy
			// is sent when it changes, not every time another's does.
			if !met {
				own.knowInPort(rh, p.hash)
			}
			next.Entities = append(next.Entities, prev)
			continue
		}
		// Changed or new: sent. Until Port confirms it, no version is
		// known to be in Port.
		delete(own.inPort, rh)
		send[i] = true
		// The hash is known once Port accepts the entity (confirm); until
		// then it is owned with an unknown hash, so it is sent again unless
		// confirmed.
		next.Entities = append(next.Entities, ledger.Entity{Blueprint: ref.Blueprint, Identifier: ref.Identifier})
	}
	for _, ref := range rejected {
		if prev, had := old.Find(ref); had && !seen[ref] {
			seen[ref] = true
			next.Entities = append(next.Entities, prev)
		}
	}
	for _, e := range append(slices.Clip(old.Entities), old.Orphans...) {
		if !seen[e.Ref()] {
			next.Orphans = append(next.Orphans, ledger.Entity{Blueprint: e.Blueprint, Identifier: e.Identifier})
			seen[e.Ref()] = true
		}
	}
	if old.Gone || len(next.Orphans) > len(old.Orphans) {
		// Back from the dead (fewer deletes), or new orphans (more).
		own.markPendingLocked(o.led.Name)
	}
	o.led.Put(key, next)
	return send
}

// confirm records that Port accepted an entity of a record key with hash.
func (o *objectLoad) confirm(key string, ref ledger.Ref, hash uint64) {
	own := o.l.own
	own.mu.Lock()
	defer own.mu.Unlock()
	own.knowInPort(refHash(ref), hash)
	e, ok := o.led.Get(key)
	if !ok {
		return
	}
	for i, x := range e.Entities {
		if x.Ref() == ref {
			e.Entities[i].Hash = hash
			o.led.Put(key, e)
			return
		}
	}
}

// forget records that a mapping's delete rule removed an entity: the
// ledger no longer vouches for its hash.
func (o *objectLoad) forget(key string, ref ledger.Ref) {
	own := o.l.own
	own.mu.Lock()
	defer own.mu.Unlock()
	own.forgot[ref] = true
	delete(own.inPort, refHash(ref))
	if key == "" {
		return
	}
	if e, ok := o.led.Get(key); ok {
		for i, x := range e.Entities {
			if x.Ref() == ref {
				e.Entities[i].Hash = 0
			}
		}
		o.led.Put(key, e)
	}
}

// deleting records that a mapping's delete rule asks to delete an entity:
// from now on in this run no version of it is known to be in Port (the
// delete may reach Port after an earlier upsert was confirmed).
func (o *objectLoad) deleting(ref ledger.Ref) {
	own := o.l.own
	own.mu.Lock()
	defer own.mu.Unlock()
	own.forgot[ref] = true
	delete(own.inPort, refHash(ref))
}

// see counts a record loaded from an object of sync.
func (o *objectLoad) see(sync int64) {
	if o.led == nil || sync == 0 {
		return
	}
	o.l.own.mu.Lock()
	o.led.See(sync)
	o.l.own.mu.Unlock()
}

// objectSync is the sync id of the snapshot whose manifest lists the
// object, 0 when none does (yet).
func (l *Loader) objectSync(stream, key string) int64 {
	l.own.mu.Lock()
	defer l.own.mu.Unlock()
	return l.own.objSync[stream][key]
}

// tombstone marks a deleted record: what its last version produced is
// deleted after the pass (a record the ledger never held produced nothing).
func (o *objectLoad) tombstone(key string, sync int64) {
	own := o.l.own
	own.mu.Lock()
	defer own.mu.Unlock()
	e, ok := o.led.Get(key)
	if !ok {
		return
	}
	e.Gone, e.Sync = true, max(e.Sync, sync)
	o.led.Put(key, e)
	own.markPendingLocked(o.led.Name)
}

// catalog is the catalog's definition of a stream, if it has one.
func (l *Loader) catalog(stream string) (streams.Stream, bool) { return streams.Lookup(stream) }
