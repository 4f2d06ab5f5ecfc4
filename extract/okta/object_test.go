package okta

import (
	"net/http"
	"strings"
	"testing"
)

// An endpoint that answers one object (the user schema) is one record and
// no next link; anything else in its place is an error naming the page.
func TestDecodePageObject(t *testing.T) {
	tests := []struct {
		body    string
		records int
		err     string
	}{
		{`{"id":"https://acme.okta.com/meta/schemas/user/default","name":"user"}`, 1, ""},
		{` {"_links":{"next":{"href":"https://acme.okta.com/x"}}} `, 1, ""},
		{`[{"id":"a"}]`, 0, "want a JSON object, got"},
		{`"user"`, 0, "want a JSON object, got a string"},
	}
	for _, tt := range tests {
		recs, next, err := decodePage(&Response{Status: http.StatusOK, Body: []byte(tt.body)}, "https://acme.okta.com/api/v1/meta/schemas/user/default", ListOptions{Object: true})
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "/meta/schemas/user/default") {
				t.Errorf("%s: err %v, want one naming the page and %q", tt.body, err, tt.err)
			}
			continue
		}
		if err != nil || len(recs) != tt.records || next != "" {
			t.Errorf("%s: %d records, next %q, err %v; want %d, no next", tt.body, len(recs), next, err, tt.records)
		}
	}
}
