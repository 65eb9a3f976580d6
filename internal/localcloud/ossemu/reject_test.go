package ossemu

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
)

// existingKey holds existingData before every rejection case; it is also
// the key the "images" grant gives alice with zeroUUID.
const existingKey = "users/alice/00000000-0000-4000-8000-000000000000.png"

var existingData = []byte("original bytes, never to be replaced")

// seed stores an object directly in the store (no HTTP, no clock).
func (h *harness) seed(key string, data []byte) {
	h.t.Helper()
	st, err := h.srv.store.Stage(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		h.t.Fatal(err)
	}
	m := simpleMeta(objectMeta{ContentType: "image/png"}, st, time.Now())
	if err := h.srv.store.Commit(st, testBucket, key, &m, false); err != nil {
		h.t.Fatal(err)
	}
}

func requestWith(t *testing.T, method, url string, body []byte, headers map[string]string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return req
}

// TestRejections sends what the emulator refuses for reasons of its own
// (what it does not implement, a callback sender not configured, its
// choices where OSS is silent) and checks the status and code, and that
// nothing was stored, replaced or left behind. What OSS itself refuses is
// in the conformance suite (internal/conformance), which runs against this
// emulator in TestEmulator and against real OSS in TestLive.
func TestRejections(t *testing.T) {
	t.Parallel()
	png := func(n int) []byte { return bytes.Repeat([]byte{0x89}, n) }
	newBody := []byte("new content")
	imagesGrant := func(t *testing.T, subject string, creds signing.Credentials, now time.Time) map[string]string {
		f, _ := grant(t, "images", upload.Request{Subject: subject, Filename: "cat.png"}, creds, "", now, zeroUUID())
		return f
	}
	signedPut := func(h *harness, t *testing.T, key string, hdr http.Header, v1 bool, creds signing.Credentials, at time.Time) *http.Request {
		return h.signedRequest(http.MethodPut, key, newBody, hdr, v1, creds, at)
	}

	tests := []struct {
		name   string
		req    func(t *testing.T, h *harness) *http.Request
		status int
		code   string
		ec     string
		msg    string // substring of Message
	}{
		{name: "post duplicate field", status: 400, code: "InvalidArgument",
			req: func(t *testing.T, h *harness) *http.Request {
				f := sortedFields(imagesGrant(t, "bob", rootCreds, time.Now()))
				f = append(f, field{Name: "KEY", Value: "users/bob/other.png"})
				return h.postRequest(f, fileField(png(100), "image/png"), nil)
			}},
		{name: "post v4 wrong region", status: 400, code: "InvalidArgument",
			req: func(t *testing.T, h *harness) *http.Request {
				f := handForm(t, true, rootCreds, time.Now(), nil, map[string]string{"key": "x"})
				f["x-oss-credential"] = strings.Replace(f["x-oss-credential"], testRegion, "cn-beijing", 1)
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post success_action_redirect unsupported", status: 501, code: "NotImplemented",
			req: func(t *testing.T, h *harness) *http.Request {
				f := handForm(t, true, rootCreds, time.Now(), nil, map[string]string{"key": "x", "success_action_redirect": "http://app.example.com/done"})
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post callback not enabled", status: 400, code: "InvalidArgument", msg: "callback is not enabled",
			req: func(t *testing.T, h *harness) *http.Request {
				f := handForm(t, true, rootCreds, time.Now(), nil, map[string]string{"key": "x", "callback": "e30="})
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "put v4 wrong region", status: 400, code: "InvalidArgument",
			req: func(t *testing.T, h *harness) *http.Request {
				req := requestWith(t, http.MethodPut, h.ts.URL+"/"+testBucket+"/x", newBody, nil)
				sr := &signing.Request{Method: http.MethodPut, Bucket: testBucket, Key: "x", Header: req.Header, Region: "cn-beijing"}
				if _, err := signing.SignV4(sr, rootCreds, time.Now()); err != nil {
					t.Fatal(err)
				}
				return req
			}},
		{name: "put callback not enabled", status: 400, code: "InvalidArgument", msg: "callback is not enabled",
			req: func(t *testing.T, h *harness) *http.Request {
				return signedPut(h, t, "users/alice/new.txt", http.Header{"X-Oss-Callback": {"e30="}}, false, rootCreds, time.Now())
			}},
		{name: "put unsupported acl", status: 501, code: "NotImplemented",
			req: func(t *testing.T, h *harness) *http.Request {
				return signedPut(h, t, "users/alice/new.txt", http.Header{"X-Oss-Object-Acl": {"public-read"}}, false, rootCreds, time.Now())
			}},
		{name: "put unsupported sub-resource", status: 501, code: "NotImplemented",
			req: func(t *testing.T, h *harness) *http.Request {
				return requestWith(t, http.MethodPut, h.ts.URL+"/"+testBucket+"/"+existingKey+"?acl", nil, nil)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.seed(existingKey, existingData)
			before := h.files(testBucket)
			resp, body := do(t, tc.req(t, h))
			e := wantError(t, resp, body, tc.status, tc.code)
			if tc.ec != "" && (e.EC != tc.ec || resp.Header.Get("x-oss-ec") != tc.ec) {
				t.Errorf("EC = %q (header %q), want %q", e.EC, resp.Header.Get("x-oss-ec"), tc.ec)
			}
			if tc.msg != "" && !strings.Contains(e.Message, tc.msg) {
				t.Errorf("Message = %q, want it to contain %q", e.Message, tc.msg)
			}
			if resp.Header.Get("Content-Type") != "application/xml" {
				t.Errorf("Content-Type = %q", resp.Header.Get("Content-Type"))
			}
			if after := h.files(testBucket); !slices.Equal(after, before) {
				t.Errorf("bucket files changed: %v -> %v", before, after)
			}
			if got := h.object(existingKey); !bytes.Equal(got, existingData) {
				t.Errorf("existing object replaced by %q", got)
			}
			if left := h.tmpFiles(); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}
