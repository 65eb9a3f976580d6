package callback

import (
	"net/http"
	"net/url"
	"strings"
)

// FromRequest builds the Input for an OSS callback received as r, whose
// body the caller has already read (with a size limit) into body.
//
// The path and query come from r.RequestURI when it is set (server-side
// requests), because that is the request target exactly as OSS sent it: for
// "/cb%2Fx?a=%20" Path is "/cb%2Fx" and RawQuery is "a=%20", and the path is
// decoded exactly once when verifying. An absolute-form target
// ("http://host/cb%2Fx?a") is parsed with net/url and its escaped path is
// used. When RequestURI is empty (a client-side or hand-built request),
// r.URL.EscapedPath() and r.URL.RawQuery are used; EscapedPath returns
// r.URL.RawPath when that is a valid encoding of r.URL.Path, so "%2F" also
// survives there. Either way the decoded path equals what OSS decoded.
// Preferring RequestURI also keeps verification right behind
// http.StripPrefix, which rewrites r.URL but not RequestURI: OSS signed the
// full path of the callback URL.
//
// A missing header is left empty for Verify to reject; a repeated
// authorization or x-oss-pub-key-url header is an error here, wrapping
// [ErrBadAuthorization] or [ErrBadKeyURL]. A request without a URL, or with
// an unparsable RequestURI, yields an error wrapping [ErrBadPath].
func FromRequest(r *http.Request, body []byte) (Input, error) {
	if r == nil || r.URL == nil {
		return Input{}, errorf(ErrBadPath, "request has no url")
	}
	path, query, err := requestTarget(r)
	if err != nil {
		return Input{}, err
	}
	auth := r.Header.Values("Authorization")
	if len(auth) > 1 {
		return Input{}, errorf(ErrBadAuthorization, "header is repeated")
	}
	keyURL := r.Header.Values("X-Oss-Pub-Key-Url")
	if len(keyURL) > 1 {
		return Input{}, errorf(ErrBadKeyURL, "header is repeated")
	}
	in := Input{Path: path, RawQuery: query, Body: body}
	if len(auth) == 1 {
		in.Authorization = auth[0]
	}
	if len(keyURL) == 1 {
		in.PubKeyURL = keyURL[0]
	}
	return in, nil
}

// requestTarget returns the still-encoded path and the raw query of r.
func requestTarget(r *http.Request) (path, rawQuery string, err error) {
	uri := r.RequestURI
	if uri == "" {
		return r.URL.EscapedPath(), r.URL.RawQuery, nil
	}
	if strings.HasPrefix(uri, "/") {
		// Origin form, the usual case: split at the first "?". A request
		// target carries no fragment.
		path, rawQuery, _ = strings.Cut(uri, "?")
		return path, rawQuery, nil
	}
	u, perr := url.ParseRequestURI(uri)
	if perr != nil {
		return "", "", errorf(ErrBadPath, "request uri does not parse")
	}
	return u.EscapedPath(), u.RawQuery, nil
}
