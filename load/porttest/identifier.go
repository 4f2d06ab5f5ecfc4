package porttest

import (
	"regexp"
	"unicode/utf8"
)

// Port's identifier patterns start with (?!\.{1,2}$), a lookahead Go's
// regexp cannot compile: the character classes are checked here and "." and
// ".." are refused separately.
var (
	entityIDChars    = regexp.MustCompile(`^[\p{L}0-9@_.+:\\/=-]+$`)
	blueprintIDChars = regexp.MustCompile(`^[\p{L}0-9@_.+:\\/-]+$`)
	// propertyName is the rule for property and relation identifiers.
	propertyName = regexp.MustCompile(`^[A-Za-z0-9@_=\\-]+$`)
)

// validEntityID reports whether s is a valid entity identifier:
// ^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/=-]+$, at most 1000 characters.
func validEntityID(s string) bool {
	return s != "." && s != ".." && utf8.RuneCountInString(s) <= 1000 && entityIDChars.MatchString(s)
}

// validBlueprintID reports whether s is a valid blueprint identifier:
// ^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/-]+$, at most 100 characters.
func validBlueprintID(s string) bool {
	return s != "." && s != ".." && utf8.RuneCountInString(s) <= 100 && blueprintIDChars.MatchString(s)
}
