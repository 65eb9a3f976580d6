package strictjson_test

import (
	"encoding/json"
	"slices"
	"testing"

	"ossdirect/shared/strictjson"
)

// FuzzCheckKeys: on any bytes, CheckKeys names an unknown member only if it
// is not allowed and a repeated one only if it is; when it answers OK for a
// JSON object, every member encoding/json would set is an allowed name.
func FuzzCheckKeys(f *testing.F) {
	allowed := []string{"profile", "size", "parts"}
	for _, seed := range []string{
		`{"profile":"a","size":1}`, `{"Profile":"a"}`, `{"profile":"a","profile":"b"}`, `{"\u0070rofile":1}`,
		`{"parts":[{"profile":1}],"size":{"x":1}}`, `[1]`, `{"profile"`, `{"a":1}{"b":2}`, ``, `null`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		name, problem := strictjson.CheckKeys(raw, allowed)
		switch problem {
		case strictjson.Unknown:
			if slices.Contains(allowed, name) {
				t.Fatalf("CheckKeys(%q) calls the allowed %q unknown", raw, name)
			}
		case strictjson.Repeated:
			if !slices.Contains(allowed, name) {
				t.Fatalf("CheckKeys(%q) calls the unknown %q repeated", raw, name)
			}
		case strictjson.OK:
			var m map[string]json.RawMessage
			if strictjson.IsObject(raw) && json.Unmarshal(raw, &m) == nil {
				for k := range m {
					if !slices.Contains(allowed, k) {
						t.Fatalf("CheckKeys(%q) = OK, but member %q is not allowed", raw, k)
					}
				}
			}
		default:
			t.Fatalf("CheckKeys(%q): problem %d", raw, problem)
		}
	})
}
