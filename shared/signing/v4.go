package signing

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	// AlgorithmV4 names the V4 signature in headers, queries and forms.
	AlgorithmV4 = "OSS4-HMAC-SHA256"
	// UnsignedPayload is the only x-oss-content-sha256 value OSS accepts.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// MaxPresignExpiresV4 is the longest V4 presigned URL lifetime OSS accepts.
	MaxPresignExpiresV4 = 7 * 24 * time.Hour

	v4DateTimeLayout = "20060102T150405Z"
	v4DateLayout     = "20060102"
	v4Terminator     = "aliyun_v4_request"
)

// FormatV4Date formats t as an x-oss-date value, e.g. "20231203T121212Z".
func FormatV4Date(t time.Time) string {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	if y < 0 || y > 9999 {
		return t.Format(v4DateTimeLayout)
	}
	var b [16]byte
	put := func(i, v, width int) {
		for j := i + width - 1; j >= i; j-- {
			b[j] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, y, 4)
	put(4, int(mo), 2)
	put(6, d, 2)
	b[8] = 'T'
	put(9, h, 2)
	put(11, mi, 2)
	put(13, sec, 2)
	b[15] = 'Z'
	return string(b[:])
}

// ParseV4Date parses an x-oss-date value.
func ParseV4Date(s string) (time.Time, error) {
	t, err := time.Parse(v4DateTimeLayout, s)
	if err != nil {
		return time.Time{}, errorf(ErrInvalidArgument, "x-oss-date %q is not yyyymmddTHHMMSSZ", s)
	}
	return t, nil
}

// Scope returns the V4 credential scope "yyyymmdd/region/product/aliyun_v4_request".
func Scope(t time.Time, region, product string) string {
	return FormatV4Date(t)[:8] + "/" + region + "/" + product + "/" + v4Terminator
}

// V4Credential returns the x-oss-credential value
// "<AccessKeyId>/<yyyymmdd>/<region>/<product>/aliyun_v4_request".
func V4Credential(accessKeyID string, t time.Time, region, product string) string {
	return accessKeyID + "/" + FormatV4Date(t)[:8] + "/" + region + "/" + product + "/" + v4Terminator
}

// CanonicalRequestV4 returns the V4 canonical request of r. additional is
// the normalised additional-header list (see [AdditionalHeadersV4]).
func CanonicalRequestV4(r *Request, additional []string) string {
	return canonicalRequestV4(r, sortedPairs(r.Query), additional)
}

// canonicalRequestV4 returns the canonical request; pairs are the encoded
// query parameters sorted by encoded name.
func canonicalRequestV4(r *Request, pairs []pair, additional []string) string {
	bp := messageBuffers.Get().(*[]byte)
	b := appendCanonicalRequestV4((*bp)[:0], r, pairs, additional, nil)
	cr := string(b)
	putMessageBuffer(bp, b)
	return cr
}

// appendCanonicalRequestV4 appends the canonical request to dst.
// When signed is not nil it also gets the signed headers (signedHeaders).
func appendCanonicalRequestV4(b []byte, r *Request, pairs []pair, additional []string, signed map[string]string) []byte {
	h := r.header()
	var headersBuf [8]header
	headers := canonicalHeaders(headersBuf[:0], h, func(low string) bool {
		return isDefaultSignedV4(low) || contains(additional, low)
	}, signed)
	b = append(b, r.Method...)
	b = append(b, '\n')
	b = appendResourcePath(b, r.Bucket, r.Key)
	b = append(b, '\n')
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.name...)
		if p.value != "" {
			b = append(b, '=')
			b = append(b, p.value...)
		}
	}
	b = append(b, '\n')
	for _, x := range headers {
		b = append(b, x.name...)
		b = append(b, ':')
		b = append(b, x.value...)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	for i, a := range additional {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, a...)
	}
	b = append(b, '\n')
	// h["X-Oss-Content-Sha256"] is h.Get without canonicalising a name
	// that is canonical already.
	if p := h["X-Oss-Content-Sha256"]; len(p) > 0 && p[0] != "" {
		return append(b, p[0]...)
	}
	return append(b, UnsignedPayload...)
}

