package load

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/oktalake/oktalake/internal/iox"
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

// planSender stands in for Port in a plan: it records each operation and
// acknowledges it as accepted, sending nothing.
type planSender struct{ plan *Plan }

func (p planSender) send(_ context.Context, b batch) outcome {
	m := p.plan.Upserts
	ops := b.ops
	if b.delete {
		m = p.plan.Deletes
	} else {
		ops = lastWins(ops)
	}
	for _, o := range ops {
		id := o.id()
		if id == "" {
			id = fmt.Sprint(o.entity.Identifier)
		}
		p.plan.add(m, b.blueprint, id)
	}
	return outcome{sent: len(ops)}
}

// WriteTo prints the plan: per blueprint, what would be upserted and
// deleted, and the first identifiers.
func (p *Plan) WriteTo(w io.Writer) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cw := &iox.CountingWriter{W: w}
	fmt.Fprintln(cw, "plan: nothing was sent to Port; the checkpoint and the ledger are as they were")
	tw := tabwriter.NewWriter(cw, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "blueprint\tupserts\tdeletes\tfirst identifiers\t")
	bps := map[string]bool{}
	for bp := range p.Upserts {
		bps[bp] = true
	}
	for bp := range p.Deletes {
		bps[bp] = true
	}
	for _, bp := range sortedKeys(bps) {
		up, del := p.Upserts[bp], p.Deletes[bp]
		var first []string
		if up != nil {
			first = append(first, "upsert "+strings.Join(up.First, ", "))
		}
		if del != nil {
			first = append(first, "delete "+strings.Join(del.First, ", "))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t\n", bp, up.count(), del.count(), strings.Join(first, "; "))
	}
	if len(bps) == 0 {
		fmt.Fprintln(tw, "(nothing to do)\t\t\t\t")
	}
	if err := tw.Flush(); err != nil {
		return cw.N, err
	}
	return cw.N, cw.Err
}

func (c *PlanCount) count() int64 {
	if c == nil {
		return 0
	}
	return c.Count
}
