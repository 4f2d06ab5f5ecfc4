package parquetfmt

import (
	"errors"
	"fmt"
)

// maxDepth bounds the nesting of arrays and objects the compactor accepts,
// as encoding/json does (10000), so a hostile record cannot exhaust the stack.
const maxDepth = 10000

// compactJSON appends the JSON text src to dst without insignificant
// whitespace, or reports the first syntax error. It is the encoder's one
// pass over a record: validating and compacting it at once, several times
// faster than encoding/json's scanner, so the scanners of jsonscan.go can
// then trust the text. FuzzCompactJSON holds it to json.Valid and
// json.Compact.
func compactJSON(dst, src []byte) ([]byte, error) {
	c := compactor{src: src, dst: dst}
	c.space()
	if c.i >= len(c.src) {
		return dst, errors.New("empty JSON text")
	}
	if err := c.value(0); err != nil {
		return dst, err
	}
	c.space()
	if c.i < len(c.src) {
		return dst, c.errorf("text after the JSON value")
	}
	return c.dst, nil
}

type compactor struct {
	src, dst []byte
	i        int
}

func (c *compactor) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", c.i, fmt.Sprintf(format, args...))
}

func (c *compactor) space() {
	for c.i < len(c.src) {
		switch c.src[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

func (c *compactor) value(depth int) error {
	if c.i >= len(c.src) {
		return c.errorf("unexpected end")
	}
	switch b := c.src[c.i]; {
	case b == '{':
		return c.object(depth + 1)
	case b == '[':
		return c.array(depth + 1)
	case b == '"':
		return c.string()
	case b == 't':
		return c.literal("true")
	case b == 'f':
		return c.literal("false")
	case b == 'n':
		return c.literal("null")
	case b == '-' || b >= '0' && b <= '9':
		return c.number()
	default:
		return c.errorf("unexpected %q", b)
	}
}

func (c *compactor) object(depth int) error {
	if depth > maxDepth {
		return c.errorf("nested too deep")
	}
	c.dst = append(c.dst, '{')
	c.i++
	c.space()
	if c.i < len(c.src) && c.src[c.i] == '}' {
		c.i++
		c.dst = append(c.dst, '}')
		return nil
	}
	for {
		if c.i >= len(c.src) || c.src[c.i] != '"' {
			return c.errorf("expected a member name")
		}
		if err := c.string(); err != nil {
			return err
		}
		c.space()
		if c.i >= len(c.src) || c.src[c.i] != ':' {
			return c.errorf("expected ':'")
		}
		c.i++
		c.dst = append(c.dst, ':')
		c.space()
		if err := c.value(depth); err != nil {
			return err
		}
		c.space()
		if c.i >= len(c.src) {
			return c.errorf("unterminated object")
		}
		switch c.src[c.i] {
		case ',':
			c.i++
			c.dst = append(c.dst, ',')
			c.space()
		case '}':
			c.i++
			c.dst = append(c.dst, '}')
			return nil
		default:
			return c.errorf("expected ',' or '}'")
		}
	}
}

func (c *compactor) array(depth int) error {
	if depth > maxDepth {
		return c.errorf("nested too deep")
	}
	c.dst = append(c.dst, '[')
	c.i++
	c.space()
	if c.i < len(c.src) && c.src[c.i] == ']' {
		c.i++
		c.dst = append(c.dst, ']')
		return nil
	}
	for {
		if err := c.value(depth); err != nil {
			return err
		}
		c.space()
		if c.i >= len(c.src) {
			return c.errorf("unterminated array")
		}
		switch c.src[c.i] {
		case ',':
			c.i++
			c.dst = append(c.dst, ',')
			c.space()
		case ']':
			c.i++
			c.dst = append(c.dst, ']')
			return nil
		default:
			return c.errorf("expected ',' or ']'")
		}
	}
}

// string copies a string token, checking its escapes; bytes of 0x80 and
// above pass as they are (the encoder checks UTF-8 on the whole record).
func (c *compactor) string() error {
	start := c.i
	c.i++
	for c.i < len(c.src) {
		switch b := c.src[c.i]; {
		case b == '"':
			c.i++
			c.dst = append(c.dst, c.src[start:c.i]...)
			return nil
		case b == '\\':
			if c.i+1 >= len(c.src) {
				return c.errorf("unterminated string")
			}
			switch c.src[c.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				c.i += 2
			case 'u':
				if c.i+6 > len(c.src) {
					return c.errorf("unterminated string")
				}
				for _, h := range c.src[c.i+2 : c.i+6] {
					if !isHex(h) {
						return c.errorf("invalid \\u escape")
					}
				}
				c.i += 6
			default:
				return c.errorf("invalid escape \\%c", c.src[c.i+1])
			}
		case b < 0x20:
			return c.errorf("control character in string")
		default:
			c.i++
		}
	}
	return c.errorf("unterminated string")
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}

func (c *compactor) literal(lit string) error {
	if len(c.src)-c.i < len(lit) || string(c.src[c.i:c.i+len(lit)]) != lit {
		return c.errorf("invalid literal")
	}
	c.i += len(lit)
	c.dst = append(c.dst, lit...)
	return nil
}

// number copies a number token of JSON's grammar:
// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func (c *compactor) number() error {
	start := c.i
	if c.src[c.i] == '-' {
		c.i++
	}
	switch {
	case c.i < len(c.src) && c.src[c.i] == '0':
		c.i++
	case c.i < len(c.src) && c.src[c.i] >= '1' && c.src[c.i] <= '9':
		c.digits()
	default:
		return c.errorf("invalid number")
	}
	if c.i < len(c.src) && c.src[c.i] == '.' {
		c.i++
		if c.digits() == 0 {
			return c.errorf("invalid number")
		}
	}
	if c.i < len(c.src) && (c.src[c.i] == 'e' || c.src[c.i] == 'E') {
		c.i++
		if c.i < len(c.src) && (c.src[c.i] == '+' || c.src[c.i] == '-') {
			c.i++
		}
		if c.digits() == 0 {
			return c.errorf("invalid number")
		}
	}
	c.dst = append(c.dst, c.src[start:c.i]...)
	return nil
}

func (c *compactor) digits() int {
	n := 0
	for c.i < len(c.src) && c.src[c.i] >= '0' && c.src[c.i] <= '9' {
		c.i++
		n++
	}
	return n
}
