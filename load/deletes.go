package load

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/ledger"
)

// DefaultDeleteThreshold is Port Ocean's default entityDeletionThreshold:
// Ocean's resync computes the share of the integration's entities it is
// about to delete and deletes nothing when it is above the threshold
// (port-labs/ocean, port_ocean/core/handlers/entities_state_applier/port/applier.py,
// delete_diff; its tests: 3 entities before and none after is "above the
// default threshold" and deletes nothing). Here the share is taken per
// blueprint, of the entities this loader owns there.
const DefaultDeleteThreshold = 0.9

// ThresholdError is a run whose deletes were held back because they would
// remove too large a share of a blueprint's owned entities: usually an
// outage that made a snapshot look empty, not a real mass delete.
type ThresholdError struct {
	Threshold float64
	// Trips are the blueprints over the threshold, in name order.
	Trips []ThresholdTrip
}

// ThresholdTrip is one blueprint over the threshold.
type ThresholdTrip struct {
	Blueprint     string
	Delete, Owned int
}

func (e *ThresholdError) Error() string {
	parts := make([]string, len(e.Trips))
	for i, t := range e.Trips {
		parts[i] = fmt.Sprintf("%s: %d of %d owned entities (%.0f%%)", t.Blueprint, t.Delete, t.Owned, 100*float64(t.Delete)/float64(t.Owned))
	}
	return fmt.Sprintf("nothing deleted: the deletes would exceed load.Config.DeleteThreshold %.2f of a blueprint's entities (%s); they stay pending: if they are real, run once with a higher load.Config.DeleteThreshold",
		e.Threshold, strings.Join(parts, "; "))
}

// doomed is an entity some ledger waits to delete, and the stream whose
// ledger asked first in delete order.
type doomed struct {
	stream string
	ref    ledger.Ref
}

