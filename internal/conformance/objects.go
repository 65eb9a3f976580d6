package conformance

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"ossdirect/shared/signing"
)

// testObjects: GetObject's ranges, conditions and response overrides,
// which the callback function's sniffing and the product's downloads
// rely on. Moved from the emulator's TestGetObjectDetails
// (internal/localcloud/ossemu/behaviour_test.go).
func (s *suite) testObjects(t *testing.T) {
	c := s.newCase(t)
	key := c.key("r.bin")
	etag := c.put(key, []byte("0123456789"), "")
	tests := []struct {
		name    string
		header  http.Header
		query   url.Values
		status  int
		body    string
		wantHdr map[string]string
	}{
		{name: "whole", status: 200, body: "0123456789"},
		{name: "range", header: http.Header{"Range": {"bytes=2-4"}}, status: 206, body: "234", wantHdr: map[string]string{"Content-Range": "bytes 2-4/10"}},
		{name: "open range", header: http.Header{"Range": {"bytes=7-"}}, status: 206, body: "789"},
		{name: "suffix range", header: http.Header{"Range": {"bytes=-3"}}, status: 206, body: "789"},
		{name: "suffix longer than object", header: http.Header{"Range": {"bytes=-30"}}, status: 206, body: "0123456789"},
		{name: "end past the object", header: http.Header{"Range": {"bytes=8-100"}}, status: 206, body: "89", wantHdr: map[string]string{"Content-Range": "bytes 8-9/10"}},
		{name: "malformed range ignored", header: http.Header{"Range": {"bytes=a-b"}}, status: 200, body: "0123456789"},
		{name: "reversed range ignored", header: http.Header{"Range": {"bytes=5-2"}}, status: 200, body: "0123456789"},
		{name: "multi range ignored", header: http.Header{"Range": {"bytes=0-1,3-4"}}, status: 200, body: "0123456789"},
		{name: "start past the end", header: http.Header{"Range": {"bytes=10-"}}, status: 416, wantHdr: map[string]string{"Content-Range": "bytes */10"}},
		{name: "if-match ok", header: http.Header{"If-Match": {etag}}, status: 200, body: "0123456789"},
		{name: "if-match fails", header: http.Header{"If-Match": {`"00"`}}, status: 412},
		{name: "if-none-match hit", header: http.Header{"If-None-Match": {etag}}, status: 304},
		{name: "if-modified-since", header: http.Header{"If-Modified-Since": {time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}}, status: 304},
		{name: "if-unmodified-since fails", header: http.Header{"If-Unmodified-Since": {time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)}}, status: 412},
		{name: "response overrides", query: url.Values{"response-content-type": {"text/csv"}, "response-content-disposition": {"attachment"}}, status: 200, body: "0123456789",
			wantHdr: map[string]string{"Content-Type": "text/csv", "Content-Disposition": "attachment"}},
	}
	for _, tc := range tests {
		t.Run("get "+tc.name, func(t *testing.T) {
			t.Parallel()
			cc := &caseEnv{t: t, s: s, prefix: c.prefix}
			req := cc.signedRequest(http.MethodGet, key, nil, tc.header, tc.query, false, s.root, time.Now())
			resp, body := s.do(t, req)
			if resp.StatusCode != tc.status {
				t.Fatalf("HTTP %d, want %d: %s", resp.StatusCode, tc.status, brief(body))
			}
			if tc.status < 300 && string(body) != tc.body {
				t.Errorf("body %q, want %q", body, tc.body)
			}
			for k, v := range tc.wantHdr {
				if resp.Header.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, resp.Header.Get(k), v)
				}
			}
		})
	}
}

// hexBytes is OSS's StringToSignBytes: upper-case hex, each byte followed
// by a space.
func hexBytes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteString(strings.ToUpper(hex.EncodeToString([]byte{s[i]})))
		b.WriteByte(' ')
	}
	return b.String()
}

var requestIDPattern = regexp.MustCompile(`^[0-9A-F]{24}$`)

