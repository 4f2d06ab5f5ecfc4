package oktatest

import (
	"slices"
	"sort"
	"time"
)

// indexSet is a generated set of entity indexes (group members, an app's
// users or groups), iterated in ascending order without materialising it.
type indexSet interface {
	// next returns the smallest member greater than after.
	next(after int) (int, bool)
	has(i int) bool
	count() int
}

func (s span) next(after int) (int, bool) {
	if s.size <= 0 {
		return 0, false
	}
	k := 0
	if after >= s.start {
		k = (after-s.start)/s.stride + 1
	}
	if k >= s.size {
		return 0, false
	}
	return s.at(k), true
}

func (s span) has(i int) bool { return s.ordinal(i) >= 0 }

func (s span) count() int { return s.size }

// sortedIndexes is a small generated set held as an ascending list.
type sortedIndexes []int

func (l sortedIndexes) next(after int) (int, bool) {
	k := sort.SearchInts(l, after+1)
	if k >= len(l) {
		return 0, false
	}
	return l[k], true
}

func (l sortedIndexes) has(i int) bool {
	_, ok := slices.BinarySearch(l, i)
	return ok
}

func (l sortedIndexes) count() int { return len(l) }

// setEdits are a test's changes to one generated set.
type setEdits struct {
	added   map[int]time.Time // members not in the generated set, and when they joined
	removed map[int]bool      // generated members taken out
}

// add makes i a member; it reports whether i was not one already.
func (e *setEdits) add(base indexSet, i int, at time.Time) bool {
	if base.has(i) {
		if !e.removed[i] {
			return false
		}
		delete(e.removed, i)
		return true
	}
	if _, ok := e.added[i]; ok {
		return false
	}
	e.added[i] = at
	return true
}

// remove takes i out; it reports whether i was a member.
func (e *setEdits) remove(base indexSet, i int) bool {
	if _, ok := e.added[i]; ok {
		delete(e.added, i)
		return true
	}
	if !base.has(i) || e.removed[i] {
		return false
	}
	e.removed[i] = true
	return true
}

// editsFor returns the edits of key in m, creating them.
func editsFor(m map[int]*setEdits, key int) *setEdits {
	e := m[key]
	if e == nil {
		e = &setEdits{added: map[int]time.Time{}, removed: map[int]bool{}}
		m[key] = e
	}
	return e
}

// memberSet is a generated set with its edits applied and deleted entities
// left out: a snapshot, safe to iterate without the org's lock.
type memberSet struct {
	base    indexSet
	added   []int             // ascending, none in base
	addedAt map[int]time.Time // when each added member joined
	gone    map[int]bool      // base members removed, and deleted entities
}

// newMemberSet snapshots base with edits e (nil: none), leaving out the
// indexes in deleted. The caller holds the org's lock.
func newMemberSet(base indexSet, e *setEdits, deleted map[int]bool) memberSet {
	m := memberSet{base: base, addedAt: map[int]time.Time{}, gone: map[int]bool{}}
	for i := range deleted {
		m.gone[i] = true
	}
	if e != nil {
		for i := range e.removed {
			m.gone[i] = true
		}
		for i, at := range e.added {
			if !deleted[i] {
				m.added = append(m.added, i)
				m.addedAt[i] = at
			}
		}
		sort.Ints(m.added)
	}
	return m
}

func (m memberSet) next(after int) (int, bool) {
	b, bok := m.base.next(after)
	for bok && m.gone[b] {
		b, bok = m.base.next(b)
	}
	k := sort.SearchInts(m.added, after+1)
	switch {
	case k < len(m.added) && (!bok || m.added[k] < b):
		return m.added[k], true
	case bok:
		return b, true
	}
	return 0, false
}

func (m memberSet) has(i int) bool {
	if _, ok := m.addedAt[i]; ok {
		return true
	}
	return !m.gone[i] && m.base.has(i)
}

func (m memberSet) count() int {
	n := m.base.count() + len(m.added)
	for i := range m.gone {
		if m.base.has(i) {
			n--
		}
	}
	return n
}

// all returns every member in order; for sets small enough to list.
func (m memberSet) all() []int {
	var out []int
	for i, ok := m.next(-1); ok; i, ok = m.next(i) {
		out = append(out, i)
	}
	return out
}

// isRemoved reports whether generated member i was taken out; nil edits
// removed nothing.
func (e *setEdits) isRemoved(i int) bool { return e != nil && e.removed[i] }
