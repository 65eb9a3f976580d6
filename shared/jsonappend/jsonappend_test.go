package jsonappend_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"ossdirect/shared/jsonappend"
)

// encodingJSON is what the functions wrote before: encoding/json with
// HTML escaping off, without the Encoder's trailing newline.
func encodingJSON(t testing.TB, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

var strs = []string{
	"", "plain", `quote " and \ backslash`, "<html> & </html>", "\b\f\n\r\t\x00\x01\x1f\x7f",
	"猫 照片 1.png", "line\u2028sep\u2029para", "bad \xff utf-8 \xc3", "\xed\xa0\x80 surrogate", "emoji 🐈",
}

func TestStringMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, s := range strs {
		if got, want := string(jsonappend.String(nil, s)), encodingJSON(t, s); got != want {
			t.Errorf("String(%q) = %s, want %s", s, got, want)
		}
	}
	// Every single byte, alone and between ASCII.
	for b := range 256 {
		s := "a" + string(rune(b))[:1] + "z"
		if b >= 0x80 {
			s = "a" + string([]byte{byte(b)}) + "z"
		}
		if got, want := string(jsonappend.String(nil, s)), encodingJSON(t, s); got != want {
			t.Errorf("String(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestObjectMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	type answer struct {
		Host   string            `json:"host"`
		Expire int64             `json:"expire"`
		Fields map[string]string `json:"fields"`
		None   map[string]string `json:"none"`
	}
	for _, s := range strs {
		v := answer{Host: s, Expire: -42, Fields: map[string]string{s: s, "b": "2", "a": "1", "A": s, "": "empty key"}}
		o := jsonappend.NewObject([]byte("prefix:"))
		o.String("host", v.Host)
		o.Int("expire", v.Expire)
		o.StringMap("fields", v.Fields)
		o.StringMap("none", v.None)
		if got, want := string(o.End()), "prefix:"+encodingJSON(t, v); got != want {
			t.Errorf("Object = %s\nwant     %s", got, want)
		}
	}
	big := map[string]string{}
	for i := range 100 { // more keys than the scratch space
		big[strings.Repeat("k", i%7)+string(rune('a'+i%26))+string(rune('0'+i/26))] = "v"
	}
	o := jsonappend.NewObject(nil)
	o.StringMap("m", big)
	if got, want := string(o.End()), encodingJSON(t, map[string]map[string]string{"m": big}); got != want {
		t.Errorf("big map = %s\nwant %s", got, want)
	}
}

func FuzzString(f *testing.F) {
	for _, s := range strs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(jsonappend.String(nil, s)), encodingJSON(t, s); got != want {
			t.Fatalf("String(%q) = %s, want %s", s, got, want)
		}
	})
}
