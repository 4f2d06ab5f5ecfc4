package oktatest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// expr is a parsed Okta filter or search expression: SCIM-style
// comparisons (eq, ne, gt, ge, lt, le, sw, ew, co, pr) joined by and/or,
// with parentheses. Which attributes and operators an endpoint accepts is
// its grammar.
type expr struct {
	op          string // "and", "or", or a comparison operator
	left, right *expr
	attr, value string
	t           time.Time // value parsed, for time attributes (set by validate)
}

// field is one attribute of the record being tested. Times compare
// chronologically; a zero time is an absent (null) value.
type field struct {
	s      string
	t      time.Time
	isTime bool
	n      float64 // for numbers, with isNum
	isNum  bool
}

func strField(s string) field     { return field{s: s} }
func timeField(t time.Time) field { return field{t: t, isTime: true} }

// attrValue looks up an attribute of the record being tested; ok is false
// for an attribute the endpoint does not support.
type attrValue func(attr string) (f field, ok bool)

var errBadExpr = errors.New("invalid search criteria")

// grammar says whether an endpoint accepts operator op (lower case) on
// attribute attr, so unsupported comparisons fail up front as in Okta.
type grammar func(attr, op string) bool

// filterGrammar accepts, per attribute, the operators listed for it
// (space-separated), and nothing else.
func filterGrammar(ops map[string]string) grammar {
	return func(attr, op string) bool {
		return slices.Contains(strings.Fields(ops[attr]), op)
	}
}

// searchGrammar is the search parameter's: Okta's "List all users" and
// "List all groups" search any attribute with eq, sw and co, and the
// comparisons their examples use (gt, lt …); it has no ne (use lt … or … gt).
func searchGrammar(_, op string) bool {
	switch op {
	case "eq", "gt", "ge", "lt", "le", "sw", "co", "pr":
		return true
	}
	return false
}

// parseExpr parses s, refusing what allow does not accept.
func parseExpr(s string, allow grammar) (*expr, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &exprParser{toks: toks, allow: allow}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("parsing %q: unexpected %q: %w", s, p.toks[p.pos], errBadExpr)
	}
	return e, nil
}

type exprParser struct {
	toks  []string
	pos   int
	allow grammar
}

func (p *exprParser) peekWord(w string) bool {
	return p.pos < len(p.toks) && strings.EqualFold(p.toks[p.pos], w)
}

func (p *exprParser) or() (*expr, error) {
	l, err := p.and()
	for err == nil && p.peekWord("or") {
		p.pos++
		var r *expr
		if r, err = p.and(); err == nil {
			l = &expr{op: "or", left: l, right: r}
		}
	}
	return l, err
}

func (p *exprParser) and() (*expr, error) {
	l, err := p.factor()
	for err == nil && p.peekWord("and") {
		p.pos++
		var r *expr
		if r, err = p.factor(); err == nil {
			l = &expr{op: "and", left: l, right: r}
		}
	}
	return l, err
}

func (p *exprParser) factor() (*expr, error) {
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("parsing expression: unexpected end: %w", errBadExpr)
	}
	if p.toks[p.pos] == "(" {
		p.pos++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.pos >= len(p.toks) || p.toks[p.pos] != ")" {
			return nil, fmt.Errorf("parsing expression: missing ): %w", errBadExpr)
		}
		p.pos++
		return e, nil
	}
	if p.pos+1 >= len(p.toks) {
		return nil, fmt.Errorf("parsing expression: missing operator: %w", errBadExpr)
	}
	attr, op := p.toks[p.pos], strings.ToLower(p.toks[p.pos+1])
	switch op {
	case "eq", "ne", "gt", "ge", "lt", "le", "sw", "ew", "co", "pr":
	default:
		return nil, fmt.Errorf("parsing expression: unknown operator %q: %w", op, errBadExpr)
	}
	if !p.allow(attr, op) {
		return nil, fmt.Errorf("parsing expression: %s %s is not supported here: %w", attr, op, errBadExpr)
	}
	p.pos += 2
	if op == "pr" {
		return &expr{op: op, attr: attr}, nil
	}
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("parsing expression: missing value: %w", errBadExpr)
	}
	v := p.toks[p.pos]
	p.pos++
	v = strings.TrimPrefix(v, `"`)
	return &expr{op: op, attr: attr, value: v}, nil
}

// tokenize splits on spaces and parentheses; a quoted string keeps a
// leading quote as its marker and loses its closing one.
func tokenize(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '+':
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		case c == '"':
			var b strings.Builder
			b.WriteByte('"')
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("parsing expression: unterminated string: %w", errBadExpr)
			}
			toks = append(toks, b.String())
			i = j + 1
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '(' && s[j] != ')' {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

// parseOktaTime accepts the ISO 8601 forms Okta does, with or without
// fractional seconds.
func parseOktaTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("parsing time %q: not ISO 8601", s)
}

// validate checks that time comparisons carry parseable timestamps, using
// get on a sample record to learn which attributes are times.
func (e *expr) validate(get attrValue) error {
	if e == nil {
		return nil
	}
	if e.op == "and" || e.op == "or" {
		if err := e.left.validate(get); err != nil {
			return err
		}
		return e.right.validate(get)
	}
	f, ok := get(e.attr)
	if !ok {
		return fmt.Errorf("validating expression: unsupported attribute %q: %w", e.attr, errBadExpr)
	}
	if f.isTime && e.op != "pr" {
		t, err := parseOktaTime(e.value)
		if err != nil {
			return fmt.Errorf("validating expression: %w: %w", err, errBadExpr)
		}
		e.t = t
	}
	return nil
}

// match evaluates e against one record.
func (e *expr) match(get attrValue) bool {
	return e.matchEach(func(a string) []field {
		if f, ok := get(a); ok {
			return []field{f}
		}
		return nil
	})
}

// matchEach evaluates e against a record whose attributes may hold several
// values (a System Log event's target[] ids): a comparison holds when it
// holds for any of them, as in SCIM's multi-valued attributes.
func (e *expr) matchEach(get func(attr string) []field) bool {
	if e == nil {
		return true
	}
	switch e.op {
	case "and":
		return e.left.matchEach(get) && e.right.matchEach(get)
	case "or":
		return e.left.matchEach(get) || e.right.matchEach(get)
	}
	for _, f := range get(e.attr) {
		if e.test(f) {
			return true
		}
	}
	return false
}

// test applies a comparison to one value.
func (e *expr) test(f field) bool {
	if e.op == "pr" {
		return f.s != "" || !f.t.IsZero() || f.isNum
	}
	v := f.s
	var cmp int
	switch {
	case f.isTime:
		if f.t.IsZero() {
			return false
		}
		cmp = f.t.Compare(e.t)
	case f.isNum:
		n, err := strconv.ParseFloat(e.value, 64)
		if err != nil {
			return e.op == "ne"
		}
		cmp = cmpFloat(f.n, n)
		v = strconv.FormatFloat(f.n, 'f', -1, 64)
	default:
		cmp = strings.Compare(v, e.value)
	}
	switch e.op {
	case "eq":
		return cmp == 0
	case "ne":
		return cmp != 0
	case "gt":
		return cmp > 0
	case "ge":
		return cmp >= 0
	case "lt":
		return cmp < 0
	case "le":
		return cmp <= 0
	case "sw":
		return strings.HasPrefix(strings.ToLower(v), strings.ToLower(e.value))
	case "ew":
		return strings.HasSuffix(strings.ToLower(v), strings.ToLower(e.value))
	case "co":
		return strings.Contains(strings.ToLower(v), strings.ToLower(e.value))
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
