package port

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
)

// ListBlueprints returns every blueprint in the Port organization.
func (c *Client) ListBlueprints(ctx context.Context) ([]json.RawMessage, error) {
	var out struct {
		Blueprints []json.RawMessage `json:"blueprints"`
	}
	if err := c.call(ctx, request{method: http.MethodGet, path: "/v1/blueprints"}, &out); err != nil {
		return nil, fmt.Errorf("listing blueprints: %w", err)
	}
	return out.Blueprints, nil
}

// GetBlueprint returns one blueprint; a missing one is an *APIError with Status 404.
func (c *Client) GetBlueprint(ctx context.Context, identifier string) (json.RawMessage, error) {
	var out struct {
		Blueprint json.RawMessage `json:"blueprint"`
	}
	if err := c.call(ctx, request{method: http.MethodGet, path: "/v1/blueprints/" + escape(identifier)}, &out); err != nil {
		return nil, fmt.Errorf("getting blueprint %s: %w", identifier, err)
	}
	return out.Blueprint, nil
}

// CreateBlueprint creates a blueprint from its JSON document.
func (c *Client) CreateBlueprint(ctx context.Context, blueprint json.RawMessage) error {
	if err := c.call(ctx, request{method: http.MethodPost, path: "/v1/blueprints", body: blueprint}, nil); err != nil {
		return fmt.Errorf("creating blueprint %s: %w", blueprintID(blueprint), err)
	}
	return nil
}

// UpdateBlueprint replaces a blueprint with the given document (PUT).
func (c *Client) UpdateBlueprint(ctx context.Context, identifier string, blueprint json.RawMessage) error {
	if err := c.call(ctx, request{method: http.MethodPut, path: "/v1/blueprints/" + escape(identifier), body: blueprint}, nil); err != nil {
		return fmt.Errorf("updating blueprint %s: %w", identifier, err)
	}
	return nil
}

// patchBlueprint changes some fields of a blueprint (PATCH).
func (c *Client) patchBlueprint(ctx context.Context, identifier string, patch json.RawMessage) error {
	if err := c.call(ctx, request{method: http.MethodPatch, path: "/v1/blueprints/" + escape(identifier), body: patch}, nil); err != nil {
		return fmt.Errorf("patching blueprint %s: %w", identifier, err)
	}
	return nil
}

// call sends a request that must succeed and decodes the answer into out.
func (c *Client) call(ctx context.Context, req request, out any) error {
	resp, err := c.send(ctx, req)
	if err != nil {
		return err
	}
	if c.actionFor(resp.status) != actDone {
		return resp.apiError(req)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp.body, out); err != nil {
		return fmt.Errorf("decoding %s %s: %w", req.method, req.path, err)
	}
	return nil
}

func blueprintID(doc json.RawMessage) string {
	var b struct {
		Identifier string `json:"identifier"`
	}
	_ = json.Unmarshal(doc, &b)
	return b.Identifier
}

// InitResult says what InitBlueprints did, in order.
type InitResult struct {
	// Created lists blueprints created, relation targets before the
	// blueprints relating to them.
	Created []string
	// Updated lists existing blueprints replaced (update mode).
	Updated []string
	// Unchanged lists existing blueprints left alone.
	Unchanged []string
}

// relationFields are the blueprint fields that depend on relations: a
// blueprint in a relation cycle is created without them, then patched.
var relationFields = []string{"relations", "mirrorProperties", "aggregationProperties"}

