package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/ledger"
	"github.com/oktalake/oktalake/load/port"
)

// Rebuilding a lost or corrupt ledger. An empty ledger would re-post every
// entity and, worse, never delete anything; a ledger guessed from Port
// alone would own entities made by hand. So ownership is re-derived from
// both: the mapping runs over the stream's loaded objects (the lake's
// state as this loader last loaded it, later versions and tombstones
// winning), and an entity a record produces is owned when Port holds it.
// Port entities no record produces (made by hand, by another integration)
// are not owned and never deleted. An owned entity whose content in Port
// equals what the record produces keeps that hash (not sent again); one
// that differs gets an unknown hash and is sent on its next version.
// Entities an earlier version of a record produced, that Port still holds
// and the last version does not, are orphans, deleted after the pass like
// any other.

// portIndex is what Port holds in the mapping's blueprints: each entity's
// canonical content hash.
type portIndex map[ledger.Ref]uint64

// portEntities lists the mapping's blueprints in Port once per loader.
func (l *Loader) portEntities(ctx context.Context) (portIndex, error) {
	if l.portIdx != nil {
		return l.portIdx, nil
	}
	idx := portIndex{}
	for _, bp := range l.cfg.Mapping.Blueprints() {
		err := l.cfg.Port.Entities(ctx, bp, func(raw json.RawMessage) error {
			var e map[string]any
			if err := json.Unmarshal(raw, &e); err != nil {
				return fmt.Errorf("decoding a %s entity: %w", bp, err)
			}
			id, _ := e["identifier"].(string)
			if id != "" {
				idx[ledger.Ref{Blueprint: bp, Identifier: id}] = canonicalHash(e)
			}
			return nil
		})
		var apiErr *port.APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
			continue // no such blueprint in Port: nothing there to own
		}
		if err != nil {
			return nil, fmt.Errorf("rebuilding the ledger: %w", err)
		}
	}
	l.portIdx = idx
	return idx, nil
}

// canonicalHash hashes an entity as Port returns it or as the loader sends
// it, alike: identifier, title, icon, team, and the properties and
// relations that are not null (Port keeps no null).
func canonicalHash(e map[string]any) uint64 {
	c := map[string]any{"identifier": e["identifier"]}
	for _, k := range []string{"title", "icon", "team"} {
		if v, ok := e[k]; ok && v != nil && v != "" {
			c[k] = v
		}
	}
	for _, k := range []string{"properties", "relations"} {
		m, _ := e[k].(map[string]any)
		kept := map[string]any{}
		for name, v := range m {
			if v != nil {
				kept[name] = v
			}
		}
		c[k] = kept
	}
	b, _ := json.Marshal(c) // decoded JSON encodes
	return ledger.Hash(b)
}

// sentHash is canonicalHash of an entity the loader would send.
func sentHash(e port.Entity) uint64 {
	b, err := json.Marshal(e)
	if err != nil {
		return 0
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return 0
	}
	return canonicalHash(m)
}

// rebuild makes a stream's ledger again from the stream's loaded objects
// and Port (see above), saves it, and says so.
func (l *Loader) rebuild(ctx context.Context, stream string) (*ledger.Stream, error) {
	idx, err := l.portEntities(ctx)
	if err != nil {
		return nil, err
	}
	lg := ledger.New(stream, ledger.DefaultShards)
	ms, err := lake.ListManifests(ctx, l.cfg.Store, l.cfg.Prefix, l.cfg.Namespace, stream, 0)
	if err != nil {
		return nil, fmt.Errorf("rebuilding the ledger of %s: %w", stream, err)
	}
	objSync := map[string]int64{}
	for _, m := range ms {
		for _, o := range m.Objects {
			objSync[o.Key] = m.SyncID
		}
	}
	done, err := l.loadedObjects(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("rebuilding the ledger of %s: %w", stream, err)
	}
	cat, known := l.catalog(stream)
	var resend, owned int
	for _, key := range done {
		sync := objSync[key]
		emit := func(rec lake.Record) error {
			if sync > 0 {
				lg.See(sync)
			}
			if !known {
				return nil
			}
			rkey, err := cat.KeyOf(rec.Data)
			if err != nil {
				return nil
			}
			old, had := lg.Get(rkey)
			if lake.IsTombstone(rec.Data) {
				if had {
					old.Gone, old.Sync = true, max(old.Sync, sync)
					lg.Put(rkey, old)
				}
				return nil
			}
			res := l.cfg.Mapping.Apply(ctx, rec.Data, key)
			next := ledger.Entry{Sync: max(sync, old.Sync)}
			seen := map[ledger.Ref]bool{}
			for _, e := range res.Entities {
				id, ok := e.Identifier.(string)
				if !ok {
					continue
				}
				ref := ledger.Ref{Blueprint: e.Blueprint, Identifier: id}
				inPort, ok := idx[ref]
				if !ok || seen[ref] {
					continue
				}
				seen[ref] = true
				pe := toPortEntity(e)
				x := ledger.Entity{Blueprint: ref.Blueprint, Identifier: id}
				if inPort == sentHash(pe) {
					x.Hash = entityHash(pe)
				}
				next.Entities = append(next.Entities, x)
			}
			for _, x := range append(old.Entities, old.Orphans...) {
				if !seen[x.Ref()] {
					seen[x.Ref()] = true
					next.Orphans = append(next.Orphans, ledger.Entity{Blueprint: x.Blueprint, Identifier: x.Identifier})
				}
			}
			lg.Put(rkey, next)
			return nil
		}
		// Unreadable lines were dead-lettered when the object loaded.
		if err := readObject(ctx, l.cfg.Store, key, l.cfg.MaxLineBytes, emit, func(DeadLetter) {}); err != nil {
			return nil, fmt.Errorf("rebuilding the ledger of %s: %w", stream, err)
		}
	}
	lg.Range(func(_ string, e ledger.Entry) bool {
		owned += len(e.Entities)
		for _, x := range e.Entities {
			if x.Hash == 0 {
				resend++
			}
		}
		return true
	})
	l.cfg.Logger.Warn("ledger rebuilt from Port and the loaded objects", "stream", stream, "objects", len(done),
		"records", lg.Len(), "entities owned", owned, "to send again (content differs in Port)", resend)
	if !l.cfg.Plan {
		lg.Rewrite()
		if err := lg.Save(ctx, l.cfg.Store, l.cfg.Prefix, l.cfg.Name); err != nil {
			return nil, fmt.Errorf("saving the rebuilt ledger of %s: %w", stream, err)
		}
	}
	return lg, nil
}

// loadedObjects lists the stream's data objects the checkpoint says were
// loaded, in load order.
func (l *Loader) loadedObjects(ctx context.Context, stream string) ([]string, error) {
	prefix := lake.JoinKey(l.cfg.Prefix, l.cfg.Namespace, stream) + "/"
	var listed []lake.ObjectInfo
	err := l.cfg.Store.List(ctx, prefix, "", func(o lake.ObjectInfo) error {
		if lake.IsDataObject(o.Key) {
			listed = append(listed, o)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", prefix, err)
	}
	pending, err := l.cp.pending(ctx, stream, listed)
	if err != nil {
		return nil, err
	}
	skip := make(map[string]bool, len(pending))
	for _, o := range pending {
		skip[o.Key] = true
	}
	var out []string
	for _, o := range listed {
		if !skip[o.Key] {
			out = append(out, o.Key)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return partLess(out[i], out[j]) })
	return out, nil
}
