package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ossdirect/internal/localcloud/devstack"
)

// Every request rule, for each signing function: a clear 4xx JSON error
// whose message names the field (and the allowed values where there are
// some), before anything is signed.
func TestRequestRulesRefuseWithTheField(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{})
	long := strings.Repeat("a", 1025)

	tests := []struct {
		name       string
		method     string
		query      string // GET query
		body       string // raw body; with json, sent as application/json
		json       any
		header     []string
		wantStatus int
		wantCode   string
		mentions   []string
		// wantMessage, when set, is the whole message.
		wantMessage string
		wantAllow   string
	}{
		{name: "unknown profile", query: "profile=videos&filename=a.mp4",
			wantStatus: 404, wantCode: "NoSuchProfile", mentions: []string{"profile", `"videos"`, "allowed: client, docs, images, pics"},
			wantMessage: `profile: "videos" not found; allowed: client, docs, images, pics`},
		{name: "missing profile with several profiles", query: "filename=a.png",
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"profile: required", "allowed: client, docs, images, pics"},
			wantMessage: "profile: required; allowed: client, docs, images, pics"},
		{name: "content type not allowed", query: "profile=images&contentType=text/html",
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"contentType", `"text/html"`, "allowed: image/png, image/jpeg"},
			wantMessage: `contentType: "text/html" not allowed; allowed: image/png, image/jpeg`},
		{name: "content type with parameters", json: map[string]any{"profile": "docs", "contentType": "text/plain; charset=utf-8"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"contentType", "no parameters"}},
		{name: "size over maxSize", json: map[string]any{"profile": "images", "filename": "a.png", "size": 65537},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"size", "65537", "10 … 65536 bytes"}},
		{name: "size under minSize", json: map[string]any{"profile": "images", "filename": "a.png", "size": 9},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"size", "9 out of range", "10 … 65536 bytes"}},
		{name: "size 0 declared in JSON, the profile's minimum 10", json: map[string]any{"profile": "images", "filename": "a.png", "size": 0},
			wantStatus: 400, wantCode: "InvalidArgument", wantMessage: `size: 0 bytes: profile "images" takes files of at least 10 bytes`},
		{name: "size 0 declared in the query, the default minimum 1", query: "profile=docs&filename=a.txt&size=0",
			wantStatus: 400, wantCode: "InvalidArgument", wantMessage: `size: 0 bytes: profile "docs" refuses empty files`},
		{name: "negative size in JSON", json: map[string]any{"profile": "docs", "filename": "a.txt", "size": -1},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"size", "negative"}},
		{name: "negative size in the query", query: "profile=docs&filename=a.txt&size=-1",
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"size", `"-1"`}},
		{name: "size of the wrong JSON type", body: `{"profile":"docs","size":"12"}`, header: []string{"Content-Type", "application/json"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"size", "wrong type"}},
		{name: "filename with a parent segment", json: map[string]any{"profile": "client", "filename": "../x.png"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"filename", `".."`}},
		{name: "filename with a parent segment in the query", query: "profile=client&filename=" + url.QueryEscape("a/../../x.png"),
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"filename", `".."`}},
		{name: "absolute filename", json: map[string]any{"profile": "client", "filename": "/abs.png"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"filename", `start with "/"`}},
		{name: "filename with a backslash", json: map[string]any{"profile": "client", "filename": `a\b.png`},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"filename", "backslash"}},
		{name: "filename with a control character", json: map[string]any{"profile": "client", "filename": "a\x00b.png"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"filename", "control character"}},
		{name: "filename with a newline", json: map[string]any{"profile": "images", "filename": "a\nb.png"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"filename", "control character"}},
		{name: "filename with a bidi override", json: map[string]any{"profile": "client", "filename": "a\u202egnp.exe"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"filename", "U+202E"}},
		{name: "extension does not match the content type", json: map[string]any{"profile": "images", "filename": "cat.png", "contentType": "image/jpeg"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"filename", `".png"`, `"image/jpeg"`, "allowed: image/png"}},
		{name: "extension of a type the profile refuses", json: map[string]any{"profile": "images", "filename": "page.html"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"filename", `".html"`, "allowed: "}},
		{name: "unknown JSON field", body: `{"profile":"docs","bogus":1}`, header: []string{"Content-Type", "application/json"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"bogus", "unknown field", "allowed: profile, filename, contentType, size, signatureVersion"}},
		{name: "unknown query parameter", query: "profile=docs&bogus=1",
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"bogus", "unknown parameter", "allowed: profile, filename"}},
		{name: "repeated query parameter", query: "profile=docs&profile=images",
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"profile", "given 2 times"}},
		{name: "JSON field given twice (the last would win)", body: `{"profile":"docs","size":5,"size":999999999}`, header: []string{"Content-Type", "application/json"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"size", "given twice"}},
		{name: "JSON field in another letter case (encoding/json would take it)", body: `{"profile":"docs","Size":5}`, header: []string{"Content-Type", "application/json"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"Size", "unknown field", "allowed: profile, filename, contentType, size, signatureVersion"}},
		{name: "JSON profile in capitals", body: `{"PROFILE":"docs"}`, header: []string{"Content-Type", "application/json"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"PROFILE", "unknown field"}},
		{name: "JSON array instead of an object", body: `["docs"]`, header: []string{"Content-Type", "application/json"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"body", "not a JSON object"}},
		{name: "JSON string where a number belongs", body: `{"profile":"docs","size":"5"}`, header: []string{"Content-Type", "application/json"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"size", "wrong type"}},
		{name: "trailing data after the JSON object", body: `{"profile":"docs"}{}`, header: []string{"Content-Type", "application/json"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"body", "trailing data"}},
		{name: "empty JSON body", method: http.MethodPost, header: []string{"Content-Type", "application/json"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"body", "empty"}},
		{name: "body over 16 KiB", json: map[string]any{"profile": "docs", "filename": strings.Repeat("a", 17<<10)},
			wantStatus: 413, wantCode: "RequestTooLarge", mentions: []string{"body", "16 KiB"}},
		{name: "wrong method", method: http.MethodPut, body: `{"profile":"docs"}`, header: []string{"Content-Type", "application/json"},
			wantStatus: 405, wantCode: "MethodNotAllowed", mentions: []string{"method", "PUT"}, wantAllow: "GET, POST, OPTIONS"},
		{name: "non-JSON content type", method: http.MethodPost, body: "profile=docs", header: []string{"Content-Type", "application/x-www-form-urlencoded"},
			wantStatus: 415, wantCode: "InvalidArgument", mentions: []string{"Content-Type", "application/json"}},
		{name: "over-long filename", json: map[string]any{"profile": "docs", "filename": long},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"filename", "longer than 1024 bytes"}},
		{name: "over-long contentType in the query", query: "profile=docs&contentType=" + long,
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"contentType", "longer than 1024 bytes"}},
		{name: "over-long profile", json: map[string]any{"profile": long},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"profile", "longer than 1024 bytes"}},
		{name: "filename over 255 bytes", json: map[string]any{"profile": "client", "filename": strings.Repeat("b", 256) + ".txt"},
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"filename", "longer than 255 bytes"}},
		{name: "unsupported signature version", query: "profile=docs&filename=a.txt&signatureVersion=v2",
			wantStatus: 400, wantCode: "InvalidArgument", mentions: []string{"signatureVersion", `"v2"`, "allowed: v4, v1"}},
	}
	for _, fn := range []string{"/post-signature", "/presigned-url", "/sts-token"} {
		for _, tt := range tests {
			t.Run(strings.TrimPrefix(fn, "/")+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				var r response
				switch {
				case tt.json != nil:
					r = postJSON(t, s.API+fn, tt.json, tt.header...)
				case tt.method != "":
					r = call(t, tt.method, s.API+fn, tt.body, tt.header...)
				case tt.body != "":
					r = call(t, http.MethodPost, s.API+fn, tt.body, tt.header...)
				default:
					r = call(t, http.MethodGet, s.API+fn+"?"+tt.query, "", tt.header...)
				}
				e := wantError(t, r, tt.wantStatus, tt.wantCode, tt.mentions...)
				if tt.wantMessage != "" && e.Message != tt.wantMessage {
					t.Errorf("message %q, want %q", e.Message, tt.wantMessage)
				}
				if got := r.header.Get("Allow"); got != tt.wantAllow {
					t.Errorf("Allow %q, want %q", got, tt.wantAllow)
				}
			})
		}
	}
}

