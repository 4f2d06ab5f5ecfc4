package airbyte

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/streams"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

func emitOne(t *testing.T, m Message) []map[string]any {
	t.Helper()
	var out bytes.Buffer
	if err := NewEmitter(&out, nil).Emit(m); err != nil {
		t.Fatal(err)
	}
	return messages(t, out.Bytes())
}

// source-okta's configurations, as Airbyte stores them, are valid against
// the spec; the refresh-token method, which oktalake does not run, is not.
func TestSpecAcceptsSourceOktaConfigs(t *testing.T) {
	spec := ConnectorSpec()
	if msgs := emitOne(t, Message{Type: TypeSpec, Spec: &spec}); len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	s := compileSchema(t, "connectionSpecification", spec.ConnectionSpecification)
	for _, tc := range []struct {
		name, config string
		valid        bool
	}{
		{"api token", `{"domain":"dev-123","start_date":"2022-07-22T00:00:00Z","credentials":{"auth_type":"api_token","api_token":"t"}}`, true},
		{"private key", `{"domain":"dev-123","credentials":{"auth_type":"oauth2.0_private_key","client_id":"c","key_id":"k","private_key":"-----BEGIN PRIVATE KEY-----","scope":"okta.users.read okta.groups.read"}}`, true},
		{"refresh token", `{"domain":"dev-123","credentials":{"auth_type":"oauth2.0","client_id":"c","client_secret":"s","refresh_token":"r"}}`, false},
		{"bad start date", `{"domain":"dev-123","start_date":"2022-07-22","credentials":{"auth_type":"api_token","api_token":"t"}}`, false},
		{"no domain", `{"credentials":{"auth_type":"api_token","api_token":"t"}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := jsonschema.UnmarshalJSON(strings.NewReader(tc.config))
			if err != nil {
				t.Fatal(err)
			}
			schemaErr := s.Validate(v)
			_, parseErr := ParseConfig([]byte(tc.config))
			if (schemaErr == nil) != tc.valid || (parseErr == nil) != tc.valid {
				t.Errorf("schema says %v, ParseConfig says %v; want valid=%v", schemaErr, parseErr, tc.valid)
			}
		})
	}
}

func TestParseConfigNamesTheFieldAndHidesSecrets(t *testing.T) {
	const secret = "very-secret-value"
	for _, tc := range []struct{ config, field string }{
		{`{"domain":"","credentials":{"auth_type":"api_token","api_token":"` + secret + `"}}`, "config.domain"},
		{`{"domain":"d","credentials":{"auth_type":"api_token"}}`, "config.credentials.api_token"},
		{`{"domain":"d","credentials":{"auth_type":"oauth2.0_private_key","client_id":"c","private_key":"` + secret + `","scope":"s"}}`, "config.credentials.key_id"},
		{`{"domain":"d","credentials":{"auth_type":"oauth2.0_private_key","client_id":"c","key_id":"k","private_key":"` + secret + `"}}`, "config.credentials.scope"},
		{`{"domain":"d","credentials":{"auth_type":"basic","api_token":"` + secret + `"}}`, "config.credentials.auth_type"},
		{`{"domain":"d","start_date":"yesterday","credentials":{"auth_type":"api_token","api_token":"` + secret + `"}}`, "config.start_date"},
	} {
		_, err := ParseConfig([]byte(tc.config))
		if err == nil || !strings.Contains(err.Error(), tc.field) || strings.Contains(err.Error(), secret) {
			t.Errorf("%s: err %v, want one naming %s without the secret", tc.config, err, tc.field)
		}
	}
}

func TestOktaDomainAsSourceOktaTakesIt(t *testing.T) {
	for in, want := range map[string]string{
		"dev-123":               "dev-123.okta.com",
		"acme.oktapreview.com":  "acme.oktapreview.com",
		"http://127.0.0.1:8080": "http://127.0.0.1:8080",
		"login.example.com":     "login.example.com",
	} {
		if got := (Config{Domain: in}).OktaConfig().Domain; got != want {
			t.Errorf("domain %q: %q, want %q", in, got, want)
		}
	}
	oc := Config{Domain: "d", Credentials: Credentials{AuthType: AuthPrivateKey, ClientID: "c", KeyID: "k", PrivateKey: "p", Scope: "okta.users.read  okta.logs.read"}}.OktaConfig()
	if oc.ClientID != "c" || oc.KeyID != "k" || oc.PrivateKey != "p" || len(oc.Scopes) != 2 || oc.APIToken != "" {
		t.Errorf("private-key config: %+v", oc)
	}
}

func TestDiscover(t *testing.T) {
	cat, err := Discover()
	if err != nil {
		t.Fatal(err)
	}
	msgs := emitOne(t, Message{Type: TypeCatalog, Catalog: &cat})
	got := msgs[0]["catalog"].(map[string]any)["streams"].([]any)
	if len(got) != len(streams.All()) {
		t.Fatalf("%d streams, the catalog has %d", len(got), len(streams.All()))
	}
	byName := map[string]Stream{}
	for _, s := range cat.Streams {
		byName[s.Name] = s
	}
	for _, tc := range []struct {
		name   string
		modes  []string
		cursor []string
		pk     [][]string
	}{
		{"users", []string{"full_refresh", "incremental"}, []string{"lastUpdated"}, [][]string{{"id"}}},
		{"logs", []string{"full_refresh", "incremental"}, []string{"published"}, [][]string{{"uuid"}}},
		{"group_members", []string{"full_refresh"}, nil, [][]string{{"groupId"}, {"id"}}},
	} {
		s := byName[tc.name]
		b, _ := json.Marshal([]any{s.SupportedSyncModes, s.DefaultCursorField, s.SourceDefinedPrimaryKey})
		w, _ := json.Marshal([]any{tc.modes, tc.cursor, tc.pk})
		if !bytes.Equal(b, w) {
			t.Errorf("%s: %s, want %s", tc.name, b, w)
		}
	}
}

func TestConfiguredCatalog(t *testing.T) {
	cs := protocolSchema(t, "ConfiguredAirbyteCatalog")
	good := []byte(`{"streams":[{"stream":{"name":"users","json_schema":{},"supported_sync_modes":["incremental"]},"sync_mode":"incremental","destination_sync_mode":"append"}]}`)
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(good))
	if err := cs.Validate(v); err != nil {
		t.Fatalf("the test's catalog is not a ConfiguredAirbyteCatalog: %v", err)
	}
	if _, err := ParseCatalog(good); err != nil {
		t.Errorf("ParseCatalog: %v", err)
	}
	for _, tc := range []struct{ catalog, want string }{
		{`{"streams":[{"stream":{"name":"nope"},"sync_mode":"full_refresh"}]}`, "catalog.streams[0].stream.name"},
		{`{"streams":[{"stream":{"name":"users"},"sync_mode":"full_refresh"},{"stream":{"name":"group_members"},"sync_mode":"incremental"}]}`, "catalog.streams[1].sync_mode"},
		{`{"streams":[{"stream":{"name":"users"},"sync_mode":"incremental","cursor_field":["created"]}]}`, "catalog.streams[0].cursor_field"},
		{`{"streams":[]}`, "catalog.streams"},
	} {
		if _, err := ParseCatalog([]byte(tc.catalog)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", tc.catalog, err, tc.want)
		}
	}
}
