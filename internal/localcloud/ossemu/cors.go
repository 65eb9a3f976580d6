package ossemu

import (
	"net/http"
	"strings"
)

// CORS answers come from the bucket's CORS configuration (bucketcors.go):
// Config.CORSOrigins' rule until PutBucketCors or DeleteBucketCors change
// it (reference §9; OSS's PutBucketCors rule matching).

// corsActual adds the CORS headers to an actual (non-preflight) request:
// those of the first rule allowing its Origin and method, on success and
// error responses alike, and Vary: Origin on every response when the
// configuration has ResponseVary.
func (s *Server) corsActual(rq *request) {
	if rq.r.Method == http.MethodOptions {
		return
	}
	c := s.corsConfig(rq.bucket)
	h := rq.w.Header()
	if c.vary() {
		h.Add("Vary", "Origin")
	}
	origin := rq.r.Header.Get("Origin")
	if origin == "" {
		return
	}
	if r := c.match(origin, rq.r.Method, nil); r != nil {
		setCORSHeaders(h, r, origin)
	}
}

// preflight answers OPTIONS like OSS's OptionObject: the first rule that
// allows the Origin, the Access-Control-Request-Method and every
// Access-Control-Request-Headers name answers 200 with its headers (the
// requested headers echoed in Access-Control-Allow-Headers).
func (s *Server) preflight(rq *request) error {
	origin := rq.r.Header.Get("Origin")
	method := rq.r.Header.Get("Access-Control-Request-Method")
	c := s.corsConfig(rq.bucket)
	h := rq.w.Header()
	if c.vary() {
		h.Add("Vary", "Origin")
	}
	reqHeaders := rq.r.Header.Values("Access-Control-Request-Headers")
	var r *corsRule
	switch {
	case origin == "":
		return newError(errPreflightBadRequest, nil)
	case method == "":
		return newError(errPreflightBadRequest, nil).withMessage("Insufficient information. Request Access-Control-Request-Method header needed.")
	case c == nil:
		return newError(errCORSDisabled, nil)
	default:
		if r = c.match(origin, method, requestHeaders(reqHeaders)); r == nil {
			return newError(errCORSForbidden, nil)
		}
	}
	setCORSHeaders(h, r, origin)
	if len(reqHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(reqHeaders, ", "))
	}
	h.Set("Content-Length", "0")
	rq.w.WriteHeader(http.StatusOK)
	return nil
}
