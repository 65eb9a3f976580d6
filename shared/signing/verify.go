package signing

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MaxSkew is how far a header-signed request's time may be from the
// verifier's clock: 15 minutes, as OSS allows.
const MaxSkew = 15 * time.Minute

// Auth is a parsed signature: from an Authorization header or from the
// parameters of a presigned URL.
type Auth struct {
	// Version is 1 ("OSS") or 4 ("OSS4-HMAC-SHA256").
	Version int
	// Presigned is true for signatures carried in the query.
	Presigned   bool
	AccessKeyID string
	Signature   string
	// SecurityToken is the token carried in a presigned query
	// (security-token for V1, x-oss-security-token for V4). Header-signed
	// requests carry it in the x-oss-security-token header.
	SecurityToken string

	// V4 credential scope.
	Date, Region, Product string
	// AdditionalHeaders is the V4 additional-header list, lower-cased and sorted.
	AdditionalHeaders []string

	// Time is the V4 presigned x-oss-date.
	Time time.Time
	// Expires is when a presigned URL expires.
	Expires time.Time

	expiresRaw string // V1 Expires as sent: it is signed verbatim
}

// ParseAuthorization parses an "OSS ak:signature" or
// "OSS4-HMAC-SHA256 Credential=…,AdditionalHeaders=…,Signature=…" header.
// Spaces after the commas are tolerated (Alibaba's documentation shows them,
// the SDKs send none).
func ParseAuthorization(v string) (*Auth, error) {
	v = strings.TrimSpace(v)
	switch {
	case strings.HasPrefix(v, AlgorithmV4+" "):
		a := &Auth{Version: 4}
		var haveCred, haveSig bool
		for _, part := range strings.Split(strings.TrimPrefix(v, AlgorithmV4+" "), ",") {
			name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				return nil, errorf(ErrInvalidArgument, "authorization: malformed element %q", part)
			}
			switch name {
			case "Credential":
				if err := a.setCredential(val); err != nil {
					return nil, err
				}
				haveCred = true
			case "AdditionalHeaders":
				if val == "" {
					return nil, errorf(ErrInvalidArgument, "authorization: AdditionalHeaders is empty")
				}
				a.AdditionalHeaders = splitAdditional(val)
			case "Signature":
				a.Signature = val
				haveSig = true
			default:
				return nil, errorf(ErrInvalidArgument, "authorization: unknown element %q", name)
			}
		}
		if !haveCred || !haveSig || a.Signature == "" {
			return nil, errorf(ErrInvalidArgument, "authorization: Credential and Signature are required")
		}
		return a, nil
	case strings.HasPrefix(v, "OSS "):
		ak, sig, ok := strings.Cut(strings.TrimPrefix(v, "OSS "), ":")
		if !ok || ak == "" || sig == "" {
			return nil, errorf(ErrInvalidArgument, "authorization: want \"OSS <AccessKeyId>:<Signature>\"")
		}
		return &Auth{Version: 1, AccessKeyID: ak, Signature: sig}, nil
	}
	return nil, errorf(ErrInvalidArgument, "authorization: unknown scheme (want OSS or %s)", AlgorithmV4)
}

func (a *Auth) setCredential(val string) error {
	parts := strings.Split(val, "/")
	if len(parts) != 5 || parts[0] == "" || parts[4] != v4Terminator || len(parts[1]) != 8 || parts[2] == "" || parts[3] == "" {
		return errorf(ErrInvalidArgument, "credential %q is not <AccessKeyId>/<yyyymmdd>/<region>/<product>/aliyun_v4_request", val)
	}
	if _, err := time.Parse(v4DateLayout, parts[1]); err != nil {
		return errorf(ErrInvalidArgument, "credential date %q is not yyyymmdd", parts[1])
	}
	a.AccessKeyID, a.Date, a.Region, a.Product = parts[0], parts[1], parts[2], parts[3]
	return nil
}