// AdditionalHeadersV4 normalises r.AdditionalHeaders the way the official
// SDKs do: lower-cased, sorted, de-duplicated, without the names V4 signs by
// default and without names absent from the request.
func AdditionalHeadersV4(r *Request) []string {
	var out []string
	for _, k := range r.AdditionalHeaders {
		low := strings.ToLower(strings.TrimSpace(k))
		if low == "" || isDefaultSignedV4(low) || contains(out, low) || r.header().Get(low) == "" {
			continue
		}
		out = append(out, low)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// StringToSignV4 returns "OSS4-HMAC-SHA256\n<x-oss-date>\n<scope>\n<hex sha256(canonicalRequest)>".
func StringToSignV4(t time.Time, region, product, canonicalRequest string) string {
	return stringToSignV4(FormatV4Date(t), region, product, canonicalRequest)
}

func stringToSignV4(datetime, region, product, canonicalRequest string) string {
	bp := messageBuffers.Get().(*[]byte)
	b := append((*bp)[:0], canonicalRequest...)
	b = appendStringToSignV4(b, datetime, region, product, b)
	sts := string(b[len(canonicalRequest):])
	putMessageBuffer(bp, b)
	return sts
}

// appendStringToSignV4 appends the string to sign of canonicalRequest
// (which may lie in dst: it is hashed before anything is appended).
func appendStringToSignV4(dst []byte, datetime, region, product string, canonicalRequest []byte) []byte {
	sum := sha256.Sum256(canonicalRequest) // no hasher to pool, nothing escapes
	dst = append(dst, AlgorithmV4...)
	dst = append(dst, '\n')
	dst = append(dst, datetime...)
	dst = append(dst, '\n')
	dst = append(dst, datetime[:8]...)
	dst = append(dst, '/')
	dst = append(dst, region...)
	dst = append(dst, '/')
	dst = append(dst, product...)
	dst = append(dst, "/"+v4Terminator+"\n"...)
	return hex.AppendEncode(dst, sum[:])
}

// SignV4 signs r with the V4 header signature and sets its Authorization
// header. It sets x-oss-date to t, x-oss-content-sha256 to UNSIGNED-PAYLOAD
// when absent, and x-oss-security-token for temporary credentials.
func SignV4(r *Request, c Credentials, t time.Time) (*HeaderSignature, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	if r.Method == "" {
		return nil, errorf(ErrInvalidArgument, "method is empty")
	}
	if r.region() == "" {
		return nil, errorf(ErrInvalidArgument, "region is empty")
	}
	h := r.header()
	h.Set("x-oss-date", FormatV4Date(t))
	if h.Get("X-Oss-Content-Sha256") == "" {
		h.Set("x-oss-content-sha256", UnsignedPayload)
	}
	if c.Temporary() {
		h.Set("x-oss-security-token", c.SecurityToken)
	}
	additional := AdditionalHeadersV4(r)
	cr := CanonicalRequestV4(r, additional)
	sts := StringToSignV4(t, r.region(), r.product(), cr)
	sig := signatureV4(signingKeyV4(c.AccessKeySecret, t, r.region(), r.product()), sts)
	var b strings.Builder
	b.WriteString(AlgorithmV4 + " Credential=")
	b.WriteString(V4Credential(c.AccessKeyID, t, r.region(), r.product()))
	if len(additional) > 0 {
		b.WriteString(",AdditionalHeaders=")
		b.WriteString(strings.Join(additional, ";"))
	}
	b.WriteString(",Signature=")
	b.WriteString(sig)
	auth := b.String()
	h.Set("Authorization", auth)
	return &HeaderSignature{Authorization: auth, Signature: sig, CanonicalRequest: cr, StringToSign: sts}, nil
}

// PresignV4 presigns r with the V4 query signature, valid for expires from
// t (whole seconds, 1s to 7 days). The returned query carries
// x-oss-signature-version, x-oss-credential, x-oss-date, x-oss-expires
// (relative seconds), x-oss-additional-headers when any,
// x-oss-security-token for temporary credentials, and x-oss-signature.
func PresignV4(r *Request, c Credentials, t time.Time, expires time.Duration) (*Presigned, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	if r.Method == "" {
		return nil, errorf(ErrInvalidArgument, "method is empty")
	}
	region, product := r.region(), r.product()
	if region == "" {
		return nil, errorf(ErrInvalidArgument, "region is empty")
	}
	secs := int64(expires / time.Second)
	if secs < 1 || expires > MaxPresignExpiresV4 {
		return nil, errorf(ErrInvalidArgument, "expires %v out of range: 1s to 604800s (7 days)", expires)
	}
	additional := AdditionalHeadersV4(r)
	datetime := FormatV4Date(t)

	// The signature parameters replace any the caller left in r.Query.
	var pairsBuf [16]pair // on the stack unless the query is long
	pairs := pairsBuf[:0]
	for k, vs := range r.Query {
		switch k {
		case "x-oss-security-token", "x-oss-signature-version", "x-oss-date", "x-oss-expires",
			"x-oss-credential", "x-oss-additional-headers", "x-oss-signature":
			continue
		}
		ek := URIEncode(k, true)
		for _, v := range vs {
			pairs = append(pairs, pair{ek, URIEncode(v, true), k})
		}
	}
	// The signature parameters, in their canonical order: with no query
	// of the caller's there is nothing to sort.
	callers := len(pairs)
	if len(additional) > 0 {
		pairs = append(pairs, pair{"x-oss-additional-headers", strings.Join(additional, "%3B"), "x-oss-additional-headers"})
	}
	pairs = append(pairs,
		pair{"x-oss-credential", encodedCredential(c.AccessKeyID, datetime[:8], region, product), "x-oss-credential"},
		pair{"x-oss-date", datetime, "x-oss-date"},
		pair{"x-oss-expires", strconv.FormatInt(secs, 10), "x-oss-expires"},
	)
	if c.Temporary() {
		pairs = append(pairs, pair{"x-oss-security-token", URIEncode(c.SecurityToken, true), "x-oss-security-token"})
	}
	pairs = append(pairs, pair{"x-oss-signature-version", AlgorithmV4, "x-oss-signature-version"})
	if callers > 0 {
		sortPairs(pairs)
	}
	// The canonical request and the string to sign, one after the other in
	// one pooled buffer, hashed and signed where they lie.
	bp := messageBuffers.Get().(*[]byte)
	signed := make(map[string]string, len(r.Header))
	b := appendCanonicalRequestV4((*bp)[:0], r, pairs, additional, signed)
	n := len(b)
	b = appendStringToSignV4(b, datetime, region, product, b)
	sig := pair{"x-oss-signature", signatureV4Bytes(signingKeyV4(c.AccessKeySecret, t, region, product), b[n:]), "x-oss-signature"}
	both := string(b) // one allocation for the two strings
	cr, sts := both[:n], both[n:]
	putMessageBuffer(bp, b)
	at, _ := slices.BinarySearchFunc(pairs, sig, func(a, b pair) int { return strings.Compare(a.name, b.name) })
	pairs = slices.Insert(pairs, at, sig) // keep pairs sorted: renderQuery relies on it
	return &Presigned{
		RawQuery:         renderQuery(pairs),
		SignedHeaders:    signed,
		Expiration:       t.UTC().Truncate(time.Second).Add(time.Duration(secs) * time.Second),
		CanonicalRequest: cr,
		StringToSign:     sts,
	}, nil
}

// encodedCredential is the URI-encoded x-oss-credential value.
func encodedCredential(accessKeyID, date, region, product string) string {
	var buf [256]byte
	b := appendURIEncoded(buf[:0], accessKeyID, true)
	b = append(append(b, "%2F"...), date...)
	b = appendURIEncoded(append(b, "%2F"...), region, true)
	b = appendURIEncoded(append(b, "%2F"...), product, true)
	return string(append(append(b, "%2F"...), v4Terminator...))
}

// SignatureV4 returns the lower-case hex V4 signature of stringToSign with
// the signing key of t's date, region and product (see [SigningKeyV4]).
// t only selects the key's day; the string to sign carries its own time.
func SignatureV4(secret string, t time.Time, region, product, stringToSign string) string {
	return signatureV4(signingKeyV4(secret, t, region, product), stringToSign)
}

func signatureV4(key *signingKey, stringToSign string) string {
	var sum [sha256.Size]byte
	key.sum(stringToSign, &sum)
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

func signatureV4Bytes(key *signingKey, stringToSign []byte) string {
	var sum [sha256.Size]byte
	key.sumBytes(stringToSign, &sum)
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v)+8)
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
