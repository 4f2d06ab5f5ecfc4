package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// byteSize is a flag value in bytes that reads and shows units: "200MiB",
// "64MB", "1GiB" or plain bytes. KiB, MiB, GiB and TiB are powers of 1024;
// KB, MB, GB and TB powers of 1000, as the IEC and SI define them.
type byteSize int64

// byteUnits are the accepted units, largest first, so that String picks the
// largest one that divides the size exactly (binary before decimal).
func byteUnits() []struct {
	name string
	size int64
} {
	return []struct {
		name string
		size int64
	}{
		{"TiB", 1 << 40}, {"TB", 1e12}, {"GiB", 1 << 30}, {"GB", 1e9},
		{"MiB", 1 << 20}, {"MB", 1e6}, {"KiB", 1 << 10}, {"KB", 1e3}, {"B", 1},
	}
}

// Set parses a size: digits, optional spaces, then an optional unit
// (case-insensitive). A bare K, M, G or T is refused: it is ambiguous
// between the binary and the decimal unit.
func (b *byteSize) Set(s string) error {
	n, err := parseByteSize(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

func parseByteSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) })
	digits, unit := s, ""
	if i >= 0 {
		digits, unit = s[:i], strings.TrimSpace(s[i:])
	}
	if digits == "" {
		return 0, fmt.Errorf("%q is not a size: want a whole number of bytes or one with a unit, such as 200MiB, 64MB or 1GiB", s)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size: %w", s, err)
	}
	if unit == "" {
		return n, nil
	}
	for _, u := range byteUnits() {
		if strings.EqualFold(unit, u.name) {
			if n > math.MaxInt64/u.size {
				return 0, fmt.Errorf("%q is too large", s)
			}
			return n * u.size, nil
		}
	}
	if len(unit) == 1 && strings.ContainsAny(strings.ToUpper(unit), "KMGT") {
		u := strings.ToUpper(unit)
		return 0, fmt.Errorf("%q is ambiguous: write %s%siB (powers of 1024) or %s%sB (powers of 1000)", s, digits, u, digits, u)
	}
	return 0, fmt.Errorf("%q has an unknown unit %q (want B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)", s, unit)
}

// String shows the size in the largest unit that divides it exactly.
func (b *byteSize) String() string {
	n := int64(*b)
	if n == 0 {
		return "0"
	}
	for _, u := range byteUnits() {
		if n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) // unreachable: B divides everything
}
