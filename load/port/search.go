package port

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// searchPageSize is the most entities Port's search returns a page
// ("Search a blueprint's entities": limit 1..1000, default 200).
const searchPageSize = 1000

// Entities calls fn with every entity of a blueprint as Port returns it
// (identifier, title, properties, relations, ...), walking the pages of
// POST /v1/blueprints/{blueprint}/entities/search with its "next" cursor.
// A missing blueprint is an *APIError with Status 404; an error from fn
// stops the walk and is returned.
func (c *Client) Entities(ctx context.Context, blueprint string, fn func(json.RawMessage) error) error {
	from := ""
	path := "/v1/blueprints/" + escape(blueprint) + "/entities/search"
	for {
		body := map[string]any{"limit": searchPageSize}
		if from != "" {
			body["from"] = from
		}
		b, _ := json.Marshal(body) // a map of a number and a string encodes
		var page struct {
			Entities []json.RawMessage `json:"entities"`
			Next     string            `json:"next"`
		}
		if err := c.call(ctx, request{method: http.MethodPost, path: path, body: b}, &page); err != nil {
			return fmt.Errorf("listing %s entities: %w", blueprint, err)
		}
		for _, e := range page.Entities {
			if err := fn(e); err != nil {
				return err
			}
		}
		if page.Next == "" || len(page.Entities) == 0 {
			return nil
		}
		from = page.Next
	}
}