// deletePass deletes what the ledgers wait to delete: the entities of
// tombstoned or vanished records, and orphans. It runs after a pass loaded
// every stream without error. An entity some live record of any stream
// still produces is not deleted (the ledger just stops tying it to the
// record that let it go). Dependents go before their targets: streams in
// reverse load order. Over the threshold nothing is deleted and the run
// fails (Summary.Err); a refused delete stays pending and fails the run.
//
// Cost: nothing when no stream may have anything to delete since the last
// delete pass (a follow pass that only upserted). Otherwise the ledgers
// are read one at a time, keeping 8 bytes per owned entity (the numbers
// of live entities, for the claims and the threshold) and the doomed
// entities; only the ledgers that held doomed entities are read
// again to record what was deleted.
func (l *Loader) deletePass(ctx context.Context) error {
	if !l.own.anyPending() {
		return nil // the last pass's verdict (a held back threshold) stands
	}
	l.mu.Lock()
	l.deleteErr = nil // a follow pass says again what it holds back
	l.mu.Unlock()
	defer func() { l.portIdx = nil }() // a ledger rebuilt here needed Port's content
	names, err := l.ledgerStreams(ctx)
	if err != nil {
		return err
	}
	order := orderStreams(names)
	slices.Reverse(order)
	cand := map[ledger.Ref]string{}
	var list []doomed
	withDoomed := map[string]bool{}
	// live numbers, per blueprint, the entities live records produce:
	// they claim a doomed entity, and with the doomed ones they are what
	// the loader owns (the threshold's denominator).
	live := map[string][]uint64{}
	for _, s := range order {
		lg, err := l.ledgerOf(ctx, s)
		if err != nil {
			return err
		}
		l.own.mu.Lock()
		lg.Range(func(_ string, e ledger.Entry) bool {
			for _, x := range e.Doomed() {
				withDoomed[s] = true
				if _, ok := cand[x.Ref()]; !ok {
					cand[x.Ref()] = s
					list = append(list, doomed{s, x.Ref()})
				}
			}
			if !e.Gone {
				for _, x := range e.Entities {
					live[x.Blueprint] = append(live[x.Blueprint], refHash(x.Ref()))
				}
			}
			return true
		})
		l.own.mu.Unlock()
		l.evict(s)
	}
	l.own.clearPending()
	if len(cand) == 0 {
		return nil
	}
	// Ledgers are maps: order each stream's deletes so plans and requests
	// come out the same every time.
	pos := map[string]int{}
	for i, st := range order {
		pos[st] = i
	}
	slices.SortStableFunc(list, func(a, b doomed) int {
		if c := pos[a.stream] - pos[b.stream]; c != 0 {
			return c
		}
		if c := strings.Compare(a.ref.Blueprint, b.ref.Blueprint); c != 0 {
			return c
		}
		return strings.Compare(a.ref.Identifier, b.ref.Identifier)
	})
	// An entity is claimed when a live record still produces it (a
	// collision of entity numbers only keeps an entity: the safe side).
	for bp, hs := range live {
		slices.Sort(hs)
		live[bp] = slices.Compact(hs)
	}
	claimed := map[ledger.Ref]bool{}
	for ref := range cand {
		if _, ok := slices.BinarySearch(live[ref.Blueprint], refHash(ref)); ok {
			claimed[ref] = true
		}
	}
	perBP := map[string][]string{}
	var doomedList []doomed
	for _, d := range list {
		if !claimed[d.ref] {
			perBP[d.ref.Blueprint] = append(perBP[d.ref.Blueprint], d.ref.Identifier)
			doomedList = append(doomedList, d)
		}
	}
	if l.cfg.NoDeletes {
		if len(doomedList) > 0 {
			l.cfg.Logger.Info("deletes left pending (load.Config.NoDeletes)", "entities", len(doomedList))
		}
		return nil
	}
	if l.cfg.DeleteDependents && len(doomedList) > 0 {
		// The threshold counts what Port deletes along, too; the owned
		// entities are the live ones and the unclaimed candidates.
		owned := make(map[string][]uint64, len(live))
		for bp, hs := range live {
			owned[bp] = slices.Clone(hs)
		}
		for _, d := range doomedList {
			owned[d.ref.Blueprint] = append(owned[d.ref.Blueprint], refHash(d.ref))
		}
		if err := l.countDependents(ctx, perBP, owned); err != nil {
			return err
		}
	}
	var trip *ThresholdError
	for _, bp := range slices.Sorted(maps.Keys(perBP)) {
		n := len(perBP[bp])
		// Owned: live, and doomed unclaimed (a dependent Port deletes along
		// may still be live: count it once).
		total := len(live[bp])
		for _, id := range perBP[bp] {
			if _, found := slices.BinarySearch(live[bp], refHash(ledger.Ref{Blueprint: bp, Identifier: id})); !found {
				total++
			}
		}
		if total > 0 && float64(n)/float64(total) > l.cfg.DeleteThreshold {
			if trip == nil {
				trip = &ThresholdError{Threshold: l.cfg.DeleteThreshold}
			}
			trip.Trips = append(trip.Trips, ThresholdTrip{Blueprint: bp, Delete: n, Owned: total})
		}
	}
	live = nil
	if trip != nil {
		l.mu.Lock()
		l.deleteErr = trip
		l.mu.Unlock()
		l.cfg.Logger.Error("deletes held back by the threshold", "error", trip.Error())
		return nil
	}
	if l.cfg.Plan {
		l.planDeletes(doomedList)
		return nil
	}
	deleted, err := l.sendDeletes(ctx, doomedList)
	// What Port confirmed leaves the ledgers even when a later request
	// failed; claimed entities leave the records that let them go.
	for _, s := range order {
		if !withDoomed[s] {
			continue
		}
		lg, lerr := l.ledgerOf(ctx, s)
		if lerr != nil {
			if err == nil {
				err = lerr
			}
			continue
		}
		l.own.mu.Lock()
		var keys []string
		lg.Range(func(k string, e ledger.Entry) bool {
			if len(e.Doomed()) > 0 {
				keys = append(keys, k)
			}
			return true
		})
		left := false
		for _, k := range keys {
			e, _ := lg.Get(k)
			drop := func(x ledger.Entity) bool { return deleted[x.Ref()] || claimed[x.Ref()] }
			e.Orphans = slices.DeleteFunc(e.Orphans, drop)
			if e.Gone {
				e.Entities = slices.DeleteFunc(e.Entities, drop)
			}
			lg.Put(k, e)
			left = left || len(e.Doomed()) > 0
		}
		serr := lg.Save(ctx, l.cfg.Store, l.cfg.Prefix, l.cfg.Name)
		l.own.mu.Unlock()
		if serr != nil && err == nil {
			err = serr
		}
		if left || serr != nil {
			// Refused or not attempted: the next pass tries again.
			l.own.markPending(s)
		}
		if serr == nil {
			l.evict(s)
		}
	}
	return err
}

