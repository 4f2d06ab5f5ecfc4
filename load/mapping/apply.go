package mapping

import (
	"context"
	"encoding/json"
	"fmt"
)

// Apply maps one record (a JSON object, as stored in the bucket) read from
// objectKey. It never fails as a whole: decoding and jq problems are reported
// in Result.Errors, invalid entities in Result.Rejected. Values in the result
// may share memory with the decoded record and with each other; treat them as
// read-only. Apply is safe for concurrent use.
func (m *Mapping) Apply(ctx context.Context, record json.RawMessage, objectKey string) Result {
	rec, err := decodeObject(record)
	if err != nil {
		return Result{Errors: []EvalError{{MappingIndex: -1, Field: "record", Err: fmt.Sprintf("decoding record: %v", err)}}}
	}
	return m.apply(ctx, rec, objectKey)
}

// ApplyValue maps a record already decoded by encoding/json (numbers as
// float64 or json.Number). The record is not modified.
func (m *Mapping) ApplyValue(ctx context.Context, record map[string]any, objectKey string) Result {
	if m.dialect == Webhook {
		// The webhook body gains _PORT_SOURCE_OBJECT_KEY; copy so the caller's map stays as it was.
		cp := make(map[string]any, len(record)+1)
		for k, v := range record {
			cp[k] = v
		}
		record = cp
	}
	return m.apply(ctx, record, objectKey)
}

// apply owns rec (it may add the object key to it).
func (m *Mapping) apply(ctx context.Context, rec map[string]any, objectKey string) Result {
	r := &run{m: m, parent: ctx}
	defer r.done()
	if m.dialect == Ocean {
		stream := StreamOf(objectKey)
		for _, rl := range m.rules {
			if rl.streams[stream] {
				r.applyRule(rl, rec, oceanItem)
			}
		}
		return r.res
	}
	rec[SourceKeyField] = objectKey
	payload := map[string]any{"body": rec, "headers": map[string]any{}, "queryParams": map[string]any{}}
	for _, rl := range m.rules {
		r.applyRule(rl, payload, webhookItem)
	}
	return r.res
}

// webhookItem adds an itemsToParse element to the payload as .item.
func webhookItem(input map[string]any, item any) map[string]any {
	out := make(map[string]any, len(input)+1)
	for k, v := range input {
		out[k] = v
	}
	out["item"] = item
	return out
}

// oceanItem builds Ocean's {"item": item, **record}: a record field named
// "item" wins, as in Python's dict merge.
func oceanItem(input map[string]any, item any) map[string]any {
	out := make(map[string]any, len(input)+1)
	out["item"] = item
	for k, v := range input {
		out[k] = v
	}
	return out
}

func (r *run) applyRule(rl *rule, input map[string]any, withItem func(map[string]any, any) map[string]any) {
	if rl.items == nil {
		r.applyEvent(rl, input)
		return
	}
	v, ok, failed := r.eval(rl.index, rl.items, input)
	if failed {
		return
	}
	items, isArr := v.([]any)
	if !isArr {
		got := typeName(v)
		if !ok {
			got = "no output"
		}
		r.fail(rl.index, rl.items, fmt.Sprintf("itemsToParse must give an array, got %s", got))
		return
	}
	for _, item := range items {
		r.applyEvent(rl, withItem(input, item))
	}
}

// applyEvent maps one payload (or itemsToParse element) with one mapping.
func (r *run) applyEvent(rl *rule, input map[string]any) {
	idx := rl.index
	if rl.filter != nil {
		v, ok, failed := r.eval(idx, rl.filter, input)
		if failed {
			return
		}
		b, isBool := v.(bool)
		if !isBool {
			got := typeName(v)
			if !ok {
				got = "no output"
			}
			r.fail(idx, rl.filter, fmt.Sprintf("filter must give a boolean, got %s; mapping not applied", got))
			return
		}
		if !b {
			return
		}
	}
	rl.stats.matched.Add(1)
	omit := r.m.dialect == Webhook
	ent := Entity{MappingIndex: idx, Blueprint: rl.blueprint, CreateMissingRelated: rl.createMissing}
	ent.Identifier, _ = r.evalNode(idx, rl.identifier, input, omit)
	if rl.blueprintExpr != nil {
		bp, _, _ := r.eval(idx, rl.blueprintExpr, input)
		s, isStr := bp.(string)
		if !isStr || s == "" {
			ent.Blueprint = ""
			r.reject(rl, ent, fmt.Sprintf("blueprint is %s, not a blueprint identifier", typeName(bp)))
			return
		}
		ent.Blueprint = s
	}
	if rl.remove {
		if err := checkIdentifierValue(ent.Identifier); err != nil {
			r.reject(rl, ent, err.Error())
			return
		}
		rl.stats.deletes.Add(1)
		r.res.Deletes = append(r.res.Deletes, Delete{MappingIndex: idx, Blueprint: ent.Blueprint, Identifier: ent.Identifier, DeleteDependents: rl.deleteDependents})
		return
	}
	if rl.title != nil {
		ent.Title, _ = r.evalNode(idx, rl.title, input, omit)
	}
	if rl.icon != nil {
		ent.Icon, _ = r.evalNode(idx, rl.icon, input, omit)
	}
	if rl.team != nil {
		ent.Team, _ = r.evalNode(idx, rl.team, input, omit)
	}
	ent.Properties = r.evalFields(idx, rl.propKeys, rl.props, input, omit)
	ent.Relations = r.evalFields(idx, rl.relKeys, rl.rels, input, omit)
	if err := checkIdentifierValue(ent.Identifier); err != nil {
		r.reject(rl, ent, err.Error())
		return
	}
	rl.stats.entities.Add(1)
	r.res.Entities = append(r.res.Entities, ent)
}

func (r *run) evalFields(idx int, keys []string, nodes []*node, input any, omit bool) map[string]any {
	out := make(map[string]any, len(keys))
	for i, k := range keys {
		v, ok := r.evalNode(idx, nodes[i], input, omit)
		if !ok && omit {
			continue
		}
		out[k] = v
	}
	return out
}

func (r *run) reject(rl *rule, ent Entity, reason string) {
	rl.stats.rejected.Add(1)
	r.res.Rejected = append(r.res.Rejected, Rejection{MappingIndex: rl.index, Entity: ent, Reason: reason})
}
