package signing

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Request is the part of an OSS request that signatures cover.
type Request struct {
	// Method is the HTTP verb, upper case.
	Method string
	// Bucket and Key name the object. Key is the raw object name (not
	// percent-encoded); both may be empty for service and bucket requests.
	Bucket string
	Key    string
	// Header holds the request headers as they will be sent. Signing
	// functions add the headers the signature needs (Date, x-oss-date,
	// x-oss-content-sha256, x-oss-security-token); a nil Header is allocated.
	Header http.Header
	// Query holds the decoded query parameters as they will be sent
	// (sub-resources such as uploadId and partNumber included).
	Query url.Values
	// SubResources lists extra query names that V1 signs in addition to the
	// default set (see the package documentation).
	SubResources []string
	// AdditionalHeaders lists extra headers that V4 signs (for example
	// "host"). Names already signed by default (Content-Type, Content-MD5,
	// x-oss-*) and names absent from Header are dropped, as the official
	// SDKs do.
	AdditionalHeaders []string
	// Region is the V4 region id, e.g. "cn-hangzhou" (an "oss-" prefix is
	// stripped). Product is the V4 product, "oss" when empty.
	Region  string
	Product string
}

func (r *Request) header() http.Header {
	if r.Header == nil {
		r.Header = http.Header{}
	}
	return r.Header
}

func (r *Request) region() string { return RegionID(r.Region) }

func (r *Request) product() string {
	if r.Product == "" {
		return "oss"
	}
	return r.Product
}

// header is one canonical header: a lower-cased name and its values,
// trimmed and joined by ",".
type header struct{ name, value string }

// canonicalHeaders appends to out the headers of h that keep(lower-cased
// name) selects, sorted by lower-cased name. Names that differ only in case
// are merged, values in key order. When signed is not nil it also gets
// each kept header under its own name, values joined by "," (what a URL's
// user must replay: see signedHeaders).
func canonicalHeaders(out []header, h http.Header, keep func(lower string) bool, signed map[string]string) []header {
	for k, vs := range h {
		low := lowerASCII(k)
		if !keep(low) {
			continue
		}
		if signed != nil && len(vs) > 0 {
			signed[k] = strings.Join(vs, ",")
		}
		for _, v := range vs {
			out = append(out, header{low, strings.TrimSpace(v)})
		}
	}
	if len(out) < 2 {
		return out
	}
	slices.SortStableFunc(out, func(a, b header) int { return strings.Compare(a.name, b.name) })
	merged := out[:1]
	for _, x := range out[1:] {
		if last := &merged[len(merged)-1]; last.name == x.name {
			last.value += "," + x.value
		} else {
			merged = append(merged, x)
		}
	}
	return merged
}

// lowerASCII lower-cases an HTTP header name, allocating only when needed.
func lowerASCII(s string) string {
	switch s { // the common canonical forms, without an allocation
	case "Content-Type":
		return "content-type"
	case "Content-Md5":
		return "content-md5"
	case "X-Oss-Date":
		return "x-oss-date"
	case "X-Oss-Content-Sha256":
		return "x-oss-content-sha256"
	case "X-Oss-Security-Token":
		return "x-oss-security-token"
	case "X-Oss-Forbid-Overwrite":
		return "x-oss-forbid-overwrite"
	case "X-Oss-Callback":
		return "x-oss-callback"
	case "Authorization":
		return "authorization"
	case "Date":
		return "date"
	case "Host":
		return "host"
	}
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

func isDefaultSignedV4(low string) bool {
	return low == "content-type" || low == "content-md5" || strings.HasPrefix(low, "x-oss-")
}

// signedHeaders returns the headers of h a URL user must replay: the ones
// the signature covers.
func signedHeaders(h http.Header, signed func(lower string) bool) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		if signed(lowerASCII(k)) && len(vs) > 0 {
			out[k] = strings.Join(vs, ",")
		}
	}
	return out
}

// encodeQuery renders q the way the official Go SDK emits presigned URLs:
// sorted by (unencoded) name, names and values URI-encoded, spaces as %20.
func encodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "+", "%20")
}

// pair is one query parameter: its URI-encoded name and value, and its raw
// name (the order url.Values.Encode uses).
type pair struct{ name, value, raw string }

