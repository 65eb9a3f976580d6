package api_test

// POST /callback/confirm: a client whose upload's callback failed (203
// CallbackFailed) asks for it to be verified and reported; the event
// reaches the receiver once, and only the grant's own caller can ask.

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/shared/uploadevent"
)

// withCallbackURL returns the callback param cb sending OSS's callback to
// url instead: what a client holding STS credentials can do, and what a
// callback function down looks like to OSS.
func withCallbackURL(t *testing.T, cb, url string) string {
	t.Helper()
	return rewriteParam(t, cb, func(p map[string]string) { p["callbackUrl"] = url })
}

func TestConfirmAfterCallbackFailed(t *testing.T) {
	t.Parallel()
	rcv := newEventReceiver(t)
	s := startEventStack(t, rcv.URL, rcv.secret, 0)
	confirmURL := s.API + "/callback/confirm"
	png := pngBytes(t, 4, 3)

	// An upload whose callback cannot reach the callback function: OSS
	// stores the object and answers 203 CallbackFailed.
	failed := func(t *testing.T, apiKey, profile, name string, data []byte, contentType string) (stsGrant, string) {
		t.Helper()
		g := s.stsFor(t, apiKey, profile)
		key := g.Prefix + name
		_, err := s.put(t, g, key, contentType, data, withCallbackURL(t, g.Headers["x-oss-callback"], deadURL(t)))
		var se *oss.ServiceError
		if !errors.As(err, &se) || se.StatusCode != 203 || se.Code != "CallbackFailed" {
			t.Fatalf("upload with the callback function unreachable: %v, want 203 CallbackFailed", err)
		}
		if got := rcv.events(key); len(got) != 0 {
			t.Fatalf("events %+v before confirming, want none", got)
		}
		return g, key
	}

	t.Run("the grant's caller confirms: one upload.completed, again nothing new", func(t *testing.T) {
		g, key := failed(t, bobKey, "images", "confirmed.png", png, "image/png")
		body := map[string]any{"key": key, "callback": g.Headers["x-oss-callback"]}
		var ans struct {
			Status    string `json:"Status"`
			Key       string `json:"key"`
			Size      int64  `json:"size"`
			ETag      string `json:"etag"`
			EventID   string `json:"eventId"`
			Delivered bool   `json:"delivered"`
		}
		postJSON(t, confirmURL, body, "X-Api-Key", bobKey).decode(t, &ans)
		if ans.Status != "OK" || ans.Key != key || ans.Size != int64(len(png)) || !ans.Delivered || ans.EventID != uploadevent.ID(s.Bucket, key, ans.ETag) {
			t.Fatalf("answer %+v, want OK for %s, delivered, with its event id", ans, key)
		}
		got := rcv.events(key)
		if len(got) != 1 || got[0].Type != uploadevent.TypeCompleted || got[0].Data.Source != uploadevent.SourceConfirm ||
			got[0].Data.Subject != "bob" || got[0].Data.GrantID == "" || got[0].Data.Size != int64(len(png)) {
			t.Fatalf("events %+v, want one upload.completed from confirm with the grant's subject and id", got)
		}
		postJSON(t, confirmURL, body, "X-Api-Key", bobKey).decode(t, &ans)
		if !ans.Delivered || len(rcv.events(key)) != 1 {
			t.Fatalf("second confirm: %+v, %d events; want delivered (before) and still one event", ans, len(rcv.events(key)))
		}
	})

	t.Run("a violating upload: refused, deleted, one upload.rejected", func(t *testing.T) {
		g, key := failed(t, bobKey, "images", "confirmed.txt", []byte("not an image"), "text/plain")
		r := postJSON(t, confirmURL, map[string]any{"key": key, "callback": g.Headers["x-oss-callback"]}, "X-Api-Key", bobKey)
		if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "ProfileViolation") {
			t.Fatalf("confirm: %d %s, want 403 ProfileViolation", r.status, r.body)
		}
		wantNotStored(t, s.Stack, key)
		if got := rcv.events(key); len(got) != 1 || got[0].Type != uploadevent.TypeRejected {
			t.Fatalf("events %+v, want one upload.rejected", got)
		}
	})

	t.Run("refusals name the field; nothing is reported", func(t *testing.T) {
		g, key := failed(t, bobKey, "images", "refusals.png", png, "image/png")
		cb := g.Headers["x-oss-callback"]
		for _, tc := range []struct {
			name   string
			body   any
			apiKey string
			status int
			want   string
		}{
			{"no key", map[string]any{"callback": cb}, bobKey, 400, "key: required"},
			{"no callback", map[string]any{"key": key}, bobKey, 400, "callback: required"},
			{"unknown field", map[string]any{"key": key, "callback": cb, "etag": "x"}, bobKey, 400, "etag: unknown field"},
			{"not a callback param", map[string]any{"key": key, "callback": "bm90IGpzb24="}, bobKey, 400, "callback: not a callback parameter"},
			{"another caller", map[string]any{"key": key, "callback": cb}, aliceKey, 403, "issued to another caller"},
			{"no credentials", map[string]any{"key": key, "callback": cb}, "", 401, ""},
			{"a key of another profile", map[string]any{"key": "imgk/bob/refusals.png", "callback": cb}, bobKey, 403, "outside every upload profile's directory"},
			{"a key of another caller", map[string]any{"key": "images/alice/refusals.png", "callback": cb}, bobKey, 403, "outside every upload profile's directory"},
			{"a tampered binding", map[string]any{"key": key, "callback": rewriteBody(t, cb, func(b string) string {
				return strings.Replace(b, "subject=bob", "subject=alice", 1)
			})}, aliceKey, 403, "does not verify"},
			{"an object that does not exist", map[string]any{"key": g.Prefix + "never.png", "callback": cb}, bobKey, 403, "does not exist"},
		} {
			var header []string
			if tc.apiKey != "" {
				header = []string{"X-Api-Key", tc.apiKey}
			}
			r := postJSON(t, confirmURL, tc.body, header...)
			if r.status != tc.status || !strings.Contains(string(r.body), tc.want) {
				t.Errorf("%s: %d %s, want %d naming %q", tc.name, r.status, r.body, tc.status, tc.want)
			}
		}
		if got := rcv.events(key); len(got) != 0 {
			t.Errorf("events %+v after refused confirms, want none", got)
		}
		if r := call(t, http.MethodGet, confirmURL, "", "X-Api-Key", bobKey); r.status != http.StatusMethodNotAllowed {
			t.Errorf("GET: %d, want 405", r.status)
		}
	})

	t.Run("CORS preflight from an allowed origin", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodOptions, confirmURL, nil)
		req.Header.Set("Origin", s.API)
		req.Header.Set("Access-Control-Request-Method", "POST")
		if r := send(t, req); r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != s.API {
			t.Errorf("preflight: %d %v, want 204 allowing %s", r.status, r.header, s.API)
		}
	})
}