// InitBlueprints creates the blueprints Port lacks, keyed by identifier.
// Relation targets are created before the blueprints that relate to them;
// blueprints in a relation cycle are created without their relations, which
// are patched in once every blueprint exists. Existing blueprints are left
// alone unless update, which replaces them with the given documents.
func (c *Client) InitBlueprints(ctx context.Context, bps map[string]json.RawMessage, update bool) (InitResult, error) {
	var res InitResult
	docs, err := decodeBlueprints(bps)
	if err != nil {
		return res, err
	}
	existingDocs, err := c.ListBlueprints(ctx)
	if err != nil {
		return res, fmt.Errorf("initializing blueprints: %w", err)
	}
	existing := map[string]bool{}
	for _, d := range existingDocs {
		existing[blueprintID(d)] = true
	}
	for id, d := range docs {
		for _, t := range d.targets {
			if _, ok := docs[t]; !ok && !existing[t] {
				return res, fmt.Errorf("initializing blueprint %s: relation target %q is neither given nor in Port", id, t)
			}
		}
	}
	var missing []string
	for id := range docs {
		if !existing[id] {
			missing = append(missing, id)
		}
	}
	ordered, cyclic := topoOrder(missing, docs)
	for _, id := range ordered {
		if err := c.CreateBlueprint(ctx, docs[id].raw); err != nil {
			return res, fmt.Errorf("initializing blueprints: %w", err)
		}
		res.Created = append(res.Created, id)
	}
	for _, id := range cyclic {
		if err := c.CreateBlueprint(ctx, docs[id].without(relationFields)); err != nil {
			return res, fmt.Errorf("initializing blueprints: %w", err)
		}
		res.Created = append(res.Created, id)
	}
	for _, id := range cyclic {
		if err := c.patchBlueprint(ctx, id, docs[id].only(relationFields)); err != nil {
			return res, fmt.Errorf("initializing blueprints: %w", err)
		}
		c.log.Info("port blueprint relations patched in after a relation cycle", "blueprint", id)
	}
	var present []string
	for id := range docs {
		if existing[id] {
			present = append(present, id)
		}
	}
	sort.Strings(present)
	for _, id := range present {
		if !update {
			res.Unchanged = append(res.Unchanged, id)
			continue
		}
		if err := c.UpdateBlueprint(ctx, id, docs[id].raw); err != nil {
			return res, fmt.Errorf("initializing blueprints: %w", err)
		}
		res.Updated = append(res.Updated, id)
	}
	return res, nil
}

// blueprintDoc is a blueprint document with its relation targets.
type blueprintDoc struct {
	raw     json.RawMessage
	fields  map[string]json.RawMessage
	targets []string
}

func decodeBlueprints(bps map[string]json.RawMessage) (map[string]*blueprintDoc, error) {
	docs := map[string]*blueprintDoc{}
	for key, raw := range bps {
		d := &blueprintDoc{raw: raw}
		if err := json.Unmarshal(raw, &d.fields); err != nil {
			return nil, fmt.Errorf("decoding blueprint %s: %w", key, err)
		}
		id := blueprintID(raw)
		if id == "" {
			id = key
			d.fields["identifier"], _ = json.Marshal(key)
			d.raw, _ = json.Marshal(d.fields)
		}
		if id != key {
			return nil, fmt.Errorf("decoding blueprint %s: identifier is %q", key, id)
		}
		var rels map[string]struct {
			Target string `json:"target"`
		}
		if r, ok := d.fields["relations"]; ok {
			if err := json.Unmarshal(r, &rels); err != nil {
				return nil, fmt.Errorf("decoding blueprint %s relations: %w", key, err)
			}
		}
		for _, r := range rels {
			if r.Target != "" && r.Target != id {
				d.targets = append(d.targets, r.Target)
			}
		}
		sort.Strings(d.targets)
		docs[id] = d
	}
	return docs, nil
}

// without returns the document minus the given fields.
func (d *blueprintDoc) without(fields []string) json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range d.fields {
		out[k] = v
	}
	for _, f := range fields {
		delete(out, f)
	}
	b, _ := json.Marshal(out)
	return b
}

// only returns just the given fields of the document.
func (d *blueprintDoc) only(fields []string) json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, f := range fields {
		if v, ok := d.fields[f]; ok {
			out[f] = v
		}
	}
	b, _ := json.Marshal(out)
	return b
}

// topoOrder orders ids so relation targets among them come first (Kahn's
// algorithm, ties by name). Ids left in or behind a cycle come back in cyclic.
func topoOrder(ids []string, docs map[string]*blueprintDoc) (ordered, cyclic []string) {
	in := map[string]bool{}
	for _, id := range ids {
		in[id] = true
	}
	pending := map[string]int{}
	dependents := map[string][]string{}
	for _, id := range ids {
		for _, t := range docs[id].targets {
			if in[t] {
				pending[id]++
				dependents[t] = append(dependents[t], id)
			}
		}
	}
	var ready []string
	for _, id := range ids {
		if pending[id] == 0 {
			ready = append(ready, id)
		}
	}
	sort.Strings(ready)
	done := map[string]bool{}
	for len(ready) > 0 {
		id := ready[0]
		ready = ready[1:]
		ordered = append(ordered, id)
		done[id] = true
		var next []string
		for _, dep := range dependents[id] {
			if pending[dep]--; pending[dep] == 0 {
				next = append(next, dep)
			}
		}
		ready = append(ready, next...)
		sort.Strings(ready)
	}
	for _, id := range ids {
		if !done[id] {
			cyclic = append(cyclic, id)
		}
	}
	sort.Strings(cyclic)
	return ordered, cyclic
}
