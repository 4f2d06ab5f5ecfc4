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
// entity, a 413 for one entity too big), the client refused, or Port's
// replies never confirmed (Error "unconfirmed", after resends), sorted by
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
		fs, err := c.runBatches(ctx, batches(round, maxBatchEntities, c.limit.cut()), func(ctx context.Context, b []item) ([]Failure, error) {
			return c.upsertBatch(ctx, req, b)
		})
		failures = append(failures, fs...)
		if err != nil {
			return failures, fmt.Errorf("upserting %s entities: %w", blueprint, err)
		}
	}
	return failures, nil
}

// maxUnconfirmedResends bounds how often entities that Port's reply did not
// account for are sent again before they are reported as failures.
const maxUnconfirmedResends = 2

// maxReplyQuote bounds how much of Port's reply a failure quotes.
const maxReplyQuote = 512

// upsertBatch sends one bulk body and makes sure Port's reply accounts for
// every entity in it: entities the reply neither confirms nor refuses are
// sent again, at most maxUnconfirmedResends times, then reported as
// "unconfirmed" failures quoting the reply.
func (c *Client) upsertBatch(ctx context.Context, base request, b []item) ([]Failure, error) {
	var failures []Failure
	for attempt := 1; ; attempt++ {
		fs, unconfirmed, err := c.sendBatch(ctx, base, b)
		failures = append(failures, fs...)
		if err != nil || unconfirmed == nil {
			return failures, err
		}
		if attempt > maxUnconfirmedResends {
			return append(failures, unconfirmed.failures(attempt)...), nil
		}
		c.stats.unconfirmed(len(unconfirmed.items))
		c.log.Warn("port's bulk reply did not confirm every entity; sending those again",
			"path", base.path, "status", unconfirmed.status, "unconfirmed", len(unconfirmed.items), "of", len(b))
		b = unconfirmed.items
	}
}

// unconfirmed is the part of a batch Port's reply did not account for.
type unconfirmed struct {
	items  []item
	status int
	reply  []byte
}

// failures reports the unconfirmed entities after attempts sends.
func (u *unconfirmed) failures(attempts int) []Failure {
	quote := u.reply
	if len(quote) > maxReplyQuote {
		quote = append(quote[:maxReplyQuote:maxReplyQuote], "..."...)
	}
	msg := fmt.Sprintf("Port's %d reply did not confirm this entity after %d attempts; reply (%d bytes): %s", u.status, attempts, len(u.reply), quote)
	out := make([]Failure, len(u.items))
	for i, it := range u.items {
		out[i] = Failure{Index: it.index, Identifier: it.id, Status: u.status, Error: "unconfirmed", Message: msg}
	}
	return out
}

// sendBatch sends one bulk body. A body bigger than Port is known to accept
// is cut first, unless it is the one probe of a bigger size (see bodyLimit).
// A 413 cuts it under the size learned from it; a 422/400 refusing the whole
// body splits it in halves until Port answers per entity or the culprit
// stands alone.
func (c *Client) sendBatch(ctx context.Context, base request, b []item) ([]Failure, *unconfirmed, error) {
	send, probe := c.limit.admit(bodySize(b))
	if !send && len(b) > 1 {
		fs, err := c.upsertEach(ctx, base, batches(b, maxBatchEntities, c.limit.safe()))
		return fs, nil, err
	}
	c.stats.batch(len(b))
	req := base
	req.body = encodeBatch(b)
	resp, err := c.send(ctx, req)
	if err != nil {
		if probe {
			c.limit.release()
		}
		return nil, nil, err
	}
	act := c.actionFor(resp.status)
	if act == actDone || act == actSplit {
		c.limit.observe(len(req.body), act == actSplit, probe)
	} else if probe {
		c.limit.release()
	}
	if act == actDone {
		fs, missing := bulkResult(resp, b)
		if len(missing) == 0 {
			return fs, nil, nil
		}
		return fs, &unconfirmed{items: missing, status: resp.status, reply: resp.body}, nil
	}
	if len(b) > 1 {
		var parts [][]item
		switch {
		case act == actSplit:
			parts = batches(b, maxBatchEntities, min(c.limit.cut(), len(req.body)-1))
		case resp.status == http.StatusUnprocessableEntity || resp.status == http.StatusBadRequest:
			parts = [][]item{b[:len(b)/2], b[len(b)/2:]}
		}
		if len(parts) > 1 {
			c.stats.split()
			fs, err := c.upsertEach(ctx, base, parts)
			return fs, nil, err
		}
	}
	// Port refused the whole body (one entity, or a reason shared by all,
	// like a missing blueprint): every entity in it failed for that reason.
	return failAll(b, resp.apiError(req)), nil, nil
}

// upsertEach sends parts of a batch one after the other (they hold
// distinct identifiers, so their order does not matter to Port, but this
// goroutine is the batch's one slot of concurrency).
func (c *Client) upsertEach(ctx context.Context, base request, parts [][]item) ([]Failure, error) {
	var failures []Failure
	for _, p := range parts {
		fs, err := c.upsertBatch(ctx, base, p)
		failures = append(failures, fs...)
		if err != nil {
			return failures, err
		}
	}
	return failures, nil
}

// bulkResponse is Port's 200/207 answer to a bulk upsert
// (/v1/blueprints/{blueprint_identifier}/entities/bulk in Port's OpenAPI
// document): entities lists those created or updated, errors those
// refused, each with its index in the body and its identifier.
type bulkResponse struct {
	Entities []bulkEntry `json:"entities"`
	Errors   []struct {
		bulkEntry
		StatusCode float64 `json:"statusCode"`
		Error      string  `json:"error"`
		Message    string  `json:"message"`
	} `json:"errors"`
}

type bulkEntry struct {
	Identifier any      `json:"identifier"`
	Index      *float64 `json:"index"`
}

// position finds the entity a reply entry is about: by its index when the
// identifier agrees (Port reports a search-query identifier resolved, so
// any identifier agrees with one), else by identifier; -1 when neither.
func (e bulkEntry) position(b []item) int {
	if e.Index != nil {
		i := int(*e.Index)
		if float64(i) == *e.Index && i >= 0 && i < len(b) {
			if s, isStr := b[i].id.(string); !isStr || s == e.Identifier {
				return i
			}
		}
	}
	if id, ok := e.Identifier.(string); ok {
		return slices.IndexFunc(b, func(it item) bool { return it.id == any(id) })
	}
	return -1
}

// bulkResult maps a 200/207 answer back to the caller's entities: the
// reply's errors are failures, its entities are accepted, and every entity
// the reply does not mention (an undecodable body, {"ok": false}, a list for
// other entities) is missing: its outcome is unknown.
func bulkResult(resp *response, b []item) (failures []Failure, missing []item) {
	var br bulkResponse
	if json.Unmarshal(resp.body, &br) != nil {
		return nil, b
	}
	accounted := make([]bool, len(b))
	for _, e := range br.Errors {
		pos := e.position(b)
		if pos < 0 || accounted[pos] {
			continue
		}
		accounted[pos] = true
		failures = append(failures, Failure{Index: b[pos].index, Identifier: b[pos].id, Status: int(e.StatusCode), Error: e.Error, Message: e.Message})
	}
	for _, e := range br.Entities {
		if pos := e.position(b); pos >= 0 {
			accounted[pos] = true
		}
	}
	for i, ok := range accounted {
		if !ok {
			missing = append(missing, b[i])
		}
	}
	return failures, missing
}
