package serve

// seenSet remembers the last n event uuids committed: a bounded set, the
// oldest forgotten first. Okta retries a delivery once, soon after the
// first attempt, so a window of the newest uuids catches its duplicates.
type seenSet struct {
	n    int
	set  map[string]struct{}
	ring []string
	next int
}

func newSeenSet(n int) *seenSet {
	return &seenSet{n: n, set: make(map[string]struct{}, min(n, 1<<16))}
}

func (s *seenSet) has(uuid string) bool {
	_, ok := s.set[uuid]
	return ok
}

func (s *seenSet) add(uuid string) {
	if s.has(uuid) {
		return
	}
	if len(s.ring) < s.n {
		s.ring = append(s.ring, uuid)
	} else {
		delete(s.set, s.ring[s.next])
		s.ring[s.next] = uuid
		s.next = (s.next + 1) % s.n
	}
	s.set[uuid] = struct{}{}
}

func (s *seenSet) len() int { return len(s.set) }
