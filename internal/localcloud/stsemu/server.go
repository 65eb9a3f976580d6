package stsemu

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// AssumeRole API limits and defaults.
const (
	// MinDuration is the shortest DurationSeconds AssumeRole accepts.
	MinDuration = 900 * time.Second
	// DefaultDuration is the validity when DurationSeconds is absent.
	DefaultDuration = 3600 * time.Second
	// MaxSkew is how far a request's Timestamp may be from the server's
	// clock, either way.
	MaxSkew = 15 * time.Minute
	// MaxRequestBytes bounds the raw query and, separately, the form body.
	MaxRequestBytes = 64 << 10

	apiVersion       = "2015-04-01"
	timestampLayout  = "2006-01-02T15:04:05Z"
	defaultNonces    = 10000
	maxNonceLen      = 256
	maxParamCount    = 64
	maxExternalIDLen = 1224
)

var (
	externalIDPattern     = regexp.MustCompile(`^[\w+=,.@:/-]+$`) // and 2..maxExternalIDLen bytes
	sourceIdentityPattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
)

// Config configures a [Server].
type Config struct {
	// Authority issues the credentials and holds the root identity, the
	// only caller accepted, and the clock. Required.
	Authority *Authority
	// MaxDuration is the largest DurationSeconds accepted, standing in for
	// the role's MaxSessionDuration. Zero means 3600 seconds; otherwise it
	// must be whole seconds between [MinDuration] and [MaxIssueDuration].
	MaxDuration time.Duration
	// NonceCapacity bounds how many recent SignatureNonce values are
	// remembered for replay detection. Zero means 10000.
	NonceCapacity int
	// Roles are the role ARNs that exist; assuming another answers 404
	// EntityNotExist.Role, as STS does for a role that was never created
	// (or was deleted). Empty: every well-formed ARN exists.
	Roles []string
	// Logger receives one record per request (request id, outcome, access
	// key ID, role, session; never secrets, tokens or signatures). nil
	// discards.
	Logger *slog.Logger
}

// Server is an http.Handler that answers STS AssumeRole. Build it with
// [New]; it is safe for concurrent use.
type Server struct {
	auth        *Authority
	maxDuration time.Duration
	nonces      *nonceCache
	log         *slog.Logger
	fault       atomic.Pointer[Fault] // nil: none (SetFault)
	roles       []string              // Config.Roles
}

var _ http.Handler = (*Server)(nil)

// New returns a Server for cfg. It fails with [ErrInvalidArgument] when
// the Authority is missing or a limit is out of range.
func New(cfg Config) (*Server, error) {
	if cfg.Authority == nil {
		return nil, errorf(ErrInvalidArgument, "Config.Authority is required")
	}
	maxDur := cfg.MaxDuration
	if maxDur == 0 {
		maxDur = DefaultDuration
	}
	if maxDur < MinDuration || maxDur > MaxIssueDuration || maxDur%time.Second != 0 {
		return nil, errorf(ErrInvalidArgument, "Config.MaxDuration %v: want whole seconds in %v..%v", maxDur, MinDuration, MaxIssueDuration)
	}
	nonces := cfg.NonceCapacity
	if nonces == 0 {
		nonces = defaultNonces
	}
	if nonces < 0 {
		return nil, errorf(ErrInvalidArgument, "Config.NonceCapacity %d is negative", nonces)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Server{auth: cfg.Authority, maxDuration: maxDur, nonces: newNonceCache(nonces), log: logger, roles: slices.Clone(cfg.Roles)}, nil
}

// assumeRoleResponse is the success body.
type assumeRoleResponse struct {
	RequestID       string          `json:"RequestId"`
	SourceIdentity  string          `json:"SourceIdentity,omitempty"`
	AssumedRoleUser assumedRoleUser `json:"AssumedRoleUser"`
	Credentials     credentialsJSON `json:"Credentials"`
}

type assumedRoleUser struct {
	Arn           string `json:"Arn"`
	AssumedRoleID string `json:"AssumedRoleId"`
}

type credentialsJSON struct {
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
	SecurityToken   string `json:"SecurityToken"`
	Expiration      string `json:"Expiration"`
}

// ServeHTTP answers one STS request. See the package documentation for the
// protocol; every response is JSON and carries a request id, both in the
// body and in the x-acs-request-id header.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	if s.injectFault(w, r, requestID) {
		return
	}
	now := s.auth.Now()
	resp, info, err := s.assumeRole(w, r, now)
	log := s.log.With("request_id", requestID, "method", r.Method, "remote", r.RemoteAddr)
	if info.accessKeyID != "" {
		log = log.With("access_key_id", info.accessKeyID)
	}
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = newAPIError(codeInternalError, "The request processing has failed due to some unknown error.")
		}
		status := ae.status()
		if status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", "GET, POST")
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		log.Log(r.Context(), level, "sts request refused", "status", status, "code", ae.code, "detail", err.Error())
		writeJSON(w, requestID, status, errorBody{
			RequestID: requestID,
			HostID:    hostID,
			Code:      ae.code,
			Message:   ae.message,
			Recommend: recommendURL + url.QueryEscape(ae.code),
		})
		return
	}
	resp.RequestID = requestID
	log.Info("sts AssumeRole", "status", http.StatusOK, "role_arn", info.roleARN,
		"session", info.session, "sts_access_key_id", resp.Credentials.AccessKeyID,
		"expiration", resp.Credentials.Expiration, "session_policy", info.hasPolicy)
	writeJSON(w, requestID, http.StatusOK, resp)
}

