package port

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// Delete deletes entities of one blueprint: bulk requests of at most 100
// identifiers, the single-entity route for one. deleteDependents also
// deletes entities that relate to them (Port's delete_dependents). An
// entity that is already gone counts as deleted. Failures and err follow
// Upsert's contract.
func (c *Client) Delete(ctx context.Context, blueprint string, identifiers []string, deleteDependents bool) ([]Failure, error) {
	var failures []Failure
	var items []item
	seen := map[string]bool{}
	for i, id := range identifiers {
		if !validIdentifier(id) {
			failures = append(failures, Failure{Index: i, Identifier: id, Error: "invalid_identifier",
				Message: fmt.Sprintf("identifier %q does not match Port's identifier rule", id)})
			continue
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		b, _ := json.Marshal(id)
		items = append(items, item{index: i, id: id, json: b})
	}
	d := deleter{c: c, blueprint: blueprint, query: url.Values{"delete_dependents": {strconv.FormatBool(deleteDependents)}}}
	var chunks [][]item
	for b := range slices.Chunk(items, maxDeleteBatch) {
		chunks = append(chunks, b)
	}
	fs, err := c.runBatches(ctx, chunks, d.delete)
	failures = append(failures, fs...)
	slices.SortFunc(failures, func(a, b Failure) int { return a.Index - b.Index })
	c.stats.failures(len(failures))
	if err != nil {
		return failures, fmt.Errorf("deleting %s entities: %w", blueprint, err)
	}
	return failures, nil
}

type deleter struct {
	c         *Client
	blueprint string
	query     url.Values
}

// delete removes a batch. When Port refuses a bulk delete (one entity with
// dependents fails it all) the batch is halved until the refused entities
// stand alone and get Port's answer for themselves.
func (d deleter) delete(ctx context.Context, b []item) ([]Failure, error) {
	if len(b) == 1 {
		return d.deleteOne(ctx, b[0])
	}
	req := request{
		method: http.MethodPost,
		path:   "/v1/blueprints/" + escape(d.blueprint) + "/bulk/entities/delete",
		query:  d.query,
		body:   encodeBatch(b),
	}
	resp, err := d.c.send(ctx, req)
	if err != nil {
		return nil, err
	}
	if d.c.actionFor(resp.status) == actDone {
		return nil, nil
	}
	if resp.status == http.StatusNotFound {
		// Either the blueprint is missing, and every entity fails alike,
		// or Port refused for a missing entity, which halving resolves.
		if gone, err := d.blueprintMissing(ctx); err != nil || gone {
			return failAll(b, resp.apiError(req)), err
		}
	}
	d.c.stats.split()
	half := len(b) / 2
	left, err := d.delete(ctx, b[:half])
	if err != nil {
		return left, err
	}
	right, err := d.delete(ctx, b[half:])
	return append(left, right...), err
}

func (d deleter) deleteOne(ctx context.Context, it item) ([]Failure, error) {
	req := request{
		method: http.MethodDelete,
		path:   "/v1/blueprints/" + escape(d.blueprint) + "/entities/" + escape(it.id.(string)),
		query:  d.query,
	}
	resp, err := d.c.send(ctx, req)
	if err != nil {
		return nil, err
	}
	if d.c.actionFor(resp.status) == actDone {
		return nil, nil
	}
	if resp.status == http.StatusNotFound {
		if gone, err := d.blueprintMissing(ctx); err != nil || gone {
			return failAll([]item{it}, resp.apiError(req)), err
		}
		return nil, nil // already deleted
	}
	return failAll([]item{it}, resp.apiError(req)), nil
}

func (d deleter) blueprintMissing(ctx context.Context) (bool, error) {
	_, err := d.c.GetBlueprint(ctx, d.blueprint)
	var apiErr *APIError
	switch {
	case err == nil:
		return false, nil
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound:
		return true, nil
	}
	return false, err
}

func failAll(b []item, e *APIError) []Failure {
	out := make([]Failure, len(b))
	for i, it := range b {
		out[i] = Failure{Index: it.index, Identifier: it.id, Status: e.Status, Error: e.Code, Message: e.Message}
	}
	return out
}