// testErrors: the error wire shape the product's clients parse.
func (s *suite) testErrors(t *testing.T) {
	wrong := signing.Credentials{AccessKeyID: s.root.AccessKeyID, AccessKeySecret: "wrong"}
	t.Run("SignatureDoesNotMatch v1 carries the StringToSign", func(t *testing.T) {
		t.Parallel()
		c := s.newCase(t)
		key := c.key("x.txt")
		req := c.signedRequest(http.MethodPut, key, []byte("x"), http.Header{"Content-Type": {"text/plain"}}, nil, true, wrong, time.Now())
		resp, body := s.do(t, req)
		e := checkError(t, "the V1 signature", resp, body, 403, "SignatureDoesNotMatch")
		if !strings.HasPrefix(string(body), `<?xml version="1.0" encoding="UTF-8"?>`) {
			t.Errorf("body does not start with the XML declaration: %.60q", body)
		}
		want := "PUT\n\ntext/plain\n" + req.Header.Get("Date") + "\n/" + s.target.Bucket + "/" + key
		if e.StringToSign != want || e.StringToSignBytes != hexBytes(want) || e.OSSAccessKeyID != s.root.AccessKeyID {
			t.Errorf("StringToSign %q (bytes %q), OSSAccessKeyId %q; want %q", e.StringToSign, e.StringToSignBytes, e.OSSAccessKeyID, want)
		}
		if e.EC != "0002-00000040" || resp.Header.Get("x-oss-ec") != "0002-00000040" {
			t.Errorf("EC %q, x-oss-ec %q, want 0002-00000040", e.EC, resp.Header.Get("x-oss-ec"))
		}
		if len(c.list()) != 0 {
			t.Error("the refused PUT stored an object")
		}
	})
	t.Run("SignatureDoesNotMatch v4 carries the StringToSign", func(t *testing.T) {
		t.Parallel()
		c := s.newCase(t)
		req := c.signedRequest(http.MethodPut, c.key("x.txt"), []byte("x"), http.Header{"Content-Type": {"text/plain"}}, nil, false, wrong, time.Now())
		resp, body := s.do(t, req)
		e := checkError(t, "the V4 signature", resp, body, 403, "SignatureDoesNotMatch")
		if !strings.HasPrefix(e.StringToSign, signing.AlgorithmV4+"\n"+req.Header.Get("x-oss-date")+"\n") || e.StringToSignBytes != hexBytes(e.StringToSign) {
			t.Errorf("StringToSign %q, bytes %q", e.StringToSign, e.StringToSignBytes)
		}
	})
	t.Run("HEAD puts the error in x-oss-err", func(t *testing.T) {
		t.Parallel()
		c := s.newCase(t)
		resp, body := s.do(t, c.signedRequest(http.MethodHead, c.key("missing.txt"), nil, nil, nil, false, s.root, time.Now()))
		if resp.StatusCode != 404 || len(body) != 0 {
			t.Fatalf("HEAD of a missing key: HTTP %d, %d body bytes", resp.StatusCode, len(body))
		}
		raw, err := base64.StdEncoding.DecodeString(resp.Header.Get("x-oss-err"))
		if err != nil {
			t.Fatalf("x-oss-err: %v", err)
		}
		var e ossError
		if err := xml.Unmarshal(raw, &e); err != nil || e.Code != "NoSuchKey" || e.RequestID != resp.Header.Get("x-oss-request-id") {
			t.Errorf("x-oss-err = %s (%v)", raw, err)
		}
	})
	t.Run("GET of a missing key", func(t *testing.T) {
		t.Parallel()
		c := s.newCase(t)
		resp, body := s.do(t, c.signedRequest(http.MethodGet, c.key("missing.txt"), nil, nil, nil, false, s.root, time.Now()))
		e := checkError(t, "a missing key", resp, body, 404, "NoSuchKey")
		if e.EC != "0026-00000001" {
			t.Errorf("EC = %q, want 0026-00000001", e.EC)
		}
	})
	t.Run("every answer has a request id", func(t *testing.T) {
		t.Parallel()
		c := s.newCase(t)
		key := c.key("id.txt")
		c.put(key, []byte("x"), "")
		ids := map[string]bool{}
		for range 3 {
			resp, _ := s.do(t, c.signedRequest(http.MethodGet, key, nil, nil, nil, false, s.root, time.Now()))
			id := resp.Header.Get("x-oss-request-id")
			if resp.StatusCode != 200 || !requestIDPattern.MatchString(id) || ids[id] {
				t.Errorf("GET: HTTP %d, request id %q (24 upper-case hex digits, new each time)", resp.StatusCode, id)
			}
			ids[id] = true
		}
	})
}