// requestInfo is what the log line reports about a request; no secrets.
type requestInfo struct {
	accessKeyID string
	roleARN     string
	session     string
	hasPolicy   bool
}

// assumeRole authenticates and answers one request. Errors are *apiError
// except for unexpected failures.
func (s *Server) assumeRole(w http.ResponseWriter, r *http.Request, now time.Time) (*assumeRoleResponse, requestInfo, error) {
	var info requestInfo
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return nil, info, newAPIError(codeUnsupportedHTTPMethod, "Specified HTTP method %s is not supported; use GET or POST.", quote(r.Method))
	}
	if r.URL.Path != "/" && r.URL.Path != "" {
		return nil, info, newAPIError(codeActionNotFound, "Specified api is not found, please check your url and method.")
	}
	params, err := readParams(w, r)
	if err != nil {
		return nil, info, err
	}

	// Common parameters.
	for _, name := range []string{"Action", "Version", "AccessKeyId", "Signature", "SignatureMethod",
		"SignatureVersion", "SignatureNonce", "Timestamp"} {
		if params.Get(name) == "" {
			return nil, info, errMissing(name)
		}
	}
	if params.Get("Action") != "AssumeRole" {
		return nil, info, newAPIError(codeActionNotFound, "Specified api is not found, please check your url and method.")
	}
	if params.Get("Version") != apiVersion {
		return nil, info, newAPIError(codeInvalidVersion, "Specified parameter Version is not valid.")
	}
	if f := params.Get("Format"); f != "" && !strings.EqualFold(f, "json") {
		return nil, info, newAPIError(codeInvalidParameter, "The specified parameter \"Format\" is not valid: the emulator answers JSON only.")
	}
	if params.Get("SignatureMethod") != "HMAC-SHA1" {
		return nil, info, errInvalid("SignatureMethod")
	}
	if params.Get("SignatureVersion") != "1.0" {
		return nil, info, errInvalid("SignatureVersion")
	}
	if params.Has("SignatureType") {
		return nil, info, errInvalid("SignatureType")
	}
	ts, err := time.Parse(time.RFC3339, params.Get("Timestamp"))
	if err != nil || !strings.HasSuffix(params.Get("Timestamp"), "Z") {
		return nil, info, newAPIError(codeTimestampFormat, "Specified time stamp or date value is not well formatted.")
	}
	if d := now.Sub(ts); d > MaxSkew || d < -MaxSkew {
		return nil, info, newAPIError(codeTimestampExpired, "Specified time stamp or date value is expired.")
	}
	nonce := params.Get("SignatureNonce")
	if len(nonce) > maxNonceLen {
		return nil, info, errInvalid("SignatureNonce")
	}

	// Authentication: only the root identity; STS callers are not supported.
	akid := params.Get("AccessKeyId")
	if !hmac.Equal([]byte(akid), []byte(s.auth.rootID)) {
		info.accessKeyID = truncateForLog(akid)
		return nil, info, newAPIError(codeAccessKeyNotFound, "Specified access key is not found.")
	}
	info.accessKeyID = akid
	stringToSign := StringToSignRPC(r.Method, params)
	want := signString(stringToSign, s.auth.rootSecret)
	if !hmac.Equal([]byte(params.Get("Signature")), []byte(want)) {
		return nil, info, newAPIError(codeSignatureDoesNotMatch, "%s%s", messageSignatureNotMatched, stringToSign)
	}
	if !s.nonces.use(akid+"\x00"+nonce, now, now.Add(2*MaxSkew)) {
		return nil, info, newAPIError(codeNonceUsed, "Specified signature nonce was used already.")
	}

	// AssumeRole parameters.
	roleARN := params.Get("RoleArn")
	if roleARN == "" {
		return nil, info, errMissing("RoleArn")
	}
	m := roleARNPattern.FindStringSubmatch(roleARN)
	if m == nil {
		return nil, info, newAPIError(codeInvalidRoleArn, "The parameter RoleArn is wrongly formed.")
	}
	if len(s.roles) > 0 && !slices.Contains(s.roles, roleARN) {
		return nil, info, newAPIError(codeRoleNotExist, "The role not exists: %s.", roleARN)
	}
	info.roleARN = roleARN
	session := params.Get("RoleSessionName")
	if session == "" {
		return nil, info, errMissing("RoleSessionName")
	}
	if !sessionNamePattern.MatchString(session) {
		return nil, info, newAPIError(codeInvalidSessionName, "The parameter RoleSessionName is wrongly formed: 2 to 64 characters of letters, digits and \"_.@-\".")
	}
	info.session = session
	duration := DefaultDuration
	if v := params.Get("DurationSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < int64(MinDuration/time.Second) || n > int64(s.maxDuration/time.Second) {
			return nil, info, newAPIError(codeInvalidDuration, "The Min/Max value of DurationSeconds is %d/%d seconds.",
				int64(MinDuration/time.Second), int64(s.maxDuration/time.Second))
		}
		duration = time.Duration(n) * time.Second
	}
	var policy *Policy
	if doc := params.Get("Policy"); doc != "" {
		policy, err = ParsePolicy(doc)
		switch {
		case errors.Is(err, ErrPolicyTooLarge):
			return nil, info, newAPIError(codePolicySize, "The size of Policy must be smaller than %d.", MaxPolicySize+1)
		case err != nil:
			return nil, info, newAPIError(codePolicyGrammar, "The parameter Policy has not passed grammar check: %s.",
				strings.TrimPrefix(err.Error(), ErrInvalidPolicy.Error()+": "))
		}
		info.hasPolicy = true
	}
	if v, ok := params["ExternalId"]; ok && (len(v[0]) < 2 || len(v[0]) > maxExternalIDLen || !externalIDPattern.MatchString(v[0])) {
		return nil, info, newAPIError(codeInvalidExternalID, "The parameter ExternalId is wrongly formed.")
	}
	sourceIdentity := params.Get("SourceIdentity")
	if _, ok := params["SourceIdentity"]; ok && !sourceIdentityPattern.MatchString(sourceIdentity) {
		return nil, info, newAPIError(codeInvalidSourceIdentity, "The parameter SourceIdentity is wrongly formed.")
	}

	creds, err := s.auth.Issue(roleARN, session, policy, duration, now)
	if err != nil {
		return nil, info, fmt.Errorf("issuing credentials: %w", err)
	}
	account, role := m[1], m[2]
	return &assumeRoleResponse{
		SourceIdentity: sourceIdentity,
		AssumedRoleUser: assumedRoleUser{
			Arn:           "acs:ram::" + account + ":role/" + role + "/" + session,
			AssumedRoleID: assumedRoleID(roleARN, session),
		},
		Credentials: credentialsJSON{
			AccessKeyID:     creds.AccessKeyID,
			AccessKeySecret: creds.AccessKeySecret,
			SecurityToken:   creds.SecurityToken,
			Expiration:      creds.Expiration.Format(timestampLayout),
		},
	}, info, nil
}

