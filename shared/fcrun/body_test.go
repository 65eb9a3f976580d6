package fcrun

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The streamed body must be exactly what decoding the whole event gives.
func TestEventBodyMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	long := strings.Repeat(`a"\/é😀`+"\x01\t\n", unescapeChunk/5)
	tests := []struct {
		name string
		json string // the body value as it appears in the event
	}{
		{"plain", `"hello"`},
		{"empty", `""`},
		{"escapes", `"a\"b\\c\/d\n\u00e9\ud83d\ude00"`},
		{"lone surrogate", `"x\ud83dy\ude00z"`},
		{"invalid UTF-8", "\"a\xff\xfeb\xe2\x82\""},
		{"long, escapes across chunks", mustJSON(t, long)},
		{"long, surrogate pairs across chunks", `"` + strings.Repeat(`\ud83d\ude00`, unescapeChunk/6) + `"`},
		{"long, multibyte across chunks", mustJSON(t, strings.Repeat("中", unescapeChunk))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var want string
			if err := json.Unmarshal([]byte(tt.json), &want); err != nil {
				t.Fatal(err)
			}
			var b eventBody
			if err := json.Unmarshal([]byte(tt.json), &b); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(b.open(false))
			if err != nil || string(got) != want {
				t.Fatalf("got %q (%v), want %q", got, err, want)
			}
			n, known, err := b.size(false, -1)
			if err != nil || !known || n != int64(len(want)) {
				t.Errorf("size %d %v %v, want %d", n, known, err, len(want))
			}
		})
	}
}

func mustJSON(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEventBodyBase64(t *testing.T) {
	t.Parallel()
	for _, data := range [][]byte{nil, []byte("a"), []byte("ab"), []byte("abc"), bytes.Repeat([]byte{0xff, 0}, 40000)} {
		enc := base64.StdEncoding.EncodeToString(data)
		for _, js := range []string{`"` + enc + `"`, `"` + strings.ReplaceAll(enc, "/", `\/`) + `"`} {
			var b eventBody
			if err := json.Unmarshal([]byte(js), &b); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(b.open(true))
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("%d bytes: decoded %d bytes, %v", len(data), len(got), err)
			}
			if n, known, err := b.size(true, -1); err != nil || !known || n != int64(len(data)) {
				t.Errorf("%d bytes: size %d %v %v", len(data), n, known, err)
			}
		}
	}
	var b eventBody
	_ = json.Unmarshal([]byte(`"not base64!"`), &b)
	if _, _, err := b.size(true, 100); err == nil {
		t.Error("bad base64 within the cap: no error")
	}
}

// The body stays in the event: decoding the event keeps a slice of it.
func TestEventBodyAliasesTheEvent(t *testing.T) {
	t.Parallel()
	raw := []byte(`{"body":"aGVsbG8=","isBase64Encoded":true}`)
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	if !env.Body.set || &env.Body.raw[0] != &raw[len(`{"body":"`)] {
		t.Fatal("the body was copied out of the event")
	}
}

// A body over the cap is neither decoded nor checked before the handler
// runs: its base64, invalid at the end, would be an error if it were, and
// the handler gets the 413 from MaxBytesReader before reaching the end.
func TestHandlerOversizeBodyIsNotDecoded(t *testing.T) {
	t.Parallel()
	ev := minimalEvent()
	ev.TriggerContext.Http.Method = ptr("POST")
	ev.Body = ptr(base64.StdEncoding.EncodeToString(make([]byte, 2997)) + "!!!!") // "3000 bytes"
	ev.IsBase64Encoded = ptr(true)
	ev.Headers = &map[string]string{"Content-Length": "4000"}
	raw, _ := json.Marshal(ev)
	var sawLength int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawLength = r.ContentLength
		_, err := io.ReadAll(r.Body)
		var tooBig *http.MaxBytesError
		if !errors.As(err, &tooBig) {
			t.Errorf("read: %v, want MaxBytesError", err)
		}
		w.WriteHeader(http.StatusRequestEntityTooLarge)
	})
	if resp := invoke(t, Handler(h, Options{MaxBody: 100}), string(raw)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d", resp.StatusCode)
	}
	if sawLength != 3000 {
		t.Errorf("ContentLength %d, want 3000 (from the base64 length)", sawLength)
	}
	if _, err := Handler(h, Options{MaxBody: -1})(fcContext(), raw); !errors.Is(err, ErrMalformedEvent) {
		t.Errorf("uncapped bad base64: %v, want ErrMalformedEvent", err)
	}
}