func splitAdditional(v string) []string {
	var out []string
	for _, h := range strings.Split(v, ";") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" && !contains(out, h) {
			out = append(out, h)
		}
	}
	sort.Strings(out)
	return out
}

// ParsePresignedQuery parses the signature parameters of a presigned URL.
// It returns (nil, nil) when q carries none.
func ParsePresignedQuery(q url.Values) (*Auth, error) {
	switch {
	case q.Has("x-oss-signature") || q.Has("x-oss-signature-version") || q.Has("x-oss-credential"):
		if v := q.Get("x-oss-signature-version"); v != AlgorithmV4 {
			return nil, errorf(ErrInvalidArgument, "x-oss-signature-version %q: want %s", v, AlgorithmV4)
		}
		a := &Auth{Version: 4, Presigned: true, Signature: q.Get("x-oss-signature"), SecurityToken: q.Get("x-oss-security-token")}
		if a.Signature == "" {
			return nil, errorf(ErrInvalidArgument, "x-oss-signature is missing")
		}
		if err := a.setCredential(q.Get("x-oss-credential")); err != nil {
			return nil, err
		}
		t, err := ParseV4Date(q.Get("x-oss-date"))
		if err != nil {
			return nil, err
		}
		if t.Format(v4DateLayout) != a.Date {
			return nil, errorf(ErrInvalidArgument, "x-oss-date %s is not on the credential date %s", q.Get("x-oss-date"), a.Date)
		}
		secs, err := strconv.ParseInt(q.Get("x-oss-expires"), 10, 64)
		if err != nil || secs < 1 || secs > int64(MaxPresignExpiresV4/time.Second) {
			return nil, errorf(ErrInvalidArgument, "x-oss-expires %q: want relative seconds 1..604800", q.Get("x-oss-expires"))
		}
		if q.Has("x-oss-additional-headers") {
			if a.AdditionalHeaders = splitAdditional(q.Get("x-oss-additional-headers")); len(a.AdditionalHeaders) == 0 {
				return nil, errorf(ErrInvalidArgument, "x-oss-additional-headers is empty")
			}
		}
		a.Time, a.Expires = t, t.Add(time.Duration(secs)*time.Second)
		return a, nil
	case q.Has("Signature") || q.Has("OSSAccessKeyId") || q.Has("Expires"):
		a := &Auth{Version: 1, Presigned: true, AccessKeyID: q.Get("OSSAccessKeyId"), Signature: q.Get("Signature"),
			SecurityToken: q.Get("security-token"), expiresRaw: q.Get("Expires")}
		if a.AccessKeyID == "" || a.Signature == "" || a.expiresRaw == "" {
			return nil, errorf(ErrInvalidArgument, "presigned V1 URL needs OSSAccessKeyId, Expires and Signature")
		}
		secs, err := strconv.ParseInt(a.expiresRaw, 10, 64)
		if err != nil || secs < 0 {
			return nil, errorf(ErrInvalidArgument, "Expires %q is not a unix time", a.expiresRaw)
		}
		a.Expires = time.Unix(secs, 0).UTC()
		return a, nil
	}
	return nil, nil
}

