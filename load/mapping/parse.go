package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/oktalake/oktalake/streams"
	"sync/atomic"

	"gopkg.in/yaml.v3"
)

// Mapping is a compiled mapping file. It is safe for concurrent use.
type Mapping struct {
	source  string
	dialect Dialect
	opts    Options
	rules   []*rule
	// deleteDependents is Ocean's top-level deleteDependentEntities.
	deleteDependents bool
	// enrich are the Ocean enrichments the selectors turn on.
	enrich []streams.Enrichment
	// watches counts heap watches started (records slower than watchAfter).
	watches atomic.Int64
}

// rule is one compiled webhook mapping or Ocean resource.
type rule struct {
	index int
	where string // "mapping[3]" or "resources[0]", for messages

	blueprint     string // static blueprint (webhook), or the Ocean constant if known
	blueprintExpr *expr  // Ocean: jq giving the blueprint
	kind          string // Ocean kind
	streams       map[string]bool

	remove           bool // operation delete
	deleteDependents bool

	filter *expr // nil: always true
	items  *expr // itemsToParse, nil when unset

	identifier, title, icon, team *node
	propKeys, relKeys             []string
	props, rels                   []*node

	createMissing *bool
	stats         ruleStats
}

// Parse compiles a mapping file: a webhook-dialect JSON array (or a webhook
// configuration object with "mappings"), or an Ocean port-app-config with
// "resources". source names the file in errors. Every jq expression is
// compiled here; the first bad one fails Parse with its mapping index, field
// and gojq's message.
func Parse(data []byte, source string, opts Options) (*Mapping, error) {
	opts.SetDefaults()
	m := &Mapping{source: source, opts: opts}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var raw []any
		if err := json.Unmarshal(trimmed, &raw); err != nil {
			return nil, fmt.Errorf("decoding webhook mapping %s: %w", source, err)
		}
		return m, m.parseWebhook(raw)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(trimmed, &doc); err != nil {
		return nil, fmt.Errorf("decoding mapping %s: %w", source, err)
	}
	switch {
	case doc["resources"] != nil:
		return m, m.parseOcean(doc)
	case doc["mappings"] != nil:
		raw, ok := doc["mappings"].([]any)
		if !ok {
			return nil, fmt.Errorf("%s: mappings: expected an array, got %s", source, typeName(doc["mappings"]))
		}
		return m, m.parseWebhook(raw)
	default:
		return nil, fmt.Errorf("%s: not a mapping: expected a JSON array of webhook mappings or a YAML document with resources", source)
	}
}

// Dialect reports the dialect the file was written in.
func (m *Mapping) Dialect() Dialect { return m.dialect }

// DeleteDependentEntities reports Ocean's top-level deleteDependentEntities.
func (m *Mapping) DeleteDependentEntities() bool { return m.deleteDependents }

// Blueprints lists the blueprints the mapping targets, in mapping order
// without duplicates: webhook blueprints, and Ocean blueprints written as
// constant jq strings ('"okta-user"'); computed Ocean blueprints are left out.
func (m *Mapping) Blueprints() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range m.rules {
		if r.blueprint != "" && !seen[r.blueprint] {
			seen[r.blueprint] = true
			out = append(out, r.blueprint)
		}
	}
	return out
}

func (m *Mapping) parseWebhook(raw []any) error {
	m.dialect = Webhook
	c := &compiler{dialect: Webhook, source: m.source, log: m.opts.Logger, limit: max(m.opts.MaxEvalBytes, 0)}
	for i, item := range raw {
		where := fmt.Sprintf("mapping[%d]", i)
		obj, ok := item.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %s: expected an object, got %s", m.source, where, typeName(item))
		}
		r := &rule{index: i, where: where}
		if err := m.webhookRule(c, r, obj); err != nil {
			return err
		}
		m.rules = append(m.rules, r)
	}
	return nil
}

var webhookKeys = map[string]bool{"blueprint": true, "operation": true, "filter": true, "itemsToParse": true, "entity": true}
var entityKeys = map[string]bool{"identifier": true, "title": true, "icon": true, "team": true, "properties": true, "relations": true}

