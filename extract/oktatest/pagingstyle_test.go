package oktatest

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oktalake/oktalake/streams"
)

// TestCatalogPagingMatchesSpec checks every list endpoint of the catalog
// (streams and parent listings) against the Okta spec: an endpoint whose 200
// is an array pages in the Link header; one whose 200 is an object names
// its records' field (ItemsField) and, when the schema has _links, pages in
// the body's _links.next (BodyNext), as IamRoles and ResourceSets do.
func TestCatalogPagingMatchesSpec(t *testing.T) {
	sp := mustSpec(t)
	var sources []streams.Source
	names := map[int]string{}
	for _, st := range streams.All() {
		names[len(sources)] = st.Name
		sources = append(sources, st.Source())
		if st.ParentSource != nil {
			names[len(sources)] = st.Name + " (parents)"
			sources = append(sources, *st.ParentSource)
		}
	}
	for i, src := range sources {
		t.Run(names[i], func(t *testing.T) {
			// The most literal template wins, as in Okta's routing:
			// /api/v1/groups/rules is not /api/v1/groups/{groupId}.
			var op *openapi3.Operation
			best := -1
			for path, item := range sp.doc.Paths.Map() {
				if n, ok := specPathMatches(path, src.Path); ok && n > best {
					op, best = item.Get, n
				}
			}
			if op == nil {
				t.Fatalf("%s: no GET in the spec", src.Path)
			}
			ok := op.Responses.Value("200")
			if ok == nil || ok.Value.Content.Get("application/json") == nil {
				t.Fatalf("%s: no JSON 200 in the spec", src.Path)
			}
			schema := ok.Value.Content.Get("application/json").Schema.Value
			if src.Object {
				if !schema.Type.Is(openapi3.TypeObject) || src.ItemsField != "" || src.BodyNext || src.PageSize != 0 {
					t.Fatalf("%s: the catalog says one object, unpaged; the spec's 200 is %v (ItemsField %q BodyNext %v PageSize %d)",
						src.Path, schema.Type, src.ItemsField, src.BodyNext, src.PageSize)
				}
				return
			}
			if schema.Type.Is(openapi3.TypeArray) {
				if src.ItemsField != "" || src.BodyNext {
					t.Fatalf("%s: the spec's 200 is an array (Link-header paging), the catalog says ItemsField %q BodyNext %v",
						src.Path, src.ItemsField, src.BodyNext)
				}
				return
			}
			items := schema.Properties[src.ItemsField]
			if src.ItemsField == "" || items == nil || !items.Value.Type.Is(openapi3.TypeArray) {
				t.Fatalf("%s: the spec's 200 is an object with %v, the catalog's ItemsField %q is not its array",
					src.Path, keys(schema.Properties), src.ItemsField)
			}
			_, hasLinks := schema.Properties["_links"]
			if src.BodyNext != hasLinks {
				t.Fatalf("%s: the spec's 200 %s _links, the catalog says BodyNext %v", src.Path,
					map[bool]string{true: "has", false: "has no"}[hasLinks], src.BodyNext)
			}
		})
	}
}

// specPathMatches says whether the catalog's path is one the spec's path
// template routes, and with how many literal segments: a spec parameter
// ({groupId}) matches the catalog's own {id} placeholder or a fixed segment
// (the user schema's "default", which getUserSchema's schemaId accepts);
// other segments must be equal.
func specPathMatches(specPath, catalogPath string) (literal int, ok bool) {
	sp, cp := strings.Split(specPath, "/"), strings.Split(catalogPath, "/")
	if len(sp) != len(cp) {
		return 0, false
	}
	for i := range sp {
		switch {
		case specParam.MatchString(sp[i]):
			if cp[i] == "" {
				return 0, false
			}
		case sp[i] == cp[i]:
			literal++
		default:
			return 0, false
		}
	}
	return literal, true
}

var specParam = regexp.MustCompile(`^\{[^}]+\}$`)

func keys(m openapi3.Schemas) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestCustomRolesPageInTheBody: /api/v1/iam/roles pages as IamRoles says,
// a page of roles and _links.next, never a Link header to the next page.
func TestCustomRolesPageInTheBody(t *testing.T) {
	cfg := testOrgConfig()
	cfg.CustomRoles = iamBodyPageLength + 5
	s, _ := startServer(t, cfg, Options{})
	sp := mustSpec(t)
	var seen int
	next := "/api/v1/iam/roles"
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("the roles never stop paging")
		}
		r := get(t, s, next)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", next, r.status, r.body)
		}
		if err := sp.validate(s.URL+next, r); err != nil {
			t.Fatalf("%s against the spec: %v", next, err)
		}
		for _, l := range r.header.Values("Link") {
			if strings.Contains(l, `rel="next"`) {
				t.Fatalf("%s: a Link header next %q; IamRoles pages in the body", next, l)
			}
		}
		var body struct {
			Roles []json.RawMessage `json:"roles"`
			Links struct {
				Next struct{ Href string } `json:"next"`
			} `json:"_links"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		seen += len(body.Roles)
		next = strings.TrimPrefix(body.Links.Next.Href, s.URL)
	}
	if seen != cfg.CustomRoles {
		t.Fatalf("%d roles over the pages, want %d", seen, cfg.CustomRoles)
	}
}

// TestSpecPathMatches pins how a catalog path finds its spec template.
func TestSpecPathMatches(t *testing.T) {
	for _, c := range []struct {
		spec, catalog string
		literal       int
		ok            bool
	}{
		{"/api/v1/groups/rules", "/api/v1/groups/rules", 5, true},
		{"/api/v1/groups/{groupId}", "/api/v1/groups/rules", 4, true}, // matches, but less literally
		{"/api/v1/groups/{groupId}/users", "/api/v1/groups/{id}/users", 5, true},
		{"/api/v1/meta/schemas/user/{schemaId}", "/api/v1/meta/schemas/user/default", 6, true},
		{"/api/v1/groups/rules", "/api/v1/groups/{id}", 0, false}, // a placeholder is not a literal
		{"/api/v1/groups/{groupId}", "/api/v1/groups/", 0, false},
		{"/api/v1/groups", "/api/v1/groups/rules", 0, false},
	} {
		n, ok := specPathMatches(c.spec, c.catalog)
		if n != c.literal || ok != c.ok {
			t.Errorf("specPathMatches(%q, %q) = %d, %v; want %d, %v", c.spec, c.catalog, n, ok, c.literal, c.ok)
		}
	}
}
