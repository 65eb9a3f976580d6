package signing

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// subResourcesV1 is the official Go SDK v2's fixed V1 sub-resource set
// (oss/signer/v1.go requiredSignedParametersMap, v1.6.1). Query names in it,
// or starting with "x-oss-", are signed in the CanonicalizedResource.
var subResourcesV1 = map[string]bool{
	"acl": true, "bucketInfo": true, "location": true, "stat": true,
	"delete": true, "append": true, "tagging": true, "objectMeta": true,
	"uploads": true, "uploadId": true, "partNumber": true,
	"security-token": true, "position": true,
	"response-content-type": true, "response-content-language": true,
	"response-expires": true, "response-cache-control": true,
	"response-content-disposition": true, "response-content-encoding": true,
	"restore": true, "callback": true, "callback-var": true,
	"versions": true, "versioning": true, "versionId": true,
	"sequential": true, "continuation-token": true, "regionList": true,
	"cloudboxes": true, "symlink": true,
}

// IsSubResourceV1 reports whether query parameter name is part of the V1
// CanonicalizedResource (given the caller's extra sub-resources).
func IsSubResourceV1(name string, extra []string) bool {
	if subResourcesV1[name] || strings.HasPrefix(name, "x-oss-") {
		return true
	}
	for _, e := range extra {
		if e == name {
			return true
		}
	}
	return false
}

// StringToSignV1 returns the V1 string to sign for r. date is what goes on
// the Date line: the Date header, the x-oss-date header when a browser
// cannot set Date, or the Expires value of a presigned URL.
func StringToSignV1(r *Request, date string) string {
	h := r.header()
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(h.Get("Content-MD5"))
	b.WriteByte('\n')
	b.WriteString(h.Get("Content-Type"))
	b.WriteByte('\n')
	b.WriteString(date)
	b.WriteByte('\n')
	var headersBuf [8]header
	for _, x := range canonicalHeaders(headersBuf[:0], h, func(low string) bool { return strings.HasPrefix(low, "x-oss-") }, nil) {
		b.WriteString(x.name)
		b.WriteByte(':')
		b.WriteString(x.value)
		b.WriteByte('\n')
	}
	b.WriteString(canonicalResourceV1(r))
	return b.String()
}

func canonicalResourceV1(r *Request) string {
	res := resourcePath(r.Bucket, r.Key)
	var subs []string
	for k := range r.Query {
		if IsSubResourceV1(k, r.SubResources) {
			subs = append(subs, k)
		}
	}
	if len(subs) == 0 {
		return res
	}
	sort.Strings(subs)
	var b strings.Builder
	b.WriteString(res)
	for i, k := range subs {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(k)
		if v := r.Query.Get(k); v != "" {
			b.WriteByte('=')
			b.WriteString(v)
		}
	}
	return b.String()
}

// SignatureV1 returns the V1 signature of stringToSign:
// base64(HMAC-SHA1(secret, stringToSign)). It is what an Authorization
// header "OSS <AccessKeyId>:<signature>" and a V1 presigned URL carry, and
// lets a caller check a string to sign it built itself, such as OSS's
// StringToSign from a SignatureDoesNotMatch error.
func SignatureV1(secret, stringToSign string) string {
	return hmacSHA1Base64(secret, stringToSign)
}

func hmacSHA1Base64(secret, message string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(message))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// HeaderSignature is the result of signing a request in its headers.
type HeaderSignature struct {
	// Authorization is the Authorization header value, already set on the
	// request's Header.
	Authorization string
	// Signature is the bare signature (base64 for V1, hex for V4).
	Signature string
	// CanonicalRequest is the V4 canonical request (empty for V1).
	CanonicalRequest string
	// StringToSign is what was signed.
	StringToSign string
}

// dateLineV1 picks the V1 Date line: the Date header, else x-oss-date.
func dateLineV1(h http.Header) string {
	if d := h.Get("Date"); d != "" {
		return d
	}
	return h.Get("X-Oss-Date")
}

// SignV1 signs r with the V1 header signature and sets its Authorization
// header. With temporary credentials it sets x-oss-security-token first. The
// Date line comes from the request's Date header, or its x-oss-date header
// (what browsers send); when neither is present SignV1 sets Date to t.
func SignV1(r *Request, c Credentials, t time.Time) (*HeaderSignature, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	if r.Method == "" {
		return nil, errorf(ErrInvalidArgument, "method is empty")
	}
	h := r.header()
	if c.Temporary() {
		h.Set("x-oss-security-token", c.SecurityToken)
	}
	date := dateLineV1(h)
	if date == "" {
		date = t.UTC().Format(http.TimeFormat)
		h.Set("Date", date)
	}
	sts := StringToSignV1(r, date)
	sig := hmacSHA1Base64(c.AccessKeySecret, sts)
	auth := "OSS " + c.AccessKeyID + ":" + sig
	h.Set("Authorization", auth)
	return &HeaderSignature{Authorization: auth, Signature: sig, StringToSign: sts}, nil
}

// Presigned is a presigned URL's query and the headers its user must send.
type Presigned struct {
	// RawQuery is the full encoded query (the request's own parameters plus
	// the signature parameters), sorted by name, spaces as %20.
	RawQuery string
	// SignedHeaders are the headers the signature covers. The client must
	// send exactly these, with exactly these values.
	SignedHeaders map[string]string
	// Expiration is when the URL stops working.
	Expiration time.Time
	// CanonicalRequest (V4 only) and StringToSign are what was signed.
	CanonicalRequest string
	StringToSign     string
}

// PresignV1 presigns r with the V1 query signature (OSSAccessKeyId, Expires,
// Signature and, for temporary credentials, security-token). expires is the
// absolute expiry; the string to sign carries it on the Date line.
func PresignV1(r *Request, c Credentials, expires time.Time) (*Presigned, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	if r.Method == "" {
		return nil, errorf(ErrInvalidArgument, "method is empty")
	}
	q := cloneValues(r.Query)
	if c.Temporary() {
		q.Set("security-token", c.SecurityToken)
	}
	signed := *r
	signed.Query = q
	exp := strconv.FormatInt(expires.Unix(), 10)
	sts := StringToSignV1(&signed, exp)
	q.Set("OSSAccessKeyId", c.AccessKeyID)
	q.Set("Expires", exp)
	q.Set("Signature", hmacSHA1Base64(c.AccessKeySecret, sts))
	return &Presigned{
		RawQuery:      encodeQuery(q),
		SignedHeaders: signedHeaders(r.header(), isDefaultSignedV4),
		Expiration:    time.Unix(expires.Unix(), 0).UTC(),
		StringToSign:  sts,
	}, nil
}