// sendDeletes deletes entities in order, a request per run of one stream
// and blueprint, and returns those Port confirmed gone. Refusals stay
// pending and are counted; an unknown outcome stops (err).
func (l *Loader) sendDeletes(ctx context.Context, list []doomed) (map[ledger.Ref]bool, error) {
	deleted := map[ledger.Ref]bool{}
	deps := &DependentsError{}
	defer l.holdDependents(deps)
	for i := 0; i < len(list); {
		j := i
		bpIDs := map[string][]string{}
		for j < len(list) && list[j].stream == list[i].stream {
			bpIDs[list[j].ref.Blueprint] = append(bpIDs[list[j].ref.Blueprint], list[j].ref.Identifier)
			j++
		}
		stream := list[i].stream
		for _, bp := range slices.Sorted(maps.Keys(bpIDs)) {
			ids := bpIDs[bp]
			// Dependents are deleted along only when asked: they may not
			// be ours.
			failures, err := l.cfg.Port.Delete(ctx, bp, ids, l.cfg.DeleteDependents)
			refused := map[int]bool{}
			for _, f := range failures {
				refused[f.Index] = true
				if refusedForDependents(f) {
					deps.add(bp, f)
					continue
				}
				l.cfg.Logger.Warn("Port refused a delete; it stays pending", "blueprint", bp, "identifier", f.Identifier, "status", f.Status, "error", f.Error, "message", f.Message)
			}
			if err != nil {
				return deleted, fmt.Errorf("deleting %d %s entities of stream %s: %w", len(ids), bp, stream, err)
			}
			n := 0
			for k, id := range ids {
				if !refused[k] {
					deleted[ledger.Ref{Blueprint: bp, Identifier: id}] = true
					n++
				}
			}
			l.recordDeletes(stream, bp, n, len(refused))
		}
		i = j
	}
	return deleted, nil
}

// recordDeletes counts a stream's deletes in the summary.
func (l *Loader) recordDeletes(stream, bp string, n, refused int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.sums[stream]
	if s == nil {
		s = &StreamSummary{Stream: stream}
		l.sums[stream] = s
	}
	s.Deletes += int64(n)
	s.DeleteFailures += int64(refused)
	l.deleted[bp] += int64(n)
}

// ledgerStreams are the streams this loader keeps a ledger for in the
// bucket, with those it holds in memory (not saved yet: a plan), so an
// entity still produced by a stream not loaded in this run is seen as
// claimed.
func (l *Loader) ledgerStreams(ctx context.Context) (map[string]bool, error) {
	base := lake.JoinKey(l.cfg.Prefix, lake.MetaDir, "ledger", l.cfg.Name) + "/"
	found := map[string]bool{}
	err := l.cfg.Store.List(ctx, base, "", func(o lake.ObjectInfo) error {
		rest := strings.TrimPrefix(o.Key, base)
		if s, name, ok := strings.Cut(rest, "/"); ok && name == "ledger.json" {
			found[s] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing ledgers under %s: %w", base, err)
	}
	l.own.mu.Lock()
	for s := range l.own.streams {
		found[s] = true
	}
	l.own.mu.Unlock()
	return found, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// refHash numbers an entity in 8 bytes. A collision errs on the safe
// side: it lowers an owned count by one, keeps a doomed entity (claimed),
// or skips a send only if the content hashes collide too.
func refHash(r ledger.Ref) uint64 {
	// FNV-1a inline: hash/fnv allocates per call, and this runs per entity.
	h := uint64(14695981039346656037)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
	}
	add(r.Blueprint)
	h ^= 0
	h *= 1099511628211
	add(r.Identifier)
	return h
}
