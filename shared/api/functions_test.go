package api_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"ossdirect/shared/api"
)

// The route table: four functions, named like their FC functions (and
// functions/<name>), each with its own routes.
func TestRouteTable(t *testing.T) {
	t.Parallel()
	var names, routes []string
	for _, fn := range api.Functions() {
		names = append(names, fn.String())
		if fn.Path() != "/"+fn.String() || fn.Routes()[0] != fn.Path() {
			t.Errorf("%s: Path %q, Routes %q", fn, fn.Path(), fn.Routes())
		}
		routes = append(routes, fn.Routes()...)
	}
	if want := []string{"post-signature", "presigned-url", "sts-token", "callback"}; !slices.Equal(names, want) {
		t.Errorf("Functions = %q, want %q", names, want)
	}
	want := []string{"/post-signature", api.SeedPostPath, "/post-signature" + api.DescribePath, "/presigned-url", api.SeedPresignedPath,
		"/presigned-url" + api.MultipartCreatePath, "/presigned-url" + api.MultipartSignPath, "/presigned-url" + api.MultipartListPath,
		"/presigned-url" + api.MultipartCompletePath, "/presigned-url" + api.MultipartAbortPath,
		"/sts-token", api.SeedSTSPath, "/callback", "/callback" + api.ConfirmPath}
	if !slices.Equal(routes, want) {
		t.Errorf("routes = %q, want %q", routes, want)
	}
	if api.PostSignature == api.PresignedURL || api.STSToken != api.Functions()[2] {
		t.Error("Functions do not compare by identity")
	}
	var zero api.Function
	if zero.String() != "" || zero.Path() != "" || zero.Routes() != nil {
		t.Errorf("zero Function: %q %q %q", zero, zero.Path(), zero.Routes())
	}
}

// A function's own handler answers at any path, and at its seed path in
// the samples' shape; the zero Function has no handler.
func TestHandlerOfFunction(t *testing.T) {
	t.Parallel()
	h := newHandlers(t, api.Config{})
	post := h.Handler(api.PostSignature)
	for _, path := range []string{"/", "/anything/post-signature", api.SeedPostPath} {
		rec := httptest.NewRecorder()
		post.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path+"?profile=docs&filename=a.txt", nil))
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Handler(zero Function) did not panic")
		}
	}()
	h.Handler(api.Function{})
}