// readParams merges the query with an application/x-www-form-urlencoded
// body (ali-oss sends its parameters that way). A name may appear once in
// total; a repeated name is refused, since the signature would be ambiguous.
func readParams(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	if len(r.URL.RawQuery) > MaxRequestBytes {
		return nil, newAPIError(codeInvalidParameter, "The query string is longer than %d bytes.", MaxRequestBytes)
	}
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, newAPIError(codeInvalidParameter, "The query string is malformed.")
	}
	if r.Method == http.MethodPost && r.Body != nil {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "application/x-www-form-urlencoded" {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
			if err != nil {
				var tooLarge *http.MaxBytesError
				if errors.As(err, &tooLarge) {
					return nil, newAPIError(codeInvalidParameter, "The request body is longer than %d bytes.", MaxRequestBytes)
				}
				return nil, newAPIError(codeInvalidParameter, "The request body could not be read.")
			}
			form, err := url.ParseQuery(string(bytes.TrimSpace(body)))
			if err != nil {
				return nil, newAPIError(codeInvalidParameter, "The request body is malformed.")
			}
			for name, values := range form {
				params[name] = append(params[name], values...)
			}
		}
	}
	if len(params) > maxParamCount {
		return nil, newAPIError(codeInvalidParameter, "The request has more than %d parameters.", maxParamCount)
	}
	for name, values := range params {
		if len(values) > 1 {
			return nil, newAPIError(codeInvalidParameter, "The parameter %s is given more than once.", quote(name))
		}
		if !utf8.ValidString(name) || !utf8.ValidString(values[0]) {
			return nil, newAPIError(codeInvalidParameter, "The parameter %s is not valid UTF-8.", quote(name))
		}
	}
	return params, nil
}

// assumedRoleID is the AssumedRoleId of a session of roleARN.
func assumedRoleID(roleARN, session string) string { return roleID(roleARN) + ":" + session }

// roleID returns a stable numeric role id for roleARN, 18 digits starting
// with 3 like real RAM role ids. RAM would look it up; the emulator hashes.
func roleID(roleARN string) string {
	sum := sha256.Sum256([]byte(roleARN))
	n := binary.BigEndian.Uint64(sum[:8]) % 100_000_000_000_000_000
	return fmt.Sprintf("3%017d", n)
}

// newRequestID returns a random upper-case UUID-shaped id, as STS uses.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

// truncateForLog shortens an untrusted value before it is logged.
func truncateForLog(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	return strings.ToValidUTF8(s[:limit], "") + "..."
}

// writeJSON is the only place a response is written.
func writeJSON(w http.ResponseWriter, requestID string, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		fmt.Fprintf(&buf, `{"RequestId":%q,"HostId":%q,"Code":%q,"Message":"response encoding failed","Recommend":""}`+"\n",
			requestID, hostID, codeInternalError)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("x-acs-request-id", requestID)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
