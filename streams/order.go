package streams

import (
	"fmt"
	"sort"
	"strings"
)

// LoadOrder returns every stream name in the order load takes them, so the
// entities a relation points at exist before the entities that point at
// them: a stream comes after its Parent and its References. Streams are
// taken level by level (first those that depend on none, then those that
// depend only on the first level, ...), in catalog order within a level.
func LoadOrder() []string {
	order, err := loadOrder(append(All(), live...))
	if err != nil {
		// The catalog is data compiled into the binary, and a test orders it.
		panic("streams: " + err.Error())
	}
	return order
}

// loadOrder orders ss by dependency level, ties in the order given; it
// reports a dependency on a stream not in ss, and a cycle.
func loadOrder(ss []Stream) ([]string, error) {
	index := make(map[string]int, len(ss))
	for i, s := range ss {
		index[s.Name] = i
	}
	const (
		unvisited = -1
		visiting  = -2
	)
	level := make([]int, len(ss))
	for i := range level {
		level[i] = unvisited
	}
	var visit func(i int, path []string) error
	visit = func(i int, path []string) error {
		switch level[i] {
		case visiting:
			return fmt.Errorf("dependency cycle: %s", strings.Join(append(path, ss[i].Name), " → "))
		case unvisited:
		default:
			return nil
		}
		level[i] = visiting
		l := 0
		for _, dep := range dependencies(ss[i]) {
			j, ok := index[dep]
			if !ok {
				return fmt.Errorf("%s depends on %q, which is not in the catalog", ss[i].Name, dep)
			}
			if err := visit(j, append(path, ss[i].Name)); err != nil {
				return err
			}
			l = max(l, level[j]+1)
		}
		level[i] = l
		return nil
	}
	for i := range ss {
		if err := visit(i, nil); err != nil {
			return nil, err
		}
	}
	pos := make([]int, len(ss))
	for i := range pos {
		pos[i] = i
	}
	sort.SliceStable(pos, func(a, b int) bool { return level[pos[a]] < level[pos[b]] })
	out := make([]string, len(ss))
	for k, i := range pos {
		out[k] = ss[i].Name
	}
	return out, nil
}

// dependencies are the streams s's entities point at.
func dependencies(s Stream) []string {
	if s.Parent == "" {
		return s.References
	}
	return append([]string{s.Parent}, s.References...)
}
