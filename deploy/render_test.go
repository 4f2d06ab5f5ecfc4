package deploy

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// chartWith is a one-template chart: the renderer's tests need no real chart.
func chartWith(t *testing.T, values, tmpl string) *Chart {
	t.Helper()
	fsys := fstest.MapFS{
		"Chart.yaml":                {Data: []byte("apiVersion: v2\nname: c\nversion: 1.2.3\nappVersion: \"4.5\"\n")},
		"values.yaml":               {Data: []byte(values)},
		"templates/_helpers.tpl":    {Data: []byte(`{{- define "c.name" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}`)},
		"templates/t.yaml":          {Data: []byte(tmpl)},
		"templates/NOTES.txt":       {Data: []byte("not a manifest")},
		"templates/_ignored.yaml":   {Data: []byte("kind: NotRendered")},
		"templates/sub/blank.yaml":  {Data: []byte("{{- if false }}x{{ end }}\n  \n")},
		"templates/sub/second.yaml": {Data: []byte("b: 2")},
	}
	c, err := LoadChart(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The functions the chart may use behave as Helm's and Sprig's do (their
// definitions: Helm pkg/engine/funcs.go, Sprig defaults.go and strings.go).
func TestRendererFunctionsFollowHelmAndSprig(t *testing.T) {
	values := `
s: text
empty: ""
zero: 0
no: false
none: []
big: 1000000
n: 65532
share: 0.5
nothing: null
m: {b: [1, two], a: x}
`
	cases := []struct{ tmpl, want string }{
		{`{{ .Values.s | quote }}`, `"text"`},
		{`{{ quote .Values.n .Values.nothing .Values.s }}`, `"65532" "text"`},
		{`{{ .Values.share | quote }}`, `"0.5"`},
		{`{{ "a\"b" | quote }}`, `"a\"b"`},
		{`{{ .Values.empty | default "d" }}|{{ .Values.zero | default 7 }}|{{ .Values.no | default "f" }}|{{ .Values.none | default "l" }}|{{ .Values.s | default "d" }}`, `d|7|f|l|text`},
		{`{{ .Values.nothing | default "d" }}`, `d`},
		// Values are JSON numbers, as Helm reads them: a large integer prints
		// in exponent form unless quoted or passed through toYaml.
		{`{{ .Values.big }} {{ .Values.n }}`, `1e+06 65532`},
		{`x:{{ "a\nb" | nindent 2 }}`, "x:\n  a\n  b"},
		{`{{ "a\nb" | indent 3 }}`, "   a\n   b"},
		{`{{ "abcdef" | trunc 3 }}|{{ "abc" | trunc 5 }}|{{ "abcdef" | trunc -2 }}`, `abc|abc|ef`},
		{`{{ "name-" | trimSuffix "-" }}`, `name`},
		{`{{ "abc" | sha256sum }}`, `ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad`},
		{`{{ toYaml .Values.m }}`, "a: x\nb:\n  - 1\n  - two"},
		{`{{ toYaml .Values.none }}`, "[]"},
		{`{{ include "c.name" . | quote }}`, `"rel-c"`},
		{`{{ .Chart.Name }} {{ .Chart.Version }} {{ .Chart.AppVersion }} {{ .Release.Namespace }} {{ .Release.Service }}`, `c 1.2.3 4.5 ns Helm`},
		{`{{ index (list 1 "a") 1 }}`, `a`},
		// A nil value prints as nothing, as Helm replaces "<no value>".
		{`[{{ .Values.nothing }}]`, `[]`},
		{`{{ required "need s" .Values.s }}`, `text`},
		{`{{ required "need zero" .Values.zero }}`, `0`},
	}
	for _, tc := range cases {
		t.Run(tc.tmpl, func(t *testing.T) {
			ms, err := chartWith(t, values, tc.tmpl).Render(Release{Name: "rel", Namespace: "ns"})
			if err != nil {
				t.Fatal(err)
			}
			if ms[0].Source != "c/templates/sub/second.yaml" || ms[1].Source != "c/templates/t.yaml" || len(ms) != 2 {
				t.Fatalf("manifests %+v: want sub/second.yaml and t.yaml only (no partials, NOTES.txt or blank output)", ms)
			}
			if got := ms[1].Content; got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// Rendering errors name the template and what is wrong.
func TestRendererErrorsNameTheTemplateAndValue(t *testing.T) {
	cases := []struct{ tmpl, want string }{
		{`{{ required "okta.domain is required" .Values.empty }}`, "okta.domain is required"},
		{`{{ required "x is required" .Values.nothing }}`, "x is required"},
		{`{{ fail "okta.auth: bad" }}`, "okta.auth: bad"},
		// Stricter than Helm: a value values.yaml does not declare.
		{`{{ .Values.typo }}`, `map has no entry for key "typo"`},
		{`{{ .Values.s | toJson }}`, `function "toJson" not defined`},
	}
	for _, tc := range cases {
		_, err := chartWith(t, "empty: \"\"\nnothing: null\ns: x\n", tc.tmpl).Render(Release{Name: "r"})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "c/templates/t.yaml") {
			t.Errorf("%s: error %v, want one naming c/templates/t.yaml and %q", tc.tmpl, err, tc.want)
		}
	}
}

// Overrides coalesce as Helm's: maps merge, lists and scalars replace, null
// removes; the chart's own values are not changed.
func TestMergeValuesCoalescesAsHelm(t *testing.T) {
	base, err := ParseValues([]byte("a: {x: 1, y: [1, 2], z: {deep: true}}\nb: keep\nc: drop\n"))
	if err != nil {
		t.Fatal(err)
	}
	over, err := ParseValues([]byte("a: {y: [3], z: {more: 1}}\nc: null\nd: new\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := MergeValues(base, over)
	want := map[string]any{
		"a": map[string]any{"x": 1.0, "y": []any{3.0}, "z": map[string]any{"deep": true, "more": 1.0}},
		"b": "keep", "d": "new",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
	if _, ok := base["c"]; !ok || len(base["a"].(map[string]any)["y"].([]any)) != 2 {
		t.Errorf("base changed: %#v", base)
	}
}

// A values file that is not a mapping, or holds what JSON cannot, is refused
// with the path of the bad value.
func TestParseValuesRefusesWhatHelmCannotRead(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"- a\n- b\n", "mapping"},
		{"a: {1: x}\n", "values.a"},
		{"a: [x, 2026-11-30T00:00:00Z]\n", "values.a[1]"},
	} {
		if _, err := ParseValues([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one naming %q", tc.in, err, tc.want)
		}
	}
}
