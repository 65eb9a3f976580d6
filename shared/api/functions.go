package api

import (
	"net/http"
	"strings"
)

// Function is one of the four ossdirect functions. Its only values are
// PostSignature, PresignedURL, STSToken and CallbackFn (listed by
// Functions): the route table below is the one place a function's name,
// handlers and routes are written down, and a function that is not in it
// cannot be named. The zero Function is none of them; Handler refuses it.
type Function struct{ r *route }

// route is one row of the route table.
type route struct {
	name     string // the FC function's name and the local stack's path /<name>
	seedPath string // the seed-sample route, "" for none
	cors     bool   // browser-facing: CORS headers and preflights
	main     func(*Handlers, http.ResponseWriter, *http.Request)
	seed     func(*Handlers, http.ResponseWriter, *http.Request)
	// subs are browser-facing operations (CORS) at paths ending in their
	// suffix: callback's /confirm, presigned-url's /multipart/<op>.
	subs []subRoute
}

// subRoute is an operation of a function at a path ending in suffix.
type subRoute struct {
	suffix string
	serve  func(*Handlers, http.ResponseWriter, *http.Request)
}

// The four functions: the route table.
var (
	PostSignature = Function{&route{name: "post-signature", seedPath: SeedPostPath, cors: true,
		main: (*Handlers).postSignature, seed: (*Handlers).seedPost,
		subs: []subRoute{{DescribePath, (*Handlers).describe}}}}
	PresignedURL = Function{&route{name: "presigned-url", seedPath: SeedPresignedPath, cors: true,
		main: (*Handlers).presignedURL, seed: (*Handlers).seedPresigned,
		subs: []subRoute{{MultipartCreatePath, (*Handlers).multipartCreate}, {MultipartSignPath, (*Handlers).multipartSign},
			{MultipartListPath, (*Handlers).multipartList}, {MultipartCompletePath, (*Handlers).multipartComplete},
			{MultipartAbortPath, (*Handlers).multipartAbort}}}}
	STSToken = Function{&route{name: "sts-token", seedPath: SeedSTSPath, cors: true,
		main: (*Handlers).stsToken, seed: (*Handlers).seedSTS}}
	CallbackFn = Function{&route{name: "callback", main: (*Handlers).callback,
		subs: []subRoute{{ConfirmPath, (*Handlers).confirm}}}}
)

// Seed-sample routes.
const (
	SeedPostPath      = "/get_post_signature_for_oss_upload"
	SeedSTSPath       = "/get_sts_token_for_oss_upload"
	SeedPresignedPath = "/get_presigned_url_for_oss_upload"
)

// Functions returns every function, in the route table's order.
func Functions() []Function { return []Function{PostSignature, PresignedURL, STSToken, CallbackFn} }

// String returns the function's name, e.g. "post-signature" ("" for the
// zero Function).
func (f Function) String() string {
	if f.r == nil {
		return ""
	}
	return f.r.name
}

// Path is where f answers on a server that hosts every function (the
// local stack): "/<name>" ("" for the zero Function).
func (f Function) Path() string {
	if f.r == nil {
		return ""
	}
	return "/" + f.r.name
}

// Routes are the paths f answers at on a server that hosts every function
// (the local stack): its Path, for the signing functions the seed-sample
// path, and its operations' paths (/callback/confirm,
// /presigned-url/multipart/create…).
func (f Function) Routes() []string {
	if f.r == nil {
		return nil
	}
	routes := []string{f.Path()}
	if f.r.seedPath != "" {
		routes = append(routes, f.r.seedPath)
	}
	for _, s := range f.r.subs {
		routes = append(routes, f.Path()+s.suffix)
	}
	return routes
}

// Handler returns the handler of fn, for its own FC HTTP trigger: it
// answers at any path, at its seed-sample path (a path ending in it) in
// the samples' response shape, and its operations at paths ending in
// theirs (post-signature's /profile, callback's /confirm, presigned-url's
// /multipart/<op>). It panics
// on the zero Function.
func (h *Handlers) Handler(fn Function) http.Handler {
	if fn.r == nil {
		panic("api: Handler of the zero Function")
	}
	rt := fn.r
	main := h.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.seed != nil && strings.HasSuffix(r.URL.Path, rt.seedPath) {
			rt.seed(h, w, r)
			return
		}
		rt.main(h, w, r)
	}), rt.cors)
	if len(rt.subs) == 0 {
		return main
	}
	subs := make([]http.Handler, len(rt.subs))
	for i, s := range rt.subs {
		subs[i] = h.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(h, w, r) }), true)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i, s := range rt.subs {
			if strings.HasSuffix(r.URL.Path, s.suffix) {
				subs[i].ServeHTTP(w, r)
				return
			}
		}
		main.ServeHTTP(w, r)
	})
}

// Mux mounts every function at its Routes, as the local stack serves them,
// all sharing h.
func (h *Handlers) Mux() *http.ServeMux {
	mux := http.NewServeMux()
	for _, fn := range Functions() {
		handler := h.Handler(fn)
		for _, p := range fn.Routes() {
			mux.Handle(p, handler)
		}
	}
	return mux
}
