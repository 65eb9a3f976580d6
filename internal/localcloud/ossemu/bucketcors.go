package ossemu

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
)

// corsConfiguration is a bucket's CORSConfiguration document, as
// PutBucketCors takes it and GetBucketCors returns it. It drives the CORS
// answers (cors.go).
type corsConfiguration struct {
	XMLName      xml.Name   `xml:"CORSConfiguration"`
	Rules        []corsRule `xml:"CORSRule"`
	ResponseVary *bool      `xml:"ResponseVary"`
}

type corsRule struct {
	AllowedOrigins []string `xml:"AllowedOrigin"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedHeaders []string `xml:"AllowedHeader"`
	ExposeHeaders  []string `xml:"ExposeHeader"`
	MaxAgeSeconds  *int64   `xml:"MaxAgeSeconds"`
}

// corsMethods are the methods a CORS rule may allow (OSS's list).
var corsMethods = []string{"GET", "PUT", "POST", "DELETE", "HEAD"}

// initialExposeHeaders and initialMaxAge are the initial rule's (reference
// §9: ETag is needed by multipart uploads, x-oss-request-id by ali-oss's
// errors).
var initialExposeHeaders = []string{"ETag", "x-oss-request-id", "x-oss-hash-crc64ecma", "x-oss-version-id"}

const initialMaxAge = 600

// initialCORS is the configuration New gives every bucket: one rule
// allowing origins (Config.CORSOrigins) every method and header, with
// ResponseVary. No origins: no configuration.
func initialCORS(origins []string) *corsConfiguration {
	if len(origins) == 0 {
		return nil
	}
	maxAge, vary := int64(initialMaxAge), true
	return &corsConfiguration{
		Rules: []corsRule{{
			AllowedOrigins: slices.Clone(origins),
			AllowedMethods: slices.Clone(corsMethods),
			AllowedHeaders: []string{"*"},
			ExposeHeaders:  slices.Clone(initialExposeHeaders),
			MaxAgeSeconds:  &maxAge,
		}},
		ResponseVary: &vary,
	}
}

// validate checks a CORS document as PutBucketCors does: 1–10 rules, each
// with at least one AllowedOrigin and AllowedMethod (else MalformedXML,
// EC 0034-00000002 for no rule at all); methods from corsMethods (EC
// 0034-00000011), at most one "*" per AllowedOrigin and AllowedHeader, no
// "*" in ExposeHeader, MaxAgeSeconds not negative (InvalidArgument).
func (c *corsConfiguration) validate() error {
	switch {
	case len(c.Rules) == 0:
		return malformed("no CORSRule").withEC("0034-00000002")
	case len(c.Rules) > maxCORSRules:
		return invalidArgument("Too many CORS rules: at most 10 are allowed.")
	}
	for i, r := range c.Rules {
		if len(r.AllowedOrigins) == 0 || len(r.AllowedMethods) == 0 {
			return malformed("CORSRule %d without AllowedOrigin or AllowedMethod", i+1)
		}
		for _, m := range r.AllowedMethods {
			if !slices.Contains(corsMethods, m) {
				return invalidArgument("Unsupported method " + m + " in AllowedMethod.").withEC("0034-00000011")
			}
		}
		for _, o := range r.AllowedOrigins {
			if o == "" || strings.Count(o, "*") > 1 {
				return invalidArgument("AllowedOrigin " + o + " must be non-empty with at most one wildcard *.")
			}
		}
		for _, h := range r.AllowedHeaders {
			if strings.Count(h, "*") > 1 {
				return invalidArgument("AllowedHeader " + h + " may contain at most one wildcard *.")
			}
		}
		for _, h := range r.ExposeHeaders {
			if h == "" || strings.Contains(h, "*") {
				return invalidArgument("ExposeHeader " + h + " must be non-empty and may not contain a wildcard.")
			}
		}
		if r.MaxAgeSeconds != nil && *r.MaxAgeSeconds < 0 {
			return invalidArgument("MaxAgeSeconds must not be negative.")
		}
	}
	return nil
}

// vary reports whether responses carry Vary: Origin (ResponseVary true:
// on every response of the bucket, OSS's documented meaning).
func (c *corsConfiguration) vary() bool { return c != nil && c.ResponseVary != nil && *c.ResponseVary }

// match returns the first rule that allows origin, method and every one of
// headers (the Access-Control-Request-Headers of a preflight; nil for an
// actual request), or nil.
func (c *corsConfiguration) match(origin, method string, headers []string) *corsRule {
	if c == nil {
		return nil
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		if !slices.Contains(r.AllowedMethods, method) || !slices.ContainsFunc(r.AllowedOrigins, func(p string) bool { return wildcardOne(p, origin, false) }) {
			continue
		}
		ok := true
		for _, h := range headers {
			if !slices.ContainsFunc(r.AllowedHeaders, func(p string) bool { return wildcardOne(p, h, true) }) {
				ok = false
				break
			}
		}
		if ok {
			return r
		}
	}
	return nil
}

// wildcardOne matches s against a pattern holding at most one "*", which
// stands for any run of characters; fold compares case-insensitively
// (header names).
func wildcardOne(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	before, after, wild := strings.Cut(pattern, "*")
	if !wild {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}

// requestHeaders splits Access-Control-Request-Headers values into names.
func requestHeaders(values []string) []string {
	var out []string
	for _, v := range values {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				out = append(out, h)
			}
		}
	}
	return out
}

// setCORSHeaders writes the headers of a matched rule.
func setCORSHeaders(h http.Header, r *corsRule, origin string) {
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", strings.Join(r.AllowedMethods, ", "))
	if len(r.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(r.ExposeHeaders, ", "))
	}
	if r.MaxAgeSeconds != nil {
		h.Set("Access-Control-Max-Age", itoa(*r.MaxAgeSeconds))
	}
}

// withBucketName adds OSS's BucketName element to a bucket error (the
// NoSuch* configuration errors carry it).
func (e *apiError) withBucketName(bucket string) *apiError {
	e.extra = append(e.extra, xmlElem{"BucketName", bucket})
	return e
}