// What a grant allows is enforced by OSS, not by the client: each limit the
// request narrowed is refused by the emulator, and nothing is stored.
func TestGrantLimitsAreEnforcedByOSS(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{})
	img := pngBytes(t, 2, 2)

	postGrantFor := func(t *testing.T, req map[string]any) postGrant {
		t.Helper()
		var g postGrant
		postJSON(t, s.API+"/post-signature", req).decode(t, &g)
		return g
	}
	presignFor := func(t *testing.T, req map[string]any) presignGrant {
		t.Helper()
		var g presignGrant
		postJSON(t, s.API+"/presigned-url", req).decode(t, &g)
		return g
	}
	// with replaces (or adds) fields of a grant's form.
	with := func(g postGrant, set map[string]string) []field {
		m := map[string]string{}
		for k, v := range g.Fields {
			m[k] = v
		}
		for k, v := range set {
			m[k] = v
		}
		return sortedFields(m)
	}

	tests := []struct {
		name string
		run  func(t *testing.T) (got response, key string)
		// wantStatus and wantCode are OSS's answer; the object at key must
		// then not exist.
		wantStatus int
		wantCode   string
	}{
		{name: "declared size narrows content-length-range: larger file", wantStatus: 400, wantCode: "EntityTooLarge",
			run: func(t *testing.T) (response, string) {
				g := postGrantFor(t, map[string]any{"profile": "docs", "filename": "a.txt", "size": 5})
				return postObject(t, g.Host, sortedFields(g.Fields), "a.txt", "text/plain", []byte("123456")), g.Key
			}},
		{name: "declared size narrows content-length-range: smaller file", wantStatus: 400, wantCode: "EntityTooSmall",
			run: func(t *testing.T) (response, string) {
				g := postGrantFor(t, map[string]any{"profile": "docs", "filename": "a.txt", "size": 5})
				return postObject(t, g.Host, sortedFields(g.Fields), "a.txt", "text/plain", []byte("1234")), g.Key
			}},
		{name: "profile maxSize without a declared size", wantStatus: 400, wantCode: "EntityTooLarge",
			run: func(t *testing.T) (response, string) {
				g := postGrantFor(t, map[string]any{"profile": "docs", "filename": "a.txt"})
				return postObject(t, g.Host, sortedFields(g.Fields), "a.txt", "text/plain", make([]byte, 65537)), g.Key
			}},
		{name: "declared content type pins the form: another type", wantStatus: 403, wantCode: "AccessDenied",
			run: func(t *testing.T) (response, string) {
				g := postGrantFor(t, map[string]any{"profile": "images", "filename": "cat.png", "contentType": "image/png"})
				fields := with(g, map[string]string{"Content-Type": "image/jpeg", "x-oss-content-type": "image/jpeg"})
				return postObject(t, g.Host, fields, "cat.png", "image/jpeg", img), g.Key
			}},
		{name: "type list pins the form: a type outside it", wantStatus: 403, wantCode: "AccessDenied",
			run: func(t *testing.T) (response, string) {
				g := postGrantFor(t, map[string]any{"profile": "pics"})
				key := g.Dir + "x.html"
				return postObject(t, g.Host, with(g, map[string]string{"key": key, "Content-Type": "text/html"}), "x.html", "text/html", []byte("<p>")), key
			}},
		{name: "declared content type pins the presigned PUT: another type", wantStatus: 403, wantCode: "SignatureDoesNotMatch",
			run: func(t *testing.T) (response, string) {
				g := presignFor(t, map[string]any{"profile": "images", "filename": "cat.png"})
				h := map[string]string{}
				for k, v := range g.Headers {
					h[k] = v
				}
				h["Content-Type"] = "image/jpeg"
				return putObject(t, g.URL, h, img), g.Key
			}},
		{name: "server-chosen key cannot be changed", wantStatus: 403, wantCode: "AccessDenied",
			run: func(t *testing.T) (response, string) {
				g := postGrantFor(t, map[string]any{"profile": "docs", "filename": "a.txt"})
				key := g.Dir + "chosen-by-client.txt"
				return postObject(t, g.Host, with(g, map[string]string{"key": key}), "a.txt", "text/plain", []byte("x")), key
			}},
		{name: "client naming stays inside the directory", wantStatus: 403, wantCode: "AccessDenied",
			run: func(t *testing.T) (response, string) {
				g := postGrantFor(t, map[string]any{"profile": "client"})
				key := "client/someone-else/x.txt"
				return postObject(t, g.Host, with(g, map[string]string{"key": key}), "x.txt", "text/plain", []byte("x")), key
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, key := tt.run(t)
			wantOSSError(t, got, tt.wantStatus, tt.wantCode)
			wantNotStored(t, s, key)
		})
	}

	// forbidOverwrite (the default) with client naming: the second upload
	// to the same key is refused by OSS with 409 and the first one stays.
	overwrite := []struct {
		name   string
		upload func(t *testing.T, data []byte) (response, string)
	}{
		{name: "forbidOverwrite: PostObject", upload: func(t *testing.T, data []byte) (response, string) {
			g := postGrantFor(t, map[string]any{"profile": "client", "filename": "same-post.txt"})
			return postObject(t, g.Host, sortedFields(g.Fields), "same-post.txt", "text/plain", data), g.Key
		}},
		{name: "forbidOverwrite: presigned PUT", upload: func(t *testing.T, data []byte) (response, string) {
			g := presignFor(t, map[string]any{"profile": "client", "filename": "same-put.txt"})
			return putObject(t, g.URL, g.Headers, data), g.Key
		}},
	}
	for _, tt := range overwrite {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			first, key := tt.upload(t, []byte("first"))
			if first.status != http.StatusOK {
				t.Fatalf("first upload: %d %s", first.status, first.body)
			}
			second, key2 := tt.upload(t, []byte("second"))
			if key2 != key {
				t.Fatalf("keys %q and %q differ", key, key2)
			}
			wantOSSError(t, second, http.StatusConflict, "FileAlreadyExists")
			wantStored(t, s, key, []byte("first"))
		})
	}
}
