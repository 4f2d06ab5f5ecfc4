package okta

import (
	"net/http"
	"reflect"
	"testing"
)

func TestParseLinks(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    []link
		next    string
	}{
		{
			name:    "okta style, two headers",
			headers: []string{`<https://o.okta.com/api/v1/users?limit=200>; rel="self"`, `<https://o.okta.com/api/v1/users?after=00u1&limit=200>; rel="next"`},
			want: []link{
				{URI: "https://o.okta.com/api/v1/users?limit=200", Params: map[string]string{"rel": "self"}},
				{URI: "https://o.okta.com/api/v1/users?after=00u1&limit=200", Params: map[string]string{"rel": "next"}},
			},
			next: "https://o.okta.com/api/v1/users?after=00u1&limit=200",
		},
		{
			name:    "one comma-joined header",
			headers: []string{`<https://a/x?p=1>; rel="self", <https://a/x?p=2>; rel="next"`},
			want: []link{
				{URI: "https://a/x?p=1", Params: map[string]string{"rel": "self"}},
				{URI: "https://a/x?p=2", Params: map[string]string{"rel": "next"}},
			},
			next: "https://a/x?p=2",
		},
		{
			name:    "commas and semicolons inside the URI",
			headers: []string{`<https://a/x?expand=a,b;c&after=1>; rel=next, <https://a/y>; rel=self`},
			want: []link{
				{URI: "https://a/x?expand=a,b;c&after=1", Params: map[string]string{"rel": "next"}},
				{URI: "https://a/y", Params: map[string]string{"rel": "self"}},
			},
			next: "https://a/x?expand=a,b;c&after=1",
		},
		{
			name:    "quoted params with commas, escapes and several rels",
			headers: []string{`<https://a/1>; title="x, \"y\"; z"; REL="prev next", <https://a/2>; rel="next"`},
			want: []link{
				{URI: "https://a/1", Params: map[string]string{"title": `x, "y"; z`, "rel": "prev next"}},
				{URI: "https://a/2", Params: map[string]string{"rel": "next"}},
			},
			next: "https://a/1",
		},
		{
			name:    "only the first rel counts",
			headers: []string{`<https://a/1>; rel="self"; rel="next"`},
			want:    []link{{URI: "https://a/1", Params: map[string]string{"rel": "self"}}},
		},
		{
			name:    "case-insensitive rel value, white space",
			headers: []string{"  <https://a/n> ;\trel = NEXT  "},
			want:    []link{{URI: "https://a/n", Params: map[string]string{"rel": "NEXT"}}},
			next:    "https://a/n",
		},
		{
			name:    "garbage around a valid link",
			headers: []string{`junk; rel="next", <https://a/ok>; rel="next"`, `<unterminated; rel="next"`},
			want:    []link{{URI: "https://a/ok", Params: map[string]string{"rel": "next"}}},
			next:    "https://a/ok",
		},
		{
			name:    "no next",
			headers: []string{`<https://a/self>; rel="self"`},
			want:    []link{{URI: "https://a/self", Params: map[string]string{"rel": "self"}}},
		},
		{name: "no header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.headers {
				h.Add("Link", v)
			}
			if got := parseLinks(h); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseLinks = %#v\nwant %#v", got, tt.want)
			}
			if got := nextLink(h); got != tt.next {
				t.Errorf("nextLink = %q, want %q", got, tt.next)
			}
		})
	}
}
