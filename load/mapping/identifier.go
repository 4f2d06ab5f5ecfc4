package mapping

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxIdentifierLength is the longest entity identifier Port accepts, in characters.
const MaxIdentifierLength = 1000

// identifierPunct lists the non-alphanumeric characters Port's identifier
// pattern allows.
const identifierPunct = `@_.+:\/=-`

// CheckIdentifier enforces Port's entity identifier rule,
// ^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/=-]+$ with at most 1000 characters. Go's
// regexp has no lookahead, so "." and ".." are checked apart and the
// character class is checked rune by rune (\p{L} is unicode.IsLetter).
func CheckIdentifier(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("identifier is empty")
	case id == "." || id == "..":
		return fmt.Errorf("identifier %q is not allowed", id)
	}
	if n := utf8.RuneCountInString(id); n > MaxIdentifierLength {
		return fmt.Errorf("identifier is %d characters long, more than %d", n, MaxIdentifierLength)
	}
	for i, r := range id {
		if r >= '0' && r <= '9' || unicode.IsLetter(r) || r < utf8.RuneSelf && strings.IndexByte(identifierPunct, byte(r)) >= 0 {
			continue
		}
		return fmt.Errorf("identifier %q has %q at byte %d; Port allows letters, digits and %s", shorten(id), r, i, identifierPunct)
	}
	return nil
}

// checkIdentifierValue applies the rule to a mapped identifier, which may also
// be a search query object (Port resolves it to an existing entity).
func checkIdentifierValue(v any) error {
	switch v := v.(type) {
	case string:
		return CheckIdentifier(v)
	case map[string]any:
		return nil
	case nil:
		return fmt.Errorf("identifier is null")
	default:
		return fmt.Errorf("identifier is %s, not a string", typeName(v))
	}
}

func shorten(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
