package ossemu

import (
	"net/http"
	"slices"
	"strings"
)

// The buckets' CORS rule: Config.CORSOrigins plus these (reference §9).
const (
	corsAllowMethods  = "GET, PUT, POST, DELETE, HEAD"
	corsExposeHeaders = "ETag, x-oss-request-id, x-oss-hash-crc64ecma, x-oss-version-id"
	corsMaxAge        = "600"
)

var corsMethods = []string{"GET", "PUT", "POST", "DELETE", "HEAD"}

// originAllowed reports whether origin matches one of the rule's origins
// (each may hold one "*" wildcard).
func (s *Server) originAllowed(origin string) bool {
	for _, pat := range s.cfg.CORSOrigins {
		before, after, wild := strings.Cut(pat, "*")
		if !wild {
			if origin == pat {
				return true
			}
			continue
		}
		if len(origin) >= len(before)+len(after) && strings.HasPrefix(origin, before) && strings.HasSuffix(origin, after) {
			return true
		}
	}
	return false
}

// corsActual adds the CORS headers to an actual (non-preflight) request
// from an allowed origin, success and error responses alike.
func (s *Server) corsActual(rq *request) {
	origin := rq.r.Header.Get("Origin")
	if origin == "" || rq.r.Method == http.MethodOptions {
		return
	}
	h := rq.w.Header()
	if len(s.cfg.CORSOrigins) > 0 {
		h.Add("Vary", "Origin")
	}
	if !s.originAllowed(origin) || !slices.Contains(corsMethods, rq.r.Method) {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", corsAllowMethods)
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	h.Set("Access-Control-Max-Age", corsMaxAge)
}

// preflight answers OPTIONS like OSS's OptionObject with one CORS rule
// allowing Config.CORSOrigins, corsMethods and every header.
func (s *Server) preflight(rq *request) error {
	origin := rq.r.Header.Get("Origin")
	method := rq.r.Header.Get("Access-Control-Request-Method")
	switch {
	case origin == "":
		return newError(errPreflightBadRequest, nil)
	case method == "":
		return newError(errPreflightBadRequest, nil).withMessage("Insufficient information. Request Access-Control-Request-Method header needed.")
	case len(s.cfg.CORSOrigins) == 0:
		return newError(errCORSDisabled, nil)
	case !s.originAllowed(origin) || !slices.Contains(corsMethods, method):
		return newError(errCORSForbidden, nil)
	}
	h := rq.w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", corsAllowMethods)
	if reqHeaders := rq.r.Header.Values("Access-Control-Request-Headers"); len(reqHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(reqHeaders, ", "))
	}
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	h.Set("Access-Control-Max-Age", corsMaxAge)
	h.Add("Vary", "Origin")
	h.Set("Content-Length", "0")
	rq.w.WriteHeader(http.StatusOK)
	return nil
}
