package load

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/oktalake/oktalake/load/port"
)

// DependentsError is a run whose deletes Port refused because entities of
// another blueprint depend on them through a required relation: Port
// deletes such an entity only with delete_dependents, which deletes the
// dependents too (docs.port.io, Custom integration API, Advanced: Delete
// Dependents). The deletes stay pending and the run fails until the
// relation is made optional or the load runs with
// load.Config.DeleteDependents.
type DependentsError struct {
	// Refusals are per blueprint, in the order Port refused them.
	Refusals []DependentsRefusal
}

// DependentsRefusal is one blueprint's deletes Port refused for
// dependents.
type DependentsRefusal struct {
	Blueprint string
	// Count is how many of its entities Port refused to delete.
	Count int
	// First is the first refused entity's identifier, and Reason what Port
	// said of it (the dependent blueprint and relation, when Port names
	// them).
	First, Reason string
}

func (e *DependentsError) Error() string {
	n := 0
	parts := make([]string, len(e.Refusals))
	for i, r := range e.Refusals {
		n += r.Count
		parts[i] = fmt.Sprintf("%s: %d entities, first %q (Port: %s)", r.Blueprint, r.Count, r.First, r.Reason)
	}
	return fmt.Sprintf("%d deletes refused by Port because other entities depend on them through a required relation; they stay pending (%s): make that relation optional in the dependent blueprint (an Okta event outlives its actor), or load with load.Config.DeleteDependents to delete the dependents along",
		n, strings.Join(parts, "; "))
}

// refusedForDependents reports whether Port refused a delete because other
// entities depend on the entity: Port answers 422 with an error or message
// about dependents.
func refusedForDependents(f port.Failure) bool {
	if f.Status != 0 && f.Status != http.StatusUnprocessableEntity {
		return false
	}
	return strings.Contains(strings.ToLower(f.Error+" "+f.Message), "dependent")
}

// add counts one refused delete of blueprint bp.
func (e *DependentsError) add(bp string, f port.Failure) {
	for i := range e.Refusals {
		if e.Refusals[i].Blueprint == bp {
			e.Refusals[i].Count++
			return
		}
	}
	id, _ := f.Identifier.(string)
	if id == "" {
		id = fmt.Sprint(f.Identifier)
	}
	reason := f.Message
	if reason == "" {
		reason = f.Error
	}
	e.Refusals = append(e.Refusals, DependentsRefusal{Blueprint: bp, Count: 1, First: id, Reason: reason})
}

// holdDependents records the pass's refusals for dependents as the run's
// failure (after a threshold trip, which stops the pass earlier) and logs
// each blueprint's once.
func (l *Loader) holdDependents(e *DependentsError) {
	if len(e.Refusals) == 0 {
		return
	}
	for _, r := range e.Refusals {
		l.cfg.Logger.Error("Port refused deletes for dependents; they stay pending",
			"blueprint", r.Blueprint, "entities", r.Count, "first", r.First, "reason", r.Reason)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.deleteErr == nil {
		l.deleteErr = e
	}
}
