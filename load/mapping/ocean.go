package mapping

import (
	"fmt"
	"slices"
	"strings"

	"github.com/oktalake/oktalake/streams"
)

// oceanIgnored are selector options of Port's Okta integration that
// oktalake accepts and reports but does not apply. The enrichment options
// (include_groups, include_members, include_applications) are the
// catalog's (streams.Enrichments) and are applied: see Enrichments.
var oceanIgnored = map[string]string{
	"fields": "records hold every field the API returned; the field list is not applied",
}

// Enrichments returns the lists the mapping's Ocean selectors ask to add to
// records (include_groups: a user's groups, ...), which the loader joins
// from the lake before mapping; nil for a webhook mapping.
func (m *Mapping) Enrichments() []streams.Enrichment {
	return append([]streams.Enrichment(nil), m.enrich...)
}

// addEnrichments records the enrichments a resource's selector turns on:
// those of its streams set true, and those on by default not set false.
func (m *Mapping) addEnrichments(r *rule, set map[string]bool) {
	for _, e := range streams.Enrichments() {
		if !r.streams[e.Target] {
			continue
		}
		on, given := set[e.Option]
		if !given {
			on = e.Default
		}
		if !on || slices.ContainsFunc(m.enrich, func(x streams.Enrichment) bool { return x.Option == e.Option && x.Target == e.Target }) {
			continue
		}
		m.enrich = append(m.enrich, e)
	}
}

// isEnrichment says whether option is an enrichment of one of the streams.
func isEnrichment(option string, of map[string]bool) bool {
	for _, e := range streams.Enrichments() {
		if e.Option == option && of[e.Target] {
			return true
		}
	}
	return false
}

var oceanTopKeys = map[string]bool{"resources": true, "createMissingRelatedEntities": true, "deleteDependentEntities": true}

// kindStreams resolves an Ocean kind to the streams it maps: the kinds of
// Port's Okta Ocean integration the catalog gives (streams.Stream.OceanKinds),
// and any stream name, so any stream can be mapped.
func kindStreams(kind string) (map[string]bool, error) {
	if s, ok := streams.ByOceanKind(kind); ok {
		return map[string]bool{s.Name: true}, nil
	}
	if _, ok := streams.Lookup(kind); ok {
		return map[string]bool{kind: true}, nil
	}
	known := append(streams.OceanKinds(), streams.Names()...)
	return nil, fmt.Errorf("unknown kind %q (known: %s)", kind, strings.Join(known, ", "))
}

func (m *Mapping) parseOcean(doc map[string]any) error {
	m.dialect = Ocean
	c := &compiler{dialect: Ocean, source: m.source, log: m.opts.Logger, limit: max(m.opts.MaxEvalBytes, 0)}
	for _, k := range sortedKeys(doc) {
		if !oceanTopKeys[k] {
			m.opts.Logger.Warn("ignoring Ocean setting oktalake does not use", "source", m.source, "field", k)
		}
	}
	var createMissing *bool
	if v, present := doc["createMissingRelatedEntities"]; present {
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("%s: createMissingRelatedEntities: expected a boolean, got %s", m.source, typeName(v))
		}
		createMissing = &b
	}
	if v, present := doc["deleteDependentEntities"]; present {
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("%s: deleteDependentEntities: expected a boolean, got %s", m.source, typeName(v))
		}
		m.deleteDependents = b
	}
	resources, ok := doc["resources"].([]any)
	if !ok {
		return fmt.Errorf("%s: resources: expected a list, got %s", m.source, typeName(doc["resources"]))
	}
	for i, item := range resources {
		where := fmt.Sprintf("resources[%d]", i)
		res, ok := item.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %s: expected an object, got %s", m.source, where, typeName(item))
		}
		r := &rule{index: i, where: where, createMissing: createMissing}
		if err := m.oceanRule(c, r, res); err != nil {
			return err
		}
		m.rules = append(m.rules, r)
	}
	return nil
}

func (m *Mapping) oceanRule(c *compiler, r *rule, res map[string]any) error {
	fail := func(field, format string, args ...any) error {
		return fmt.Errorf("%s: %s.%s: %s", m.source, r.where, field, fmt.Sprintf(format, args...))
	}
	kind, _ := res["kind"].(string)
	if kind == "" {
		return fail("kind", "expected a kind string, got %s", typeName(res["kind"]))
	}
	var err error
	if r.streams, err = kindStreams(kind); err != nil {
		return fail("kind", "%v", err)
	}
	r.kind = kind
	set := map[string]bool{}
	defer func() { m.addEnrichments(r, set) }()
	if sel, present := res["selector"]; present && sel != nil {
		selector, ok := sel.(map[string]any)
		if !ok {
			return fail("selector", "expected an object, got %s", typeName(sel))
		}
		for _, k := range sortedKeys(selector) {
			if k == "query" {
				continue
			}
			if isEnrichment(k, r.streams) {
				b, ok := selector[k].(bool)
				if !ok {
					return fail("selector."+k, "expected a boolean, got %s", typeName(selector[k]))
				}
				set[k] = b
				continue
			}
			why, known := oceanIgnored[k]
			if !known {
				why = "unknown selector option, ignored"
			}
			m.opts.Logger.Warn("Ocean selector option not applied", "source", m.source, "field", r.where+".selector."+k, "kind", kind, "reason", why)
		}
		if r.filter, err = m.optionalExpr(c, r, selector, "query", "selector.query"); err != nil {
			return err
		}
	}
	port, ok := res["port"].(map[string]any)
	if !ok {
		return fail("port", "expected an object, got %s", typeName(res["port"]))
	}
	if r.items, err = m.optionalExpr(c, r, port, "itemsToParse", "port.itemsToParse"); err != nil {
		return err
	}
	entity, ok := port["entity"].(map[string]any)
	if !ok {
		return fail("port.entity", "expected an object, got %s", typeName(port["entity"]))
	}
	mappings, ok := entity["mappings"].(map[string]any)
	if !ok {
		return fail("port.entity.mappings", "expected an object, got %s", typeName(entity["mappings"]))
	}
	const prefix = "port.entity.mappings"
	bp, ok := mappings["blueprint"].(string)
	if !ok {
		return fail(prefix+".blueprint", "expected a jq expression string, got %s", typeName(mappings["blueprint"]))
	}
	if r.blueprintExpr, err = c.expr(bp, r.where, prefix+".blueprint", &r.stats); err != nil {
		return err
	}
	if s, ok := stringLiteral(r.blueprintExpr.src); ok {
		r.blueprint = s
	}
	if err := m.entityNodes(c, r, mappings, prefix); err != nil {
		return err
	}
	// A relation's jq may stream identifiers (seed 000's .groups[]?.id, one
	// output per group): all of them are the relation's value, not the
	// first alone, or a user would keep one group of many.
	for _, n := range r.rels {
		if n.expr != nil {
			n.expr.every = true
		}
	}
	return nil
}
