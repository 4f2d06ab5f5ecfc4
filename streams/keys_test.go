package streams

import (
	"encoding/json"
	"testing"
)

func TestKeyOfAndSplitKey(t *testing.T) {
	members, _ := Lookup("group_members")
	users, _ := Lookup("users")
	perms, _ := Lookup("permissions")
	cases := []struct {
		st      Stream
		record  string
		want    string
		parent  string
		wantErr bool
	}{
		{users, `{"id":"00u1","status":"ACTIVE"}`, "00u1", "", false},
		{members, `{"groupId":"00g1","id":"00u2"}`, "00g1/00u2", "00g1", false},
		{perms, `{"roleId":"cr0","label":"okta.users/read%x"}`, "cr0/okta.users%2Fread%25x", "cr0", false},
		{users, `{"id":7}`, "7", "", false},
		{users, `{"status":"ACTIVE"}`, "", "", true},
		{users, `{"id":null}`, "", "", true},
		{users, `{"id":""}`, "", "", true},
		{users, `{"id":{"x":1}}`, "", "", true},
		{users, `[1]`, "", "", true},
	}
	for _, tc := range cases {
		got, err := tc.st.KeyOf(json.RawMessage(tc.record))
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("%s KeyOf(%s) = %q, %v; want %q (error %v)", tc.st.Name, tc.record, got, err, tc.want, tc.wantErr)
			continue
		}
		if tc.wantErr {
			continue
		}
		if p := tc.st.ParentOf(got); p != tc.parent {
			t.Errorf("%s ParentOf(%q) = %q, want %q", tc.st.Name, got, p, tc.parent)
		}
		kv, err := tc.st.SplitKey(got)
		if err != nil {
			t.Fatalf("SplitKey(%q): %v", got, err)
		}
		var rec map[string]any
		json.Unmarshal([]byte(tc.record), &rec)
		for _, f := range kv {
			if s, ok := rec[f.Field].(string); ok && s != f.Value {
				t.Errorf("SplitKey(%q) gives %s=%q, the record has %q", got, f.Field, f.Value, s)
			}
		}
	}
	if _, err := members.SplitKey("00g1"); err == nil {
		t.Error("SplitKey of a one-part key of a two-field stream gave no error")
	}
}
