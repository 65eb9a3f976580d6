package ossemu

import (
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"strings"
)

// errKind indexes errorTable: every error the emulator can answer.
type errKind int

const (
	errInternal errKind = iota
	errAccessDenied
	errAccessDeniedRAM
	errRequestExpired
	errMissingDate
	errInvalidAccessKeyID
	errSignatureDoesNotMatch
	errRequestTimeTooSkewed
	errSecurityTokenExpired
	errInvalidSecurityToken
	errInvalidArgument
	errInvalidBucketName
	errNoSuchBucket
	errNoSuchKey
	errNoSuchUpload
	errInvalidObjectName
	errFileAlreadyExists
	errInvalidDigest
	errIncompleteBody
	errRequestTimeout
	errEntityTooLarge
	errEntityTooSmall
	errInvalidPolicyDocument
	errPolicyDenied
	errFieldItemTooLong
	errIncorrectNumberOfFiles
	errFileNotLast
	errNotMultipart
	errMalformedPOST
	errMalformedXML
	errInvalidPart
	errInvalidPartOrder
	errInvalidRange
	errPreconditionFailed
	errNotImplemented
	errMethodNotAllowed
	errCallbackFailed
	errCORSForbidden
	errCORSDisabled
	errPreflightBadRequest

	// Bucket configuration (bucketconfig.go) and the knobs (knobs.go).
	errNoSuchCORSConfiguration
	errNoSuchLifecycle
	errNoSuchOverwriteConfig
	errV1Refused
	errPublicEndpointForbidden
)

// errorSpec is one row of the error table.
type errorSpec struct {
	Code    string
	Status  int
	Message string
	// EC is OSS's detailed error code where the protocol reference documents
	// one; "" otherwise (the element is then written empty and no x-oss-ec
	// header is sent).
	EC string
}

