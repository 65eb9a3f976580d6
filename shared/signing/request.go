package signing

import (
	"net/http"
	"net/url"
	"sort"
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

func (r *Request) region() string { return strings.TrimPrefix(r.Region, "oss-") }

func (r *Request) product() string {
	if r.Product == "" {
		return "oss"
	}
	return r.Product
}

// canonicalHeaders returns the lower-cased names of the headers in h that
// keep(name) selects, sorted, with their values trimmed and joined by ",".
// Names that differ only in case are merged.
func canonicalHeaders(h http.Header, keep func(lower string) bool) (names []string, values map[string]string) {
	values = map[string]string{}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		low := strings.ToLower(k)
		if !keep(low) {
			continue
		}
		for _, v := range h[k] {
			v = strings.TrimSpace(v)
			if old, ok := values[low]; ok {
				values[low] = old + "," + v
			} else {
				values[low] = v
				names = append(names, low)
			}
		}
	}
	sort.Strings(names)
	return names, values
}

func isDefaultSignedV4(low string) bool {
	return low == "content-type" || low == "content-md5" || strings.HasPrefix(low, "x-oss-")
}

// signedHeaders returns the headers of h a URL user must replay: the ones
// the signature covers.
func signedHeaders(h http.Header, signed func(lower string) bool) map[string]string {
	out := map[string]string{}
	for k, vs := range h {
		if signed(strings.ToLower(k)) && len(vs) > 0 {
			out[k] = strings.Join(vs, ",")
		}
	}
	return out
}

// encodeQuery renders q sorted by name, each name and value URI-encoded
// (spaces as %20), the way the official Go SDK emits presigned URLs.
func encodeQuery(q url.Values) string {
	var b strings.Builder
	for _, p := range sortedPairs(q) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

type pair struct{ name, value string }

// sortedPairs returns every (name, value) of q URI-encoded and sorted by
// encoded name, then value.
func sortedPairs(q url.Values) []pair {
	ps := make([]pair, 0, len(q))
	for k, vs := range q {
		ek := URIEncode(k, true)
		for _, v := range vs {
			ps = append(ps, pair{ek, URIEncode(v, true)})
		}
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].name != ps[j].name {
			return ps[i].name < ps[j].name
		}
		return ps[i].value < ps[j].value
	})
	return ps
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
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (!encodeSlash && c == '/') {
			b = append(b, c)
			continue
		}
		b = append(b, '%', upperHex[c>>4], upperHex[c&15])
	}
	return string(b)
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
	path := "/" + URIEncode(key, false)
	switch style {
	case VirtualHosted:
		host = bucket + "." + host
	case PathStyle:
		path = "/" + bucket + path
	}
	u := scheme + "://" + host + path
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	return u
}
