package main

import (
	"strings"
	"testing"
)

func TestByteSizeParsesAndShowsUnits(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		show string
	}{
		{"200MiB", 200 << 20, "200MiB"},
		{"209715200", 200 << 20, "200MiB"},
		{"64MB", 64_000_000, "64MB"},
		{"1GiB", 1 << 30, "1GiB"},
		{"1gib", 1 << 30, "1GiB"},
		{"5 MiB", 5 << 20, "5MiB"},
		{"1024", 1024, "1KiB"},
		{"1000", 1000, "1KB"},
		{"1500", 1500, "1500B"},
		{"2KB", 2000, "2KB"},
		{"7B", 7, "7B"},
		{"2TiB", 2 << 40, "2TiB"},
	}
	for _, tt := range tests {
		var b byteSize
		if err := b.Set(tt.in); err != nil {
			t.Errorf("Set(%q): %v", tt.in, err)
			continue
		}
		if int64(b) != tt.want || b.String() != tt.show {
			t.Errorf("Set(%q) = %d shown %q, want %d shown %q", tt.in, int64(b), b.String(), tt.want, tt.show)
		}
	}
	bad := []struct{ in, want string }{
		{"", "not a size"},
		{"MiB", "not a size"},
		{"-1", "not a size"},
		{"1.5GiB", "unknown unit"},
		{"200M", "ambiguous"},
		{"200 k", "ambiguous"},
		{"3PB", "unknown unit"},
		{"99999999999TiB", "too large"},
		{"99999999999999999999", "out of range"},
	}
	for _, tt := range bad {
		var b byteSize
		if err := b.Set(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Set(%q) err = %v, want %q", tt.in, err, tt.want)
		}
	}
}
