package port

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// Upsert sends entities of one blueprint in bulk batches (at most 20
// entities and 1 MiB per body), concurrently within the client's limit.
// Failures are the entities Port refused (207 results, a 422 for a single
// entity, a 413 for one entity too big) or the client refused, sorted by
// index. err is non-nil only when the outcome of some entity is unknown
// (authentication failed, ctx done, retries exhausted): the caller must
// then not checkpoint.
func (c *Client) Upsert(ctx context.Context, blueprint string, entities []Entity) (failures []Failure, err error) {
	items := make([]item, 0, len(entities))
	for i, e := range entities {
		if code, msg, ok := checkEntity(e); !ok {
			failures = append(failures, Failure{Index: i, Identifier: e.Identifier, Error: code, Message: msg})
			continue
		}
		b, err := json.Marshal(e)
		if err != nil {
			failures = append(failures, Failure{Index: i, Identifier: e.Identifier, Error: "invalid_entity", Message: "encoding entity: " + err.Error()})
			continue
		}
		if bulkEnvelope+len(b) > maxBodyBytes {
			failures = append(failures, Failure{Index: i, Identifier: e.Identifier, Error: "entity_too_large",
				Message: fmt.Sprintf("entity is %d bytes encoded; Port's body limit is %d", len(b), maxBodyBytes)})
			continue
		}
		items = append(items, item{index: i, id: e.Identifier, json: b})
	}
	req := request{
		method: http.MethodPost,
		path:   "/v1/blueprints/" + escape(blueprint) + "/entities/bulk",
		query: url.Values{
			"upsert":                          {"true"},
			"merge":                           {strconv.FormatBool(*c.cfg.Merge)},
			"create_missing_related_entities": {strconv.FormatBool(*c.cfg.CreateMissingRelated)},
		},
	}
	defer func() {
		slices.SortFunc(failures, func(a, b Failure) int { return a.Index - b.Index })
		c.stats.failures(len(failures))
	}()
	for _, round := range rounds(items) {
		fs, err := c.runBatches(ctx, batches(round, maxBatchEntities), func(ctx context.Context, b []item) ([]Failure, error) {
			return c.upsertBatch(ctx, req, b)
		})
		failures = append(failures, fs...)
		if err != nil {
			return failures, fmt.Errorf("upserting %s entities: %w", blueprint, err)
		}
	}
	return failures, nil
}

// upsertBatch sends one bulk body. A 413, or a 422/400 refusing the whole
// body, splits it in halves until Port answers per entity or the culprit
// stands alone.
func (c *Client) upsertBatch(ctx context.Context, base request, b []item) ([]Failure, error) {
	c.stats.batch(len(b))
	req := base
	req.body = encodeBatch(b)
	resp, err := c.send(ctx, req)
	if err != nil {
		return nil, err
	}
	act := actionFor(resp.status)
	if act == actDone {
		return bulkFailures(resp, b, req)
	}
	splittable := act == actSplit || resp.status == http.StatusUnprocessableEntity || resp.status == http.StatusBadRequest
	if splittable && len(b) > 1 {
		c.stats.split()
		half := len(b) / 2
		left, err := c.upsertBatch(ctx, base, b[:half])
		if err != nil {
			return left, err
		}
		right, err := c.upsertBatch(ctx, base, b[half:])
		return append(left, right...), err
	}
	// Port refused the whole body (one entity, or a reason shared by all,
	// like a missing blueprint): every entity in it failed for that reason.
	return failAll(b, resp.apiError(req)), nil
}

// bulkResponse is Port's 200/207 answer to a bulk upsert.
type bulkResponse struct {
	Entities []struct {
		Identifier string `json:"identifier"`
		Index      int    `json:"index"`
	} `json:"entities"`
	Errors []struct {
		Identifier string `json:"identifier"`
		Index      *int   `json:"index"`
		StatusCode int    `json:"statusCode"`
		Error      string `json:"error"`
		Message    string `json:"message"`
	} `json:"errors"`
}

// bulkFailures maps a 200/207 answer's errors back to the caller's
// entities. Entities not reported as errors were accepted.
func bulkFailures(resp *response, b []item, req request) ([]Failure, error) {
	var br bulkResponse
	if err := json.Unmarshal(resp.body, &br); err != nil {
		if resp.status == http.StatusMultiStatus {
			return nil, fmt.Errorf("decoding %s %s partial result: %w", req.method, req.path, err)
		}
		return nil, nil
	}
	out := make([]Failure, 0, len(br.Errors))
	for _, e := range br.Errors {
		pos := -1
		if e.Index != nil && *e.Index >= 0 && *e.Index < len(b) {
			pos = *e.Index
		} else {
			pos = slices.IndexFunc(b, func(it item) bool { return it.id == any(e.Identifier) })
		}
		if pos < 0 {
			return out, fmt.Errorf("matching %s %s partial result: error for unknown entity %q", req.method, req.path, e.Identifier)
		}
		out = append(out, Failure{Index: b[pos].index, Identifier: b[pos].id, Status: e.StatusCode, Error: e.Error, Message: e.Message})
	}
	return out, nil
}
