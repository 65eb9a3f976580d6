package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
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
func FormatV4Date(t time.Time) string { return t.UTC().Format(v4DateTimeLayout) }

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
	return t.UTC().Format(v4DateLayout) + "/" + region + "/" + product + "/" + v4Terminator
}

// V4Credential returns the x-oss-credential value
// "<AccessKeyId>/<yyyymmdd>/<region>/<product>/aliyun_v4_request".
func V4Credential(accessKeyID string, t time.Time, region, product string) string {
	return accessKeyID + "/" + Scope(t, region, product)
}

// CanonicalRequestV4 returns the V4 canonical request of r. additional is
// the normalised additional-header list (see [AdditionalHeadersV4]).
func CanonicalRequestV4(r *Request, additional []string) string {
	h := r.header()
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(URIEncode(resourcePath(r.Bucket, r.Key), false))
	b.WriteByte('\n')
	for i, p := range sortedPairs(r.Query) {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		if p.value != "" {
			b.WriteByte('=')
			b.WriteString(p.value)
		}
	}
	b.WriteByte('\n')
	names, values := canonicalHeaders(h, func(low string) bool {
		return isDefaultSignedV4(low) || contains(additional, low)
	})
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte(':')
		b.WriteString(values[n])
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(additional, ";"))
	b.WriteByte('\n')
	if p := h.Get("x-oss-content-sha256"); p != "" {
		b.WriteString(p)
	} else {
		b.WriteString(UnsignedPayload)
	}
	return b.String()
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
	sum := sha256.Sum256([]byte(canonicalRequest))
	return AlgorithmV4 + "\n" + FormatV4Date(t) + "\n" + Scope(t, region, product) + "\n" + hex.EncodeToString(sum[:])
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
	if h.Get("x-oss-content-sha256") == "" {
		h.Set("x-oss-content-sha256", UnsignedPayload)
	}
	if c.Temporary() {
		h.Set("x-oss-security-token", c.SecurityToken)
	}
	additional := AdditionalHeadersV4(r)
	cr := CanonicalRequestV4(r, additional)
	sts := StringToSignV4(t, r.region(), r.product(), cr)
	sig := signatureV4(SigningKeyV4(c.AccessKeySecret, t, r.region(), r.product()), sts)
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
	if r.region() == "" {
		return nil, errorf(ErrInvalidArgument, "region is empty")
	}
	secs := int64(expires / time.Second)
	if secs < 1 || expires > MaxPresignExpiresV4 {
		return nil, errorf(ErrInvalidArgument, "expires %v out of range: 1s to 604800s (7 days)", expires)
	}
	additional := AdditionalHeadersV4(r)
	q := cloneValues(r.Query)
	if c.Temporary() {
		q.Set("x-oss-security-token", c.SecurityToken)
	}
	q.Set("x-oss-signature-version", AlgorithmV4)
	q.Set("x-oss-date", FormatV4Date(t))
	q.Set("x-oss-expires", strconv.FormatInt(secs, 10))
	q.Set("x-oss-credential", V4Credential(c.AccessKeyID, t, r.region(), r.product()))
	if len(additional) > 0 {
		q.Set("x-oss-additional-headers", strings.Join(additional, ";"))
	}
	signed := *r
	signed.Query = q
	cr := CanonicalRequestV4(&signed, additional)
	sts := StringToSignV4(t, r.region(), r.product(), cr)
	q.Set("x-oss-signature", signatureV4(SigningKeyV4(c.AccessKeySecret, t, r.region(), r.product()), sts))
	return &Presigned{
		RawQuery: encodeQuery(q),
		SignedHeaders: signedHeaders(r.header(), func(low string) bool {
			return isDefaultSignedV4(low) || contains(additional, low)
		}),
		Expiration:       t.UTC().Truncate(time.Second).Add(time.Duration(secs) * time.Second),
		CanonicalRequest: cr,
		StringToSign:     sts,
	}, nil
}

func signatureV4(key []byte, stringToSign string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(stringToSign))
	return hex.EncodeToString(m.Sum(nil))
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v)+8)
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
