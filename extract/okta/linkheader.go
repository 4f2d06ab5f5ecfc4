package okta

import (
	"net/http"
	"strings"
)

// link is one link-value of an RFC 8288 Link header.
type link struct {
	URI    string
	Params map[string]string // lower-case names; values unquoted
}

// parseLinks parses every Link header of h: several headers, several
// comma-separated links in one header, or both. Commas and semicolons inside
// <...> or quoted strings do not split. Malformed parts are skipped.
func parseLinks(h http.Header) []link {
	var out []link
	for _, v := range h.Values("Link") {
		out = append(out, parseLinkValue(v)...)
	}
	return out
}

func parseLinkValue(s string) []link {
	var out []link
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return out
		}
		if s[0] != '<' {
			// Not a link-value: skip to the next top-level comma.
			s = skipToComma(s)
			continue
		}
		end := strings.IndexByte(s, '>')
		if end < 0 {
			return out
		}
		l := link{URI: strings.TrimSpace(s[1:end]), Params: map[string]string{}}
		s = s[end+1:]
		for {
			s = strings.TrimLeft(s, " \t")
			if s == "" || s[0] != ';' {
				break
			}
			s = strings.TrimLeft(s[1:], " \t")
			var name, value string
			name, s = readToken(s)
			s = strings.TrimLeft(s, " \t")
			if s != "" && s[0] == '=' {
				s = strings.TrimLeft(s[1:], " \t")
				if s != "" && s[0] == '"' {
					value, s = readQuoted(s)
				} else {
					value, s = readToken(s)
				}
			}
			name = strings.ToLower(strings.TrimSuffix(name, "*"))
			if _, seen := l.Params[name]; name != "" && !seen {
				// RFC 8288: only the first occurrence of a parameter counts.
				l.Params[name] = value
			}
		}
		out = append(out, l)
		s = skipToComma(s)
	}
}

// readToken reads up to the next delimiter of a parameter.
func readToken(s string) (tok, rest string) {
	i := strings.IndexAny(s, ";,= \t\"")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// readQuoted reads a quoted-string starting at s[0] == '"', undoing \ escapes.
func readQuoted(s string) (val, rest string) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), ""
}

// skipToComma drops everything up to the next comma outside quotes and <...>.
func skipToComma(s string) string {
	inQuote, inAngle := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"' && !inAngle:
			inQuote = !inQuote
		case c == '<' && !inQuote:
			inAngle = true
		case c == '>' && !inQuote:
			inAngle = false
		case c == ',' && !inQuote && !inAngle:
			return s[i+1:]
		}
	}
	return ""
}

// nextLink returns the target of the first link whose rel holds "next"
// ("" if none). rel is a space-separated list, compared case-insensitively.
func nextLink(h http.Header) string {
	for _, l := range parseLinks(h) {
		for _, rel := range strings.Fields(l.Params["rel"]) {
			if strings.EqualFold(rel, "next") {
				return l.URI
			}
		}
	}
	return ""
}
