// Package deploy holds oktalake's Helm chart (chart/) and the plain
// Kubernetes manifests rendered from it (kubernetes/), and renders the chart
// with the part of Helm's template language the chart uses, so that tests
// check the manifests without Helm or a cluster.
package deploy

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"reflect"
	"sort"
	"strings"
	"text/template"

	"gopkg.in/yaml.v3"
)

// The chart's files; "all:" keeps _helpers.tpl, which embed would skip.
//
//go:embed all:chart
var chartFiles embed.FS

// ChartFS is the chart directory: Chart.yaml, values.yaml, templates/.
func ChartFS() fs.FS {
	sub, err := fs.Sub(chartFiles, "chart")
	if err != nil {
		panic(err) // "chart" is a valid path: fs.Sub cannot fail on it
	}
	return sub
}

// Metadata is what templates see as .Chart: the fields of Chart.yaml they use.
type Metadata struct {
	APIVersion  string `yaml:"apiVersion"`
	Name        string `yaml:"name"`
	Version     string `yaml:"version"`
	AppVersion  string `yaml:"appVersion"`
	Description string `yaml:"description"`
	Type        string `yaml:"type"`
}

// Release is what templates see as .Release.
type Release struct {
	Name      string
	Namespace string
	// Service is the tool rendering; Helm says "Helm".
	Service  string
	Revision int
}

// Chart is a Helm chart read from a file system.
type Chart struct {
	Metadata Metadata
	// Values are the chart's values.yaml.
	Values map[string]any
	// templates maps a template's name (chart/templates/file) to its text.
	templates map[string]string
}

// Manifest is one rendered template.
type Manifest struct {
	// Source names the template as Helm does: oktalake/templates/x.yaml.
	Source string
	// Content is the rendered YAML, possibly several documents.
	Content string
}

// LoadChart reads a chart: Chart.yaml, values.yaml and every file under
// templates/.
func LoadChart(fsys fs.FS) (*Chart, error) {
	c := &Chart{templates: map[string]string{}}
	b, err := fs.ReadFile(fsys, "Chart.yaml")
	if err != nil {
		return nil, fmt.Errorf("reading Chart.yaml: %w", err)
	}
	if err := yaml.Unmarshal(b, &c.Metadata); err != nil {
		return nil, fmt.Errorf("parsing Chart.yaml: %w", err)
	}
	if c.Metadata.APIVersion != "v2" || c.Metadata.Name == "" || c.Metadata.Version == "" {
		return nil, fmt.Errorf("reading chart: Chart.yaml wants apiVersion v2, a name and a version, got %+v", c.Metadata)
	}
	b, err = fs.ReadFile(fsys, "values.yaml")
	if err != nil {
		return nil, fmt.Errorf("reading values.yaml: %w", err)
	}
	if c.Values, err = ParseValues(b); err != nil {
		return nil, fmt.Errorf("values.yaml: %w", err)
	}
	err = fs.WalkDir(fsys, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		c.templates[c.Metadata.Name+"/"+p] = string(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading templates: %w", err)
	}
	return c, nil
}

// ParseValues reads a values file the way Helm does: through JSON, so every
// number is a float64 (which is why a template prints a large integer as
// 1e+06 unless it goes through toYaml or quote).
func ParseValues(data []byte) (map[string]any, error) {
	var raw any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("parsing values: %w", err)
	}
	if raw == nil {
		return map[string]any{}, nil
	}
	v, err := jsonLike(raw, "")
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("values: want a mapping at the top, got %T", v)
	}
	return m, nil
}

// jsonLike turns decoded YAML into what json.Unmarshal would give.
func jsonLike(v any, at string) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			c, err := jsonLike(e, at+"."+k)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			c, err := jsonLike(e, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case int:
		return float64(v), nil
	case uint64:
		return float64(v), nil
	case float64, string, bool, nil:
		return v, nil
	default:
		return nil, fmt.Errorf("values%s: %T is not a JSON value (a non-string key or a timestamp?)", at, v)
	}
}

// MergeValues returns base with override laid over it, as Helm coalesces
// values: maps merge key by key, anything else replaces, and a null removes
// the key. Neither argument is changed.
func MergeValues(base, override map[string]any) map[string]any {
	out := make(map[string]any, len(base))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range override {
		if v == nil {
			delete(out, k)
			continue
		}
		bm, bok := out[k].(map[string]any)
		om, ook := v.(map[string]any)
		if bok && ook {
			out[k] = MergeValues(bm, om)
			continue
		}
		out[k] = v
	}
	return out
}

