package ossemu

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ossdirect/shared/signing"
)

// RAM actions checked by the emulator (reference §7).
const (
	actionPutObject      = "oss:PutObject"
	actionGetObject      = "oss:GetObject"
	actionDeleteObject   = "oss:DeleteObject"
	actionAbortMultipart = "oss:AbortMultipartUpload"
	actionListParts      = "oss:ListParts"
)

// maxPostValidity is how long after its x-oss-date a V4 PostObject form
// is accepted (reference §2).
const maxPostValidity = 7 * 24 * time.Hour

// authorize authenticates a header-signed or presigned request and checks
// that its principal may perform action on the addressed object. Buckets
// are private: an anonymous request is refused.
func (s *Server) authorize(rq *request, action string) error {
	p, err := s.authenticate(rq)
	if err != nil {
		return err
	}
	return allow(p, action, rq.resource())
}

// authenticate checks the request's signature and returns its principal.
func (s *Server) authenticate(rq *request) (Principal, error) {
	r := rq.r
	authz := r.Header.Values("Authorization")
	presigned, perr := signing.ParsePresignedQuery(rq.query)
	var a *signing.Auth
	switch {
	case len(authz) > 0 && (presigned != nil || perr != nil):
		return Principal{}, invalidArgument("Only one auth mechanism allowed; only the X-Oss-Signature/Signature query parameter or the Authorization header should be specified.")
	case len(authz) > 1:
		return Principal{}, invalidArgument("The Authorization header is repeated.")
	case len(authz) == 1:
		var err error
		if a, err = signing.ParseAuthorization(authz[0]); err != nil {
			return Principal{}, newError(errInvalidArgument, err).withMessage("The Authorization header is invalid.")
		}
	case perr != nil:
		if !rq.query.Has("x-oss-signature-version") && !rq.query.Has("x-oss-credential") && !rq.query.Has("x-oss-signature") {
			// V1 URL missing one of OSSAccessKeyId, Expires, Signature.
			return Principal{}, newError(errAccessDenied, perr).withMessage("Request has neither all of OSSAccessKeyId, Expires and Signature in its query.")
		}
		return Principal{}, newError(errInvalidArgument, perr).withMessage(v4QueryMessage(perr))
	case presigned != nil:
		a = presigned
	default:
		return Principal{}, newError(errAccessDenied, errors.New("anonymous request to a private bucket"))
	}
	if err := s.checkSignatureVersion(a); err != nil {
		return Principal{}, err
	}

	token := r.Header.Get("x-oss-security-token")
	if a.Presigned {
		token = a.SecurityToken
	}
	if a.Version == 4 {
		if err := s.checkScope(a.Region, a.Product); err != nil {
			return Principal{}, err
		}
	} else if !a.Presigned {
		date := r.Header.Get("Date")
		if date == "" {
			date = r.Header.Get("x-oss-date")
		}
		if _, err := http.ParseTime(date); err != nil {
			return Principal{}, newError(errMissingDate, err)
		}
	}
	p, err := s.lookup(a.AccessKeyID, token, rq.now)
	if err != nil {
		return Principal{}, err
	}
	if err := signing.Verify(s.signingRequest(rq), a, p.Secret, rq.now); err != nil {
		return Principal{}, verifyError(err, a.AccessKeyID)
	}
	rq.principal = &p
	return p, nil
}

// v4QueryMessage is the message for a malformed V4 presigned query.
func v4QueryMessage(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, signing.ErrInvalidArgument.Error()+": ")
	return "Invalid V4 presigned URL: " + msg + "."
}

// checkScope checks a V4 credential scope's region and product.
func (s *Server) checkScope(region, product string) error {
	if signing.RegionID(region) != s.cfg.Region {
		return invalidArgument(fmt.Sprintf("Invalid signing region in Authorization header: %q, expected %q.", region, s.cfg.Region))
	}
	if product != "oss" {
		return invalidArgument(fmt.Sprintf("Invalid signing product in Authorization header: %q, expected \"oss\".", product))
	}
	return nil
}

// lookup asks Credentials for the principal and maps its errors.
func (s *Server) lookup(accessKeyID, token string, now time.Time) (Principal, error) {
	p, err := s.cfg.Credentials.Lookup(accessKeyID, token, now)
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, ErrUnknownAccessKey):
		return p, newError(errInvalidAccessKeyID, ErrUnknownAccessKey)
	case errors.Is(err, ErrSecurityTokenExpired):
		return p, newError(errSecurityTokenExpired, ErrSecurityTokenExpired)
	case errors.Is(err, ErrInvalidSecurityToken):
		return p, newError(errInvalidSecurityToken, ErrInvalidSecurityToken)
	}
	// The implementation's message may quote the token: log its type only.
	return p, newError(errInternal, fmt.Errorf("ossemu: credentials lookup failed (%T)", err))
}

// verifyError maps a signing.Verify error.
func verifyError(err error, accessKeyID string) error {
	var mm *signing.MismatchError
	switch {
	case errors.As(err, &mm):
		extra := []xmlElem{
			{"OSSAccessKeyId", accessKeyID},
			{"SignatureProvided", mm.Provided},
			{"StringToSign", mm.StringToSign},
			{"StringToSignBytes", hexBytes(mm.StringToSign)},
		}
		if mm.CanonicalRequest != "" {
			// V4: the string to sign holds only the canonical request's
			// hash; OSS adds the canonical request itself.
			extra = append(extra, xmlElem{"CanonicalRequest", mm.CanonicalRequest})
		}
		return &apiError{kind: errSignatureDoesNotMatch, cause: signing.ErrSignatureMismatch, extra: extra}
	case errors.Is(err, signing.ErrExpired):
		return newError(errRequestExpired, err)
	case errors.Is(err, signing.ErrRequestTimeTooSkewed):
		return newError(errRequestTimeTooSkewed, err)
	case errors.Is(err, signing.ErrInvalidArgument):
		return newError(errInvalidArgument, err).withMessage(strings.TrimPrefix(err.Error(), signing.ErrInvalidArgument.Error()+": "))
	}
	return newError(errInternal, err)
}

// allow checks the principal's permission for action on the request's object.
func allow(p Principal, action, resource string) error {
	if p.Allowed != nil && !p.Allowed(action, resource) {
		return newError(errAccessDeniedRAM, fmt.Errorf("%s on %s not allowed", action, resource))
	}
	return nil
}

// signingRequest is the request as the signature covers it: always
// "/<bucket>/<key>", whatever the addressing style.
func (s *Server) signingRequest(rq *request) *signing.Request {
	h := rq.r.Header.Clone()
	h.Set("Host", rq.r.Host)     // for V4 AdditionalHeaders=host
	if rq.r.ContentLength >= 0 { // net/http moves it out of Header; V4 may sign it
		h.Set("Content-Length", strconv.FormatInt(rq.r.ContentLength, 10))
	}
	return &signing.Request{
		Method: rq.r.Method,
		Bucket: rq.bucket,
		Key:    rq.key,
		Header: h,
		Query:  rq.query,
		Region: s.cfg.Region,

		SubResources: rq.subResources,
	}
}
