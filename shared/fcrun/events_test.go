package fcrun

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/aliyun/fc-runtime-go-sdk/events"
)

// TestFixtureRoundTrip checks that the SDK's event types hold every field of
// the fixtures: unmarshal → marshal → compare as generic JSON. Fields the
// v0.3.1 types do not model are listed and removed before comparing.
func TestFixtureRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		typ     any
		unknown [][]string // JSON paths the type drops
	}{
		{"http-lower.json", &events.HTTPTriggerEvent{}, nil},
		{"http-canonical.json", &events.HTTPTriggerEvent{}, [][]string{{"requestContext", "triggerId"}}},
		{"http-base64.json", &events.HTTPTriggerEvent{}, nil},
		{"http-multivalue.json", &events.HTTPTriggerEvent{}, nil},
		{"http-encoded-path.json", &events.HTTPTriggerEvent{}, nil},
		{"oss-created.json", &events.OssEvent{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			raw := readFixture(t, tt.fixture)
			if err := json.Unmarshal(raw, tt.typ); err != nil {
				t.Fatal(err)
			}
			again, err := json.Marshal(tt.typ)
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(again, &got); err != nil {
				t.Fatal(err)
			}
			for _, path := range tt.unknown {
				m := want.(map[string]any)
				for _, k := range path[:len(path)-1] {
					m = m[k].(map[string]any)
				}
				delete(m, path[len(path)-1])
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip changed the event:\n got %s\nwant %s", again, raw)
			}
		})
	}
}

func TestEventTypesMalformedJSON(t *testing.T) {
	t.Parallel()
	for _, v := range []any{&events.HTTPTriggerEvent{}, &events.OssEvent{}} {
		var se *json.SyntaxError
		if err := json.Unmarshal([]byte(`{"version": "v1",`), v); !errors.As(err, &se) {
			t.Errorf("%T: err = %v, want *json.SyntaxError", v, err)
		}
	}
}