func (m *Mapping) webhookRule(c *compiler, r *rule, obj map[string]any) error {
	fail := func(field, format string, args ...any) error {
		return fmt.Errorf("%s: %s.%s: %s", m.source, r.where, field, fmt.Sprintf(format, args...))
	}
	for _, k := range sortedKeys(obj) {
		if !webhookKeys[k] {
			m.opts.Logger.Warn("ignoring unknown mapping key", "source", m.source, "field", r.where+"."+k)
		}
	}
	bp, ok := obj["blueprint"].(string)
	if !ok || bp == "" {
		return fail("blueprint", "expected a blueprint identifier string, got %s", typeName(obj["blueprint"]))
	}
	r.blueprint = bp
	switch op := obj["operation"].(type) {
	case nil:
	case string:
		if err := r.setOperation(op); err != nil {
			return fail("operation", "%v", err)
		}
	case map[string]any:
		t, _ := op["type"].(string)
		if err := r.setOperation(t); err != nil {
			return fail("operation.type", "%v", err)
		}
		if dd, present := op["deleteDependents"]; present {
			b, ok := dd.(bool)
			if !ok {
				return fail("operation.deleteDependents", "expected a boolean, got %s", typeName(dd))
			}
			r.deleteDependents = b
		}
	default:
		return fail("operation", "expected \"create\", \"delete\" or {\"type\": ..., \"deleteDependents\": ...}, got %s", typeName(op))
	}
	var err error
	if r.filter, err = m.optionalExpr(c, r, obj, "filter", "filter"); err != nil {
		return err
	}
	if r.items, err = m.optionalExpr(c, r, obj, "itemsToParse", "itemsToParse"); err != nil {
		return err
	}
	ent, ok := obj["entity"].(map[string]any)
	if !ok {
		return fail("entity", "expected an object, got %s", typeName(obj["entity"]))
	}
	for _, k := range sortedKeys(ent) {
		if !entityKeys[k] {
			m.opts.Logger.Warn("ignoring unknown entity key", "source", m.source, "field", r.where+".entity."+k)
		}
	}
	return m.entityNodes(c, r, ent, "entity")
}

func (r *rule) setOperation(op string) error {
	switch op {
	case "create", "":
		r.remove = false
	case "delete":
		r.remove = true
	default:
		return fmt.Errorf("unknown operation %q (want create or delete)", op)
	}
	return nil
}

// optionalExpr compiles obj[key] when present, naming it field in messages and stats.
func (m *Mapping) optionalExpr(c *compiler, r *rule, obj map[string]any, key, field string) (*expr, error) {
	v, present := obj[key]
	if !present || v == nil {
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("%s: %s.%s: expected a jq expression string, got %s", m.source, r.where, field, typeName(v))
	}
	return c.expr(s, r.where, field, &r.stats)
}

// entityNodes compiles identifier, title, icon, team, properties and
// relations found in ent, naming fields under prefix.
func (m *Mapping) entityNodes(c *compiler, r *rule, ent map[string]any, prefix string) error {
	id, present := ent["identifier"]
	if !present || id == nil {
		return fmt.Errorf("%s: %s.%s.identifier: missing", m.source, r.where, prefix)
	}
	var err error
	if r.identifier, err = c.node(id, r.where, prefix+".identifier", &r.stats); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		dst  **node
	}{{"title", &r.title}, {"icon", &r.icon}, {"team", &r.team}} {
		if v, present := ent[f.name]; present && v != nil {
			if *f.dst, err = c.node(v, r.where, prefix+"."+f.name, &r.stats); err != nil {
				return err
			}
		}
	}
	if r.propKeys, r.props, err = c.fields(ent["properties"], r.where, prefix+".properties", &r.stats); err != nil {
		return err
	}
	r.relKeys, r.rels, err = c.fields(ent["relations"], r.where, prefix+".relations", &r.stats)
	return err
}