// errorTable is the single table of every error the emulator answers with.
// Codes, statuses and messages follow OSS (reference/oss-protocol.md §1–§9).
var errorTable = [...]errorSpec{
	errInternal:              {"InternalError", 500, "We encountered an internal error. Please try again.", ""},
	errAccessDenied:          {"AccessDenied", 403, "You have no right to access this object because of bucket acl.", ""},
	errAccessDeniedRAM:       {"AccessDenied", 403, "You are not authorized to do this action. You should be authorized by RAM.", ""},
	errRequestExpired:        {"AccessDenied", 403, "Request has expired.", ""},
	errMissingDate:           {"AccessDenied", 403, "AWS authentication requires a valid Date or x-oss-date header.", "0002-00000503"},
	errInvalidAccessKeyID:    {"InvalidAccessKeyId", 403, "The OSS Access Key Id you provided does not exist in our records.", ""},
	errSignatureDoesNotMatch: {"SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your key and signing method.", "0002-00000040"},
	errRequestTimeTooSkewed:  {"RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large.", "0002-00000504"},
	errSecurityTokenExpired:  {"SecurityTokenExpired", 403, "The security token you provided has expired.", ""},
	errInvalidSecurityToken:  {"InvalidSecurityToken", 403, "The security token you provided is invalid.", ""},
	errInvalidArgument:       {"InvalidArgument", 400, "Invalid Argument.", ""},
	errInvalidBucketName:     {"InvalidBucketName", 400, "The specified bucket is not valid.", ""},
	errNoSuchBucket:          {"NoSuchBucket", 404, "The specified bucket does not exist.", "0015-00000101"},
	errNoSuchKey:             {"NoSuchKey", 404, "The specified key does not exist.", "0026-00000001"},
	errNoSuchUpload:          {"NoSuchUpload", 404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", ""},
	errInvalidObjectName:     {"InvalidObjectName", 400, "The specified object is not valid.", ""},
	errFileAlreadyExists:     {"FileAlreadyExists", 409, "The object you specified already exists and can not be overwritten.", ""},
	errInvalidDigest:         {"InvalidDigest", 400, "The Content-MD5 you specified is not valid.", ""},
	errIncompleteBody:        {"IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header.", ""},
	// RequestTimeout: the code OSS's SDKs name (aliyun-oss Ruby's
	// Aliyun::OSS::RequestTimeout), with S3's wording; the emulator answers
	// it when a body stalls past Config.BodyIdleTimeout.
	errRequestTimeout:         {"RequestTimeout", 400, "Your socket connection to the server was not read from or written to within the timeout period.", ""},
	errEntityTooLarge:         {"EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size.", ""},
	errEntityTooSmall:         {"EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed size.", ""},
	errInvalidPolicyDocument:  {"InvalidPolicyDocument", 400, "Invalid Policy: Invalid JSON.", ""},
	errPolicyDenied:           {"AccessDenied", 403, "Invalid according to Policy.", ""},
	errFieldItemTooLong:       {"FieldItemTooLong", 400, "Your POST request fields are too large: the names of all form fields may not exceed 8 KB and their values 2 MB.", ""},
	errIncorrectNumberOfFiles: {"IncorrectNumberOfFilesInPOSTRequest", 400, "POST requires exactly one file upload per request.", ""},
	errFileNotLast:            {"InvalidArgument", 400, "The file form field must be the last field of a POST request.", "0006-00000103"},
	errNotMultipart:           {"RequestIsNotMultiPartContent", 400, "Bucket POST must be of the enclosure-type multipart/form-data", ""},
	errMalformedPOST:          {"MalformedPOSTRequest", 400, "The body of your POST request is not well-formed multipart/form-data.", ""},
	errMalformedXML:           {"MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema.", ""},
	errInvalidPart:            {"InvalidPart", 400, "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.", ""},
	errInvalidPartOrder:       {"InvalidPartOrder", 400, "The list of parts was not in ascending order. Parts must be ordered by part number.", ""},
	errInvalidRange:           {"InvalidRange", 416, "The requested range cannot be satisfied", ""},
	errPreconditionFailed:     {"PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold.", ""},
	errNotImplemented:         {"NotImplemented", 501, "The OSS emulator does not implement this operation.", ""},
	errMethodNotAllowed:       {"MethodNotAllowed", 405, "The specified method is not allowed against this resource.", ""},
	errCallbackFailed:         {"CallbackFailed", 203, "Callback failed.", "0007-00000203"},
	errCORSForbidden:          {"AccessForbidden", 403, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.", ""},
	errCORSDisabled:           {"AccessForbidden", 403, "CORSResponse: CORS is not enabled for this bucket.", ""},
	errPreflightBadRequest:    {"BadRequest", 400, "Insufficient information. Origin request header needed.", ""},

	// Bucket configuration and the knobs. The NoSuchCORSConfiguration and
	// NoSuchLifecycle messages are OSS's (its 404 error list); the overwrite
	// 404's code and message, and the messages of the two knob errors, are
	// not published and follow OSS's pattern (doc.go).
	errNoSuchCORSConfiguration: {"NoSuchCORSConfiguration", 404, "The CORS Configuration does not exist.", ""},
	errNoSuchLifecycle:         {"NoSuchLifecycle", 404, "No Row found in Lifecycle Table.", ""},
	errNoSuchOverwriteConfig:   {"NoSuchOverwriteConfiguration", 404, "The bucket you specified does not have overwrite configuration.", ""},
	errV1Refused:               {"AccessDenied", 403, "The V1 signature is not supported for this account. Please use the V4 signature (OSS4-HMAC-SHA256).", "0002-00000080"},
	errPublicEndpointForbidden: {"PublicEndpointForbidden", 400, "Data API operations on the default public endpoint are forbidden for this bucket. Please use a custom domain name bound to the bucket.", "0048-00000401"},
}

// apiError is the one error type that reaches the wire. Everything else
// becomes errInternal in writeError.
type apiError struct {
	kind errKind
	// message and ec override the table's when non-empty.
	message, ec string
	// extra are additional <Error> elements, written after <EC>.
	extra []xmlElem
	// header holds additional response headers (e.g. Content-Range).
	header map[string]string
	// cause is the Go error behind it, for the log only.
	cause error
}

type xmlElem struct{ name, value string }

func (e *apiError) Error() string {
	s := errorTable[e.kind].Code
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

func (e *apiError) Unwrap() error { return e.cause }

// newError returns the error of kind k caused by cause (may be nil).
func newError(k errKind, cause error) *apiError { return &apiError{kind: k, cause: cause} }

// withMessage replaces the table's message.
func (e *apiError) withMessage(m string) *apiError { e.message = m; return e }

// withEC replaces the table's EC.
func (e *apiError) withEC(ec string) *apiError { e.ec = ec; return e }

func (e *apiError) spec() errorSpec {
	s := errorTable[e.kind]
	if e.message != "" {
		s.Message = e.message
	}
	if e.ec != "" {
		s.EC = e.ec
	}
	return s
}

// invalidArgument is the common 400 InvalidArgument with a message.
func invalidArgument(msg string) *apiError { return newError(errInvalidArgument, nil).withMessage(msg) }

// errorXML renders OSS's error body.
func errorXML(s errorSpec, requestID, hostID string, extra []xmlElem) []byte {
	var b strings.Builder
	b.WriteString(xml.Header[:len(xml.Header)-1]) // `<?xml version="1.0" encoding="UTF-8"?>`
	b.WriteString("\n<Error>\n")
	elem := func(name, value string) {
		b.WriteString("  <" + name + ">")
		// OSS writes the newlines of StringToSign and CanonicalRequest as
		// they are; EscapeText would write them as &#xA;.
		var esc strings.Builder
		_ = xml.EscapeText(&esc, []byte(value))
		b.WriteString(strings.ReplaceAll(esc.String(), "&#xA;", "\n"))
		b.WriteString("</" + name + ">\n")
	}
	elem("Code", s.Code)
	elem("Message", s.Message)
	elem("RequestId", requestID)
	elem("HostId", hostID)
	for _, x := range extra {
		elem(x.name, x.value)
	}
	elem("EC", s.EC)
	b.WriteString("</Error>\n")
	return []byte(b.String())
}

// hexBytes renders s as OSS's StringToSignBytes: every byte as two
// upper-case hex digits followed by a space ("50 55 54 0A "), as in the
// bodies captured from real OSS (the 0002-00000040 help page, ali-oss and
// forum reports quoted in reference/oss-protocol.md §3).
func hexBytes(s string) string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, 0, 3*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, digits[s[i]>>4], digits[s[i]&15], ' ')
	}
	return string(b)
}

