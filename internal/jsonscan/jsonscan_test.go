package jsonscan

import "testing"

func TestSkipValue(t *testing.T) {
	cases := []struct {
		in   string
		at   int
		want int
	}{
		{`"a\"b",1`, 0, 6},
		{`{"k":["}",{"x":1}]} tail`, 0, 19},
		{`[1, 2] `, 0, 6},
		{`123,`, 0, 3},
		{`true}`, 0, 4},
		{`null `, 0, 4},
		{`{"a":1`, 0, 6}, // unterminated: the end of the input
		{``, 0, 0},
	}
	for _, c := range cases {
		if got := SkipValue([]byte(c.in), c.at); got != c.want {
			t.Errorf("SkipValue(%q, %d) = %d, want %d", c.in, c.at, got, c.want)
		}
	}
	if got := SkipSpace([]byte(" \t\r\nx"), 0); got != 4 {
		t.Errorf("SkipSpace = %d, want 4", got)
	}
}