// Render renders every template but the partials (files starting with "_")
// and NOTES.txt, with the chart's values merged with each override in turn.
// Manifests come in the order of their template names; templates that render
// to nothing but white space are left out, as Helm leaves them out.
func (c *Chart) Render(rel Release, overrides ...map[string]any) ([]Manifest, error) {
	values := c.Values
	for _, o := range overrides {
		values = MergeValues(values, o)
	}
	// missingkey=error is stricter than Helm (which prints nothing): a
	// template naming a value values.yaml does not declare is a mistake.
	root := template.New(c.Metadata.Name).Option("missingkey=error")
	root.Funcs(funcs(root))
	names := make([]string, 0, len(c.templates))
	for name := range c.templates {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, err := root.New(name).Parse(c.templates[name]); err != nil {
			return nil, fmt.Errorf("parsing %s: %w", name, err)
		}
	}
	if rel.Service == "" {
		rel.Service = "Helm"
	}
	if rel.Revision == 0 {
		rel.Revision = 1
	}
	var out []Manifest
	for _, name := range names {
		base := path.Base(name)
		if strings.HasPrefix(base, "_") || base == "NOTES.txt" {
			continue
		}
		data := map[string]any{
			"Values":   values,
			"Release":  rel,
			"Chart":    c.Metadata,
			"Template": map[string]any{"Name": name, "BasePath": c.Metadata.Name + "/templates"},
		}
		var buf strings.Builder
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return nil, fmt.Errorf("rendering %s: %w", name, err)
		}
		// What Helm does with a nil value printed by a template.
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if strings.TrimSpace(text) == "" {
			continue
		}
		out = append(out, Manifest{Source: name, Content: text})
	}
	return out, nil
}

// funcs are the Helm and Sprig functions the chart may use, each with the
// semantics of its definition in Helm (pkg/engine/funcs.go, engine.go) or
// Sprig (defaults.go, strings.go, list.go, crypto.go).
func funcs(root *template.Template) template.FuncMap {
	return template.FuncMap{
		// Helm: the named template's output as a string, for pipelines.
		"include": func(name string, data any) (string, error) {
			var buf strings.Builder
			if err := root.ExecuteTemplate(&buf, name, data); err != nil {
				return "", err
			}
			return buf.String(), nil
		},
		// Helm: nil, or an empty string, is an error with the message.
		"required": func(msg string, v any) (any, error) {
			if v == nil {
				return v, errors.New(msg)
			}
			if s, ok := v.(string); ok && s == "" {
				return v, errors.New(msg)
			}
			return v, nil
		},
		"fail": func(msg string) (string, error) { return "", errors.New(msg) },
		// Helm: YAML without the final newline; "" when it cannot encode.
		"toYaml": func(v any) string {
			var buf bytes.Buffer
			enc := yaml.NewEncoder(&buf)
			enc.SetIndent(2)
			if err := enc.Encode(v); err != nil {
				return ""
			}
			return strings.TrimSuffix(buf.String(), "\n")
		},
		// Sprig: given when it is not empty, else the default.
		"default": func(d any, given ...any) any {
			if len(given) == 0 || empty(given[0]) {
				return d
			}
			return given[0]
		},
		"list": func(v ...any) []any { return v },
		// Sprig: each non-nil argument as a Go-quoted string, space-separated.
		"quote": func(v ...any) string {
			out := make([]string, 0, len(v))
			for _, s := range v {
				if s != nil {
					out = append(out, fmt.Sprintf("%q", strval(s)))
				}
			}
			return strings.Join(out, " ")
		},
		"indent":  indent,
		"nindent": func(n int, s string) string { return "\n" + indent(n, s) },
		"trunc": func(n int, s string) string {
			switch {
			case n < 0 && len(s)+n > 0:
				return s[len(s)+n:]
			case n >= 0 && len(s) > n:
				return s[:n]
			}
			return s
		},
		"trimSuffix": func(suffix, s string) string { return strings.TrimSuffix(s, suffix) },
		"sha256sum": func(s string) string {
			sum := sha256.Sum256([]byte(s))
			return hex.EncodeToString(sum[:])
		},
	}
}

// indent is Sprig's: every line, the first included, gets n spaces.
func indent(n int, s string) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}

// strval is Sprig's string form of a value.
func strval(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case error:
		return v.Error()
	case fmt.Stringer:
		return v.String()
	default:
		return fmt.Sprintf("%v", v)
	}
}

// empty is Sprig's: nil, zero numbers, false, and empty strings, slices and
// maps.
func empty(v any) bool {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return true
	}
	switch rv.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return rv.Len() == 0
	case reflect.Bool:
		return !rv.Bool()
	case reflect.Complex64, reflect.Complex128:
		return rv.Complex() == 0
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return rv.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return rv.Float() == 0
	case reflect.Struct:
		return false
	default:
		return rv.IsNil()
	}
}

// WriteManifests writes manifests as `helm template` prints them: each after
// "---" and a "# Source:" line, after a header of comment lines.
func WriteManifests(w io.Writer, header string, ms []Manifest) error {
	var buf bytes.Buffer
	for _, line := range strings.Split(strings.TrimRight(header, "\n"), "\n") {
		if line != "" {
			buf.WriteString("# " + line + "\n")
		}
	}
	for _, m := range ms {
		buf.WriteString("---\n# Source: " + m.Source + "\n")
		buf.WriteString(strings.TrimPrefix(strings.TrimRight(m.Content, " \n"), "\n") + "\n")
	}
	_, err := buf.WriteTo(w)
	return err
}
