package api

// Fuzz targets for the functions' request decoding: the signing request
// (GET query and POST JSON), the multipart operations' bodies and the
// confirm's callback parameter. Whatever arrives is decoded or refused
// with a client error (*Error, 4xx), never a panic or a 500.

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// wantClientError fails unless err is nil or an *Error with a 4xx status.
func wantClientError(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 {
		t.Fatalf("%s: %v, want a client error (4xx)", what, err)
	}
}

func FuzzParseRequest(f *testing.F) {
	for _, seed := range []struct{ query, body string }{
		{"profile=images&filename=cat.png&size=12", `{"profile":"images","filename":"cat.png","size":12}`},
		{"size=-1&md5=xx", `{"size":-1}`},
		{"profile=a&profile=b", `{"profile":"a","profile":"b"}`},
		{"%zz", `{"Profile":"a"}`},
		{"signatureVersion=V1&md5=1B2M2Y8AsgTpgAmY7PhCfg==", `{"signatureVersion":"v2"} x`},
		{"filename=%ff", `{"filename":"\udc00","size":"1"}`},
	} {
		f.Add(seed.query, seed.body)
	}
	f.Fuzz(func(t *testing.T, query, body string) {
		get := httptest.NewRequest(http.MethodGet, "/post-signature", nil)
		get.URL.RawQuery = query
		req, err := parseRequest(httptest.NewRecorder(), get)
		wantClientError(t, "GET ?"+query, err)
		if err == nil && (req.Size < 0 || (req.SignatureVersion != "" && req.SignatureVersion != "v1" && req.SignatureVersion != "v4")) {
			t.Fatalf("GET ?%s accepted as %+v", query, req)
		}
		post := httptest.NewRequest(http.MethodPost, "/post-signature", strings.NewReader(body))
		post.Header.Set("Content-Type", "application/json")
		req, err = parseRequest(httptest.NewRecorder(), post)
		wantClientError(t, "POST "+body, err)
		if err == nil && req.Size < 0 {
			t.Fatalf("POST %s accepted as %+v", body, req)
		}
	})
}

func FuzzDecodeMultipartRequest(f *testing.F) {
	for _, seed := range []string{
		`{"profile":"videos","filename":"a.mp4","contentType":"video/mp4","size":100,"partSize":10}`,
		`{"key":"k","uploadId":"u","token":"t","partNumbers":[1,2,3]}`,
		`{"key":"k","uploadId":"u","token":"t","parts":[{"partNumber":1,"etag":"\"E\""}]}`,
		`{"parts":[{"partNumber":"1"}]}`, `{"partNumbers":[1e309]}`, `{"key":"k","key":"k"}`, `[]`, ``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, fields := range [][]string{createFields, signFields, completeFields} {
			var req multipartRequest
			wantClientError(t, body, decodeStrict(strings.NewReader(body), fields, &req))
		}
	})
}

func FuzzGrantCallbackBody(f *testing.F) {
	f.Add("eyJjYWxsYmFja1VybCI6Imh0dHA6Ly9leGFtcGxlL2NiIiwiY2FsbGJhY2tCb2R5IjoiZ2lkPTEmc2lnPXgifQ==")
	f.Add("eyJjYWxsYmFja0JvZHkiOiIlenoifQ==")
	f.Add("not base64")
	f.Add("")
	f.Fuzz(func(t *testing.T, param string) {
		form, err := grantCallbackBody(param)
		wantClientError(t, param, err)
		if err == nil && form == nil {
			t.Fatalf("grantCallbackBody(%q): no error and no fields", param)
		}
	})
}