// writeError writes err as OSS's XML error response. It is the only place
// that writes 4xx and 5xx statuses. Errors that are not *apiError are bugs:
// they are logged and answered 500 InternalError.
func (s *Server) writeError(rq *request, err error) {
	ae, ok := err.(*apiError)
	if !ok {
		ae = newError(errInternal, err)
	}
	sp := ae.spec()
	if ae.kind == errInternal {
		rq.log.Error("internal error", "err", err)
	}
	rq.errCode = sp.Code
	rq.errCause = ae.cause
	body := errorXML(sp, rq.id, rq.hostID(), ae.extra)
	h := rq.w.Header()
	for k, v := range ae.header {
		h.Set(k, v)
	}
	h.Del("Content-Length")
	h.Set("Content-Type", "application/xml")
	if sp.EC != "" {
		h.Set("x-oss-ec", sp.EC)
	}
	if rq.r.Method == http.MethodHead {
		// HEAD responses carry no body: OSS puts the error XML in x-oss-err.
		h.Set("x-oss-err", base64.StdEncoding.EncodeToString(body))
		rq.w.WriteHeader(sp.Status)
		return
	}
	h.Set("Content-Length", itoa(int64(len(body))))
	rq.w.WriteHeader(sp.Status)
	_, _ = rq.w.Write(body)
}
