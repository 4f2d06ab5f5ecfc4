package mapping

import (
	"testing"
)

func TestSingleQuotes(t *testing.T) {
	tests := []struct{ in, want string }{
		{`'Success'`, `"Success"`},
		{`'https://url.' + .foo`, `"https://url." + .foo`},
		{`"https://'url." + 'test.' + .foo`, `"https://'url." + "test." + .foo`},
		{`'a' + .b + '-1' + '.'`, `"a" + .b + "-1" + "."`},
		{`'"okta_user"'`, `'"okta_user"'`}, // Port leaves it: quotes next to double quotes
		{`.a == "it's"`, `.a == "it's"`},
		{`'a' 'b'`, `"a" 'b"`}, // the regexp's quirk: the space closing 'a' cannot open 'b'
		{`.x`, `.x`},
		{"\u00a0'x'", "\u00a0\"x\""},
	}
	for _, tt := range tests {
		if got := portQuotes(tt.in); got != tt.want {
			t.Errorf("portQuotes(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}

	m := mustParse(t, `[{"blueprint": "b", "entity": {"identifier": "'\"okta_user\"'", "title": "'Success'", "properties": {"p": "'\"okta_user\"'"}}}]`)
	res := applyUser(t, m)
	if len(res.Entities) != 1 || res.Entities[0].Identifier != "okta_user" || res.Entities[0].Title != "Success" || res.Entities[0].Properties["p"] != "okta_user" {
		t.Errorf("single-quoted literals: got %+v", res)
	}
}
