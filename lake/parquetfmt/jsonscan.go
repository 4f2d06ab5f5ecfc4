package parquetfmt

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/oktalake/oktalake/internal/jsonscan"
)

// The scanners below walk JSON that json.Compact has already validated and
// compacted, so they skip no whitespace and report no syntax errors: they
// only find the spans of members and items, without building values.

// member is one member of a JSON object: its raw key token ("name", quotes
// and escapes included), the decoded key, and the raw value.
type member struct {
	rawKey []byte
	key    []byte
	value  []byte
}

// appendMembers appends the members of the compact JSON object obj to dst.
func appendMembers(dst []member, obj []byte) []member {
	i := 1
	if obj[i] == '}' {
		return dst
	}
	for i < len(obj) {
		keyEnd := jsonscan.SkipString(obj, i)
		rawKey := obj[i:keyEnd]
		valStart := keyEnd + 1 // the ':'
		valEnd := jsonscan.SkipValue(obj, valStart)
		dst = append(dst, member{rawKey: rawKey, key: keyBytes(rawKey), value: obj[valStart:valEnd]})
		if obj[valEnd] == '}' {
			return dst
		}
		i = valEnd + 1 // the ','
	}
	return dst
}

// eachItem calls fn with every item of the compact JSON array arr, in order.
func eachItem(arr []byte, fn func(j int, item []byte)) {
	i := 1
	if arr[i] == ']' {
		return
	}
	for j := 0; i < len(arr); j++ {
		end := jsonscan.SkipValue(arr, i)
		fn(j, arr[i:end])
		if arr[end] == ']' {
			return
		}
		i = end + 1
	}
}

// keyBytes decodes a key token; keys without escapes (all of Okta's) are
// returned in place, without a copy.
func keyBytes(raw []byte) []byte {
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		return body
	}
	s, _ := unquote(raw)
	return []byte(s)
}

// unquote decodes a JSON string token. exact is false when the token holds
// an escaped lone surrogate (\ud800), which decodes to U+FFFD as in
// encoding/json: the decoded string then differs from what the token says.
func unquote(tok []byte) (s string, exact bool) {
	body := tok[1 : len(tok)-1]
	esc := -1
	for i, c := range body {
		if c == '\\' {
			esc = i
			break
		}
	}
	if esc < 0 {
		return string(body), true
	}
	out := make([]byte, 0, len(body))
	out = append(out, body[:esc]...)
	exact = true
	for i := esc; i < len(body); {
		c := body[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch e := body[i+1]; e {
		case 'u':
			r := hex4(body[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(body) && body[i] == '\\' && body[i+1] == 'u' {
					if pair := utf16.DecodeRune(r, hex4(body[i+2:i+6])); pair != utf8.RuneError {
						out = utf8.AppendRune(out, pair)
						i += 6
						continue
					}
				}
				r, exact = utf8.RuneError, false
			}
			out = utf8.AppendRune(out, r)
		default:
			out = append(out, unescapeByte(e))
			i += 2
		}
	}
	return string(out), exact
}

func unescapeByte(e byte) byte {
	switch e {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return e // '"', '\\' and '/' stand for themselves
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// appendQuoted appends s as a JSON string token. Only what JSON requires is
// escaped, so the text stays as readable as the source.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendPointerToken appends "/" and name escaped as an RFC 6901 JSON
// Pointer reference token ("~" as "~0", "/" as "~1").
func appendPointerToken(dst []byte, name string) []byte {
	dst = append(dst, '/')
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '~':
			dst = append(dst, '~', '0')
		case '/':
			dst = append(dst, '~', '1')
		default:
			dst = append(dst, name[i])
		}
	}
	return dst
}

// timeLayout is how Okta writes every date-time: UTC, milliseconds, "Z".
// A value in this exact form round-trips through timestamp[ms, UTC].
const timeLayout = "2006-01-02T15:04:05.000Z"

// parseTimestamp reads a date-time string token as epoch milliseconds. ok
// says the column can hold the instant (an RFC 3339 date-time); exact says
// the column alone gives back the same string.
func parseTimestamp(tok []byte) (ms int64, ok, exact bool) {
	if tok[0] != '"' {
		return 0, false, false
	}
	s, sexact := unquote(tok)
	if !sexact {
		return 0, false, false
	}
	if t, err := time.Parse(timeLayout, s); err == nil {
		ms = t.UnixMilli()
		var buf [32]byte
		return ms, true, string(formatMillis(buf[:0], ms)) == s
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, false, false
	}
	return t.UnixMilli(), true, false
}

// formatMillis appends epoch milliseconds in Okta's layout.
func formatMillis(dst []byte, ms int64) []byte {
	return time.UnixMilli(ms).UTC().AppendFormat(dst, timeLayout)
}

// parseInt reads an integer token. ok says an int64 holds the number (1.0
// and 1e3 included); exact says printing the int64 gives back the token.
func parseInt(tok []byte) (n int64, ok, exact bool) {
	if c := tok[0]; c != '-' && (c < '0' || c > '9') {
		return 0, false, false
	}
	if n, err := strconv.ParseInt(string(tok), 10, 64); err == nil {
		var buf [24]byte
		return n, true, string(strconv.AppendInt(buf[:0], n, 10)) == string(tok)
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	// 2^63 is exactly representable as a float64 but not as an int64.
	if err != nil || f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false, false
	}
	return int64(f), true, false
}

// parseFloat reads a number token. ok says a float64 holds it (approximately,
// for 0.1); exact says formatFloat gives back the token.
func parseFloat(tok []byte) (f float64, ok, exact bool) {
	if c := tok[0]; c != '-' && (c < '0' || c > '9') {
		return 0, false, false
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil { // out of range: ±Inf cannot be written back as JSON
		return 0, false, false
	}
	var buf [32]byte
	return f, true, string(formatFloat(buf[:0], f)) == string(tok)
}

// formatFloat appends f as encoding/json writes a float64: the shortest
// decimal that reads back as f, in exponent form only below 1e-6 or from
// 1e21 on.
func formatFloat(dst []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// errNotObject is returned for a record that is valid JSON but no object.
var errNotObject = errors.New("record is not a JSON object")