// Verify checks that r, as received, carries the signature a for secret,
// and that its time is acceptable at now: within MaxSkew for header
// signatures, before expiry for presigned URLs. On a signature mismatch the
// error is a *MismatchError with what the verifier signed.
//
// r.Query must hold the received query, signature parameters included; r
// names the bucket and key the request addressed, however it was addressed.
func Verify(r *Request, a *Auth, secret string, now time.Time) error {
	switch {
	case a.Version == 1 && !a.Presigned:
		date := dateLineV1(r.header())
		if date == "" {
			return errorf(ErrInvalidArgument, "request has neither Date nor x-oss-date")
		}
		t, err := http.ParseTime(date)
		if err != nil {
			return errorf(ErrInvalidArgument, "date %q is not an HTTP date", date)
		}
		if err := checkSkew(t, now); err != nil {
			return err
		}
		sts := StringToSignV1(r, date)
		return compareSignature(hmacSHA1Base64(secret, sts), a.Signature, base64.StdEncoding.DecodeString, &MismatchError{StringToSign: sts})
	case a.Version == 1:
		if now.After(a.Expires) {
			return errorf(ErrExpired, "presigned URL expired at %s", a.Expires.Format(time.RFC3339))
		}
		q := cloneValues(r.Query)
		q.Del("Signature")
		q.Del("OSSAccessKeyId")
		q.Del("Expires")
		unsigned := *r
		unsigned.Query = q
		sts := StringToSignV1(&unsigned, a.expiresRaw)
		return compareSignature(hmacSHA1Base64(secret, sts), a.Signature, base64.StdEncoding.DecodeString, &MismatchError{StringToSign: sts})
	case a.Version == 4:
		t := a.Time
		q := r.Query
		if a.Presigned {
			if now.After(a.Expires) {
				return errorf(ErrExpired, "presigned URL expired at %s", a.Expires.Format(time.RFC3339))
			}
			if t.Sub(now) > MaxSkew {
				return errorf(ErrRequestTimeTooSkewed, "x-oss-date %s is in the future", FormatV4Date(t))
			}
			q = cloneValues(r.Query)
			q.Del("x-oss-signature")
		} else {
			var err error
			if t, err = ParseV4Date(r.header().Get("X-Oss-Date")); err != nil {
				return err
			}
			if t.Format(v4DateLayout) != a.Date {
				return errorf(ErrInvalidArgument, "x-oss-date %s is not on the credential date %s", FormatV4Date(t), a.Date)
			}
			if p := r.header().Get("X-Oss-Content-Sha256"); p != UnsignedPayload {
				return errorf(ErrInvalidArgument, "x-oss-content-sha256 %q: want %s", p, UnsignedPayload)
			}
			if err := checkSkew(t, now); err != nil {
				return err
			}
		}
		signed := *r
		signed.Query = q
		cr := CanonicalRequestV4(&signed, a.AdditionalHeaders)
		sts := StringToSignV4(t, a.Region, a.Product, cr)
		want := signatureV4(signingKeyV4(secret, t, a.Region, a.Product), sts)
		return compareSignature(want, a.Signature, hex.DecodeString, &MismatchError{StringToSign: sts, CanonicalRequest: cr})
	}
	return errorf(ErrInvalidArgument, "unknown signature version %d", a.Version)
}

func checkSkew(t, now time.Time) error {
	if d := now.Sub(t); d > MaxSkew || d < -MaxSkew {
		return errorf(ErrRequestTimeTooSkewed, "request time %s is %v away from server time", t.UTC().Format(time.RFC3339), d.Round(time.Second))
	}
	return nil
}

// compareSignature compares the decoded signatures in constant time.
func compareSignature(want, got string, decode func(string) ([]byte, error), mismatch *MismatchError) error {
	w, _ := decode(want)
	g, err := decode(got)
	if err == nil && hmac.Equal(w, g) {
		return nil
	}
	mismatch.Provided = got
	return mismatch
}

// VerifyPostV1 checks a V1 PostObject Signature field against the policy
// field, byte for byte.
func VerifyPostV1(secret, policyBase64, signature string) error {
	return compareSignature(PostSignatureV1(secret, policyBase64), signature, base64.StdEncoding.DecodeString,
		&MismatchError{StringToSign: policyBase64})
}

// VerifyPostV4 checks a V4 PostObject x-oss-signature field; t is the
// form's x-oss-date.
func VerifyPostV4(secret string, t time.Time, region, policyBase64, signature string) error {
	return compareSignature(PostSignatureV4(secret, t, region, policyBase64), signature, hex.DecodeString,
		&MismatchError{StringToSign: policyBase64})
}