// sortedPairs returns every (name, value) of q URI-encoded and sorted by
// encoded name, then value.
func sortedPairs(q url.Values) []pair {
	ps := make([]pair, 0, len(q))
	for k, vs := range q {
		ek := URIEncode(k, true)
		for _, v := range vs {
			ps = append(ps, pair{ek, URIEncode(v, true), k})
		}
	}
	sortPairs(ps)
	return ps
}

// sortPairs sorts by encoded name, then encoded value: the canonical order.
func sortPairs(ps []pair) {
	slices.SortFunc(ps, func(a, b pair) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
}

// renderQuery joins ps, sorted by encoded name, as name=value in the order
// of url.Values.Encode (by raw name), so presigned URLs match the official
// Go SDK's byte for byte.
func renderQuery(ps []pair) string {
	for _, p := range ps {
		if p.name != p.raw { // an encoded name may sort differently from its raw form
			slices.SortStableFunc(ps, func(a, b pair) int { return strings.Compare(a.raw, b.raw) })
			break
		}
	}
	n := 0
	for _, p := range ps {
		n += len(p.name) + len(p.value) + 2
	}
	var b strings.Builder
	b.Grow(n)
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

const upperHex = "0123456789ABCDEF"

// URIEncode percent-encodes s byte by byte: the RFC 3986 unreserved
// characters A-Z a-z 0-9 - . _ ~ stay literal, every other byte becomes %XX
// with upper-case hex. When encodeSlash is false, "/" also stays literal
// (object paths); when true it becomes %2F (query names and values).
func URIEncode(s string, encodeSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && (encodeSlash || s[i] != '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	return string(appendURIEncoded(make([]byte, 0, len(s)+2*n), s, encodeSlash))
}

// appendURIEncoded appends URIEncode(s, encodeSlash).
func appendURIEncoded(b []byte, s string, encodeSlash bool) []byte {
	start := 0 // s[start:i] is a run of bytes written as they are
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (!encodeSlash && c == '/') {
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		start = i + 1
	}
	return append(b, s[start:]...)
}

// appendResourcePath appends the URI-encoded "/bucket/key" (see resourcePath).
func appendResourcePath(b []byte, bucket, key string) []byte {
	b = append(b, '/')
	if bucket == "" {
		return b
	}
	b = appendURIEncoded(b, bucket, false)
	b = append(b, '/')
	return appendURIEncoded(b, key, false)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// resourcePath is "/bucket/key" ("/bucket/" without a key, "/" without a
// bucket), the path both V1 and V4 sign whatever the addressing style.
func resourcePath(bucket, key string) string {
	if bucket == "" {
		return "/"
	}
	return "/" + bucket + "/" + key
}

// AddressStyle says how a URL names the bucket.
type AddressStyle int

const (
	// VirtualHosted puts the bucket in the host: https://bucket.endpoint/key.
	VirtualHosted AddressStyle = iota
	// PathStyle puts it in the path: http://127.0.0.1:9000/bucket/key. The
	// official Go SDK forces it for IP endpoints; ali-oss uses it with
	// sldEnable.
	PathStyle
	// CNAME uses a custom domain bound to the bucket: https://cdn.example.com/key.
	CNAME
)

// ObjectURL builds the URL of bucket/key on host (an endpoint such as
// "oss-cn-hangzhou.aliyuncs.com" for VirtualHosted, the literal host
// otherwise). The key is percent-encoded with "/" kept; rawQuery is appended
// as is.
func ObjectURL(scheme, host, bucket, key string, style AddressStyle, rawQuery string) string {
	var buf [1024]byte // fits a typical URL: one allocation, the string
	b := append(buf[:0], scheme...)
	b = append(b, "://"...)
	if style == VirtualHosted {
		b = append(b, bucket...)
		b = append(b, '.')
	}
	b = append(b, host...)
	b = append(b, '/')
	if style == PathStyle {
		b = append(b, bucket...)
		b = append(b, '/')
	}
	b = appendURIEncoded(b, key, false)
	if rawQuery != "" {
		b = append(b, '?')
		b = append(b, rawQuery...)
	}
	return string(b)
}
