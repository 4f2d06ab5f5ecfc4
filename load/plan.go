package load

import (
	"sync"
)

// Plan is what a load would do in Port: upserts and deletes per blueprint,
// with the first identifiers of each.
type Plan struct {
	mu      sync.Mutex
	Upserts map[string]*PlanCount
	Deletes map[string]*PlanCount
}

// PlanCount counts one blueprint's operations and keeps the first
// PlanSample identifiers.
type PlanCount struct {
	Count int64
	First []string
}

// PlanSample is how many identifiers a plan shows per blueprint.
const PlanSample = 5

func newPlan() *Plan {
	return &Plan{Upserts: map[string]*PlanCount{}, Deletes: map[string]*PlanCount{}}
}

func (p *Plan) add(m map[string]*PlanCount, bp, id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := m[bp]
	if c == nil {
		c = &PlanCount{}
		m[bp] = c
	}
	c.Count++
	if len(c.First) < PlanSample {
		c.First = append(c.First, id)
	}
}

func (l *Loader) planDeletes(list []doomed) {
	for _, d := range list {
		l.plan.add(l.plan.Deletes, d.ref.Blueprint, d.ref.Identifier)
	}
}
