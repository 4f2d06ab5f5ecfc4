package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/oktalake/oktalake/load/ledger"
	"github.com/oktalake/oktalake/load/port"
)

// dependent is an owned entity of Port that relates to others: its
// identifier and relation values.
type dependent struct {
	id   string
	rels map[string]any
}

// countDependents adds to perBP (blueprint → identifiers to delete) the
// entities this loader owns (owned: blueprint → refHash of its entities)
// that Port's delete_dependents would delete along with them: entities
// whose relation names one to delete, and theirs in turn, as Port deletes
// "all entities with a relation to the deleted entity" (Port API spec,
// delete_dependents). The relations come from Port's blueprints and
// entities, since the ledger keeps no relations; entities this loader does
// not own are not counted (the threshold is a share of owned entities).
func (l *Loader) countDependents(ctx context.Context, perBP map[string][]string, owned map[string][]uint64) error {
	doomed := map[ledger.Ref]bool{}
	targets := map[string]bool{}
	for bp, ids := range perBP {
		targets[bp] = true
		for _, id := range ids {
			doomed[ledger.Ref{Blueprint: bp, Identifier: id}] = true
		}
	}
	if len(doomed) == 0 {
		return nil
	}
	// relations[bp][name] is the relation's target blueprint.
	relations := map[string]map[string]string{}
	for _, bp := range slices.Sorted(maps.Keys(owned)) {
		raw, err := l.cfg.Port.GetBlueprint(ctx, bp)
		var apiErr *port.APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
			continue // gone from Port: nothing there to delete along
		}
		if err != nil {
			return fmt.Errorf("counting what delete_dependents deletes along: %w", err)
		}
		var doc struct {
			Relations map[string]struct {
				Target string `json:"target"`
			} `json:"relations"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			return fmt.Errorf("counting what delete_dependents deletes along: decoding blueprint %s: %w", bp, err)
		}
		for name, r := range doc.Relations {
			if relations[bp] == nil {
				relations[bp] = map[string]string{}
			}
			relations[bp][name] = r.Target
		}
	}
	listed := map[string][]dependent{}
	for changed := true; changed; {
		changed = false
		for _, bp := range slices.Sorted(maps.Keys(relations)) {
			rels := relations[bp]
			if !slices.ContainsFunc(slices.Collect(maps.Values(rels)), func(t string) bool { return targets[t] }) {
				continue
			}
			ents, ok := listed[bp]
			if !ok {
				var err error
				if ents, err = l.ownedDependents(ctx, bp, rels, owned[bp]); err != nil {
					return err
				}
				listed[bp] = ents
			}
			for _, e := range ents {
				ref := ledger.Ref{Blueprint: bp, Identifier: e.id}
				if doomed[ref] {
					continue
				}
				for name, v := range e.rels {
					if relatesTo(v, rels[name], doomed) {
						doomed[ref], targets[bp], changed = true, true, true
						perBP[bp] = append(perBP[bp], e.id)
						break
					}
				}
			}
		}
	}
	return nil
}

// ownedDependents lists bp's entities in Port that this loader owns (by
// refHash) and that have a value in one of rels.
func (l *Loader) ownedDependents(ctx context.Context, bp string, rels map[string]string, owned []uint64) ([]dependent, error) {
	own := make(map[uint64]bool, len(owned))
	for _, h := range owned {
		own[h] = true
	}
	var out []dependent
	err := l.cfg.Port.Entities(ctx, bp, func(raw json.RawMessage) error {
		var e struct {
			Identifier string         `json:"identifier"`
			Relations  map[string]any `json:"relations"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("decoding a %s entity: %w", bp, err)
		}
		if !own[refHash(ledger.Ref{Blueprint: bp, Identifier: e.Identifier})] {
			return nil
		}
		d := dependent{id: e.Identifier}
		for name, v := range e.Relations {
			if _, ok := rels[name]; ok && v != nil {
				if d.rels == nil {
					d.rels = map[string]any{}
				}
				d.rels[name] = v
			}
		}
		if d.rels != nil {
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("counting what delete_dependents deletes along: %w", err)
	}
	return out, nil
}

// relatesTo reports whether a relation value (an identifier or a list of
// them) names an entity of target in doomed.
func relatesTo(v any, target string, doomed map[ledger.Ref]bool) bool {
	switch x := v.(type) {
	case string:
		return doomed[ledger.Ref{Blueprint: target, Identifier: x}]
	case []any:
		for _, item := range x {
			if id, ok := item.(string); ok && doomed[ledger.Ref{Blueprint: target, Identifier: id}] {
				return true
			}
		}
	}
	return false
}
