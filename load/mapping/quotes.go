package mapping

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// portQuotes rewrites single-quoted string literals the way Port's jq runner
// (port-labs/jq-node-bindings, lib/jq.js) does before compiling a webhook
// mapping expression:
//
//	filter.replace(/(^|\s)'(?!\s|")|(?<!\s|")'(\s|$)/g, '$1"$2')
//
// A quote that opens a word (at the start or after white space, not followed
// by white space or a double quote) or closes one (not after white space or a
// double quote, followed by white space or the end) becomes a double quote, so
// "'Success'" is the jq string "Success" and "'https://x.' + .a" concatenates.
// The scan reproduces the regexp's left-to-right, non-overlapping matching,
// quirks included (a white space consumed by one match cannot open the next).
func portQuotes(s string) string {
	if !strings.Contains(s, "'") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	p := 0
	for p <= len(s) {
		// Alternative 1 anchored at the start: ^'(?!\s|").
		if p == 0 && strings.HasPrefix(s, "'") && !spaceOrDQuoteAt(s, 1) {
			b.WriteByte('"')
			p = 1
			continue
		}
		if p == len(s) {
			break
		}
		r, n := utf8.DecodeRuneInString(s[p:])
		// Alternative 1 after white space: \s'(?!\s|").
		if jsSpace(r) && p+n < len(s) && s[p+n] == '\'' && !spaceOrDQuoteAt(s, p+n+1) {
			b.WriteString(s[p : p+n])
			b.WriteByte('"')
			p += n + 1
			continue
		}
		// Alternative 2: (?<!\s|")'(\s|$).
		if r == '\'' && !spaceOrDQuoteBefore(s, p) {
			if p+1 == len(s) {
				b.WriteByte('"')
				p++
				continue
			}
			if r2, n2 := utf8.DecodeRuneInString(s[p+1:]); jsSpace(r2) {
				b.WriteByte('"')
				b.WriteString(s[p+1 : p+1+n2])
				p += 1 + n2
				continue
			}
		}
		b.WriteString(s[p : p+n])
		p += n
	}
	return b.String()
}

// spaceOrDQuoteAt reports whether s[i] starts white space or a double quote
// (false at the end of s, where a negative lookahead succeeds).
func spaceOrDQuoteAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r == '"' || jsSpace(r)
}

// spaceOrDQuoteBefore reports whether the rune before s[i] is white space or a
// double quote (false at the start of s).
func spaceOrDQuoteBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return r == '"' || jsSpace(r)
}

// jsSpace is JavaScript's \s class (which differs from unicode.IsSpace on
// U+0085 and U+FEFF).
func jsSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0x00a0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// unwrapSingleQuoted returns the inside of an expression wholly wrapped in
// single quotes, such as '"okta_user"' copied from a YAML mapping into a JSON
// one. Port itself would fail to compile it (every value null); oktalake tries
// it only after the expression failed to compile as written.
func unwrapSingleQuoted(s string) (string, bool) {
	t := strings.TrimSpace(s)
	if len(t) < 2 || t[0] != '\'' || t[len(t)-1] != '\'' {
		return "", false
	}
	return t[1 : len(t)-1], true
}

// stringLiteral returns the value of an expression that is a plain jq string
// literal without interpolation (`"okta-user"`), used to list constant blueprints.
func stringLiteral(src string) (string, bool) {
	t := strings.TrimSpace(src)
	if len(t) < 2 || t[0] != '"' || t[len(t)-1] != '"' || strings.Contains(t, `\(`) {
		return "", false
	}
	var v string
	if err := json.Unmarshal([]byte(t), &v); err != nil {
		return "", false
	}
	return v, true
}
