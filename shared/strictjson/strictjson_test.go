package strictjson

import "testing"

func TestCheckKeys(t *testing.T) {
	allowed := []string{"profile", "size"}
	for _, tc := range []struct {
		raw  string
		name string
		p    Problem
	}{
		{`{"profile":"a","size":1}`, "", OK},
		{`{"profile":"a","Size":1}`, "Size", Unknown},
		{`{"PROFILE":"a"}`, "PROFILE", Unknown},
		{`{"size":1,"size":2}`, "size", Repeated},
		{`{"profile":{"nested":{"size":1,"size":2}}}`, "", OK}, // only the object's own members
		{`["profile"]`, "", OK},
		{`not json`, "", OK},
	} {
		if name, p := CheckKeys([]byte(tc.raw), allowed); name != tc.name || p != tc.p {
			t.Errorf("CheckKeys(%s) = %q, %v; want %q, %v", tc.raw, name, p, tc.name, tc.p)
		}
	}
	for raw, want := range map[string]bool{`{}`: true, " \n{\"a\":1}": true, `[]`: false, `null`: false, ``: false} {
		if IsObject([]byte(raw)) != want {
			t.Errorf("IsObject(%q) != %v", raw, want)
		}
	}
}
