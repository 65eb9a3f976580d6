package stsemu

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"time"
)

// Token format constants; see the package documentation.
const (
	tokenPrefix  = "CAIS"
	tokenVersion = 1
	// maxTokenLen bounds what Lookup will decode. A token carrying a
	// policy of MaxPolicySize characters, each escaped to six bytes, stays
	// below 20 KiB.
	maxTokenLen = 24 << 10
)

// MaxIssueDuration is the longest validity [Authority.Issue] grants:
// 12 hours, the largest MaxSessionDuration a RAM role can have.
const MaxIssueDuration = 12 * time.Hour

var (
	roleARNPattern     = regexp.MustCompile(`^acs:ram::([0-9]{1,32}):role/([A-Za-z0-9._-]{1,64})$`)
	sessionNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.@-]{2,64}$`)
)

// AuthorityConfig configures an [Authority].
type AuthorityConfig struct {
	// AccessKeyID is the root access key ID the stack trusts: the only
	// caller the [Server] accepts. Required.
	AccessKeyID string
	// AccessKeySecret is the root access key secret. Required. Every
	// issued secret and token is derived from it, so processes configured
	// with the same root identity agree on every token without sharing
	// state.
	AccessKeySecret string
	// Now is the clock used when Issue or Lookup get a zero time, and by
	// the [Server]. nil means time.Now.
	Now func() time.Time
	// Rand is the source of the random part of issued access key IDs
	// (16 bytes per Issue). nil means crypto/rand. Tests set it to get
	// reproducible credentials; a non-nil Rand must be safe for concurrent
	// use if Issue is called concurrently.
	Rand io.Reader
}

// Authority issues STS-style temporary credentials and verifies them
// later. It keeps no per-token state: a security token carries its own
// claims under an HMAC keyed from the root secret, and the temporary
// AccessKeySecret is an HMAC of the temporary AccessKeyId (see the package
// documentation). An Authority is immutable and safe for concurrent use.
type Authority struct {
	rootID     string
	rootSecret string
	tokenKey   []byte // MAC key of security tokens
	secretKey  []byte // derivation key of temporary secrets
	now        func() time.Time
	rand       io.Reader // nil means crypto/rand
}

// Credentials are temporary credentials, as returned by AssumeRole.
type Credentials struct {
	// AccessKeyID is "STS." followed by 26 random characters.
	AccessKeyID string
	// AccessKeySecret is derived from AccessKeyID and the root secret.
	AccessKeySecret string
	// SecurityToken is the self-contained token (see the package doc).
	SecurityToken string
	// Expiration is when the credentials stop working, UTC, whole seconds.
	Expiration time.Time
}

// Identity is what a verified (AccessKeyId, SecurityToken) pair stands for.
type Identity struct {
	// AccessKeyID is the temporary access key ID.
	AccessKeyID string
	// AccessKeySecret is the temporary secret, to verify the request
	// signature with.
	AccessKeySecret string
	// Expiration is when the credentials expire, UTC.
	Expiration time.Time
	// RoleARN is the assumed role.
	RoleARN string
	// SessionName is the RoleSessionName given to AssumeRole.
	SessionName string
	// Policy is the session policy, or nil when AssumeRole had none.
	Policy *Policy
}

// AssumedRoleID is the session's AssumedRoleId, "<role-id>:<session-name>",
// as AssumeRole answered it: the name OSS gives the session in bucket
// policies and overwrite rules (ossemu's Principal.ID).
func (id *Identity) AssumedRoleID() string { return assumedRoleID(id.RoleARN, id.SessionName) }

// Allows reports whether the identity may perform action on resource. The
// emulator models no role permissions (any role is all-powerful), so only
// the session policy restricts: with no session policy everything is
// allowed, otherwise [Policy.Allows] decides.
func (id *Identity) Allows(action, resource string) bool {
	if id.Policy == nil {
		return true
	}
	return id.Policy.Allows(action, resource)
}

// tokenClaims is the JSON payload of a security token.
type tokenClaims struct {
	V       int    `json:"v"`
	AK      string `json:"ak"`
	Iat     int64  `json:"iat"`
	Exp     int64  `json:"exp"`
	Role    string `json:"role"`
	Session string `json:"session"`
	Policy  string `json:"policy,omitempty"`
}

// NewAuthority returns an Authority for the given root identity. It fails
// with [ErrInvalidArgument] when the ID or the secret is empty.
func NewAuthority(cfg AuthorityConfig) (*Authority, error) {
	if cfg.AccessKeyID == "" || cfg.AccessKeySecret == "" {
		return nil, errorf(ErrInvalidArgument, "root AccessKeyID and AccessKeySecret are required")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Authority{
		rootID:     cfg.AccessKeyID,
		rootSecret: cfg.AccessKeySecret,
		tokenKey:   deriveKey(cfg.AccessKeySecret, "stsemu/v1/security-token", cfg.AccessKeyID),
		secretKey:  deriveKey(cfg.AccessKeySecret, "stsemu/v1/access-key-secret", cfg.AccessKeyID),
		now:        now,
		rand:       cfg.Rand,
	}, nil
}

// deriveKey is HMAC-SHA256(rootSecret, label "\x00" rootID).
func deriveKey(rootSecret, label, rootID string) []byte {
	mac := hmac.New(sha256.New, []byte(rootSecret))
	mac.Write([]byte(label + "\x00" + rootID))
	return mac.Sum(nil)
}

// AccessKeyID returns the root access key ID.
func (a *Authority) AccessKeyID() string { return a.rootID }

// Now reads the authority's clock.
func (a *Authority) Now() time.Time { return a.now() }

// Issue returns new temporary credentials for roleARN and sessionName,
// valid from now for duration (truncated to whole seconds), restricted by
// policy (nil: no session policy). A zero now means the authority's clock.
//
// roleARN must look like "acs:ram::<account digits>:role/<name>" and
// sessionName must be 2–64 characters of letters, digits and "_.@-"; the
// duration must be between one second and [MaxIssueDuration]. Range rules
// of the AssumeRole API (900 seconds minimum, the role's maximum) are the
// [Server]'s job. A hand-built policy is re-validated with [ParsePolicy].
// Errors wrap [ErrInvalidArgument], [ErrInvalidPolicy] or
// [ErrPolicyTooLarge].
func (a *Authority) Issue(roleARN, sessionName string, policy *Policy, duration time.Duration, now time.Time) (Credentials, error) {
	if !roleARNPattern.MatchString(roleARN) {
		return Credentials{}, errorf(ErrInvalidArgument, "malformed role ARN")
	}
	if !sessionNamePattern.MatchString(sessionName) {
		return Credentials{}, errorf(ErrInvalidArgument, "malformed role session name")
	}
	duration = duration.Truncate(time.Second)
	if duration < time.Second || duration > MaxIssueDuration {
		return Credentials{}, errorf(ErrInvalidArgument, "duration %v outside 1s..%v", duration, MaxIssueDuration)
	}
	var doc string
	if policy != nil {
		// A policy that cannot be rendered must not silently become "no
		// policy": String returns "" then, which ParsePolicy refuses.
		doc = policy.String()
		if _, err := ParsePolicy(doc); err != nil {
			return Credentials{}, err
		}
	}
	if now.IsZero() {
		now = a.now()
	}
	ak, err := a.newAccessKeyID()
	if err != nil {
		return Credentials{}, err
	}
	iat := now.Unix()
	claims := tokenClaims{
		V:       tokenVersion,
		AK:      ak,
		Iat:     iat,
		Exp:     iat + int64(duration/time.Second),
		Role:    roleARN,
		Session: sessionName,
		Policy:  doc,
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return Credentials{}, errorf(ErrInvalidArgument, "encoding token: %v", err)
	}
	body := tokenPrefix + base64.RawURLEncoding.EncodeToString(payload)
	return Credentials{
		AccessKeyID:     claims.AK,
		AccessKeySecret: a.secretFor(claims.AK),
		SecurityToken:   body + "." + base64.RawURLEncoding.EncodeToString(a.tokenMAC(body)),
		Expiration:      time.Unix(claims.Exp, 0).UTC(),
	}, nil
}

// Lookup verifies securityToken and returns the identity it stands for. A
// zero now means the authority's clock.
//
// It fails with [ErrInvalidToken] when the token is empty, oversized,
// malformed, was not issued by an authority with this root identity
// (including any change to any byte), or was issued for an access key ID
// other than accessKeyID; and with [ErrTokenExpired] when the token is
// genuine but now is at or after its expiration.
func (a *Authority) Lookup(accessKeyID, securityToken string, now time.Time) (*Identity, error) {
	if securityToken == "" {
		return nil, errorf(ErrInvalidToken, "missing")
	}
	if len(securityToken) > maxTokenLen {
		return nil, errorf(ErrInvalidToken, "longer than %d bytes", maxTokenLen)
	}
	body, macText, ok := strings.Cut(securityToken, ".")
	if !ok || !strings.HasPrefix(body, tokenPrefix) {
		return nil, errorf(ErrInvalidToken, "malformed")
	}
	mac, err := base64.RawURLEncoding.Strict().DecodeString(macText)
	if err != nil || !hmac.Equal(mac, a.tokenMAC(body)) {
		return nil, errorf(ErrInvalidToken, "signature does not verify")
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(body[len(tokenPrefix):])
	if err != nil {
		return nil, errorf(ErrInvalidToken, "malformed payload")
	}
	var c tokenClaims
	if err := json.Unmarshal(payload, &c); err != nil || c.V != tokenVersion || c.AK == "" {
		return nil, errorf(ErrInvalidToken, "malformed claims")
	}
	if subtle.ConstantTimeCompare([]byte(c.AK), []byte(accessKeyID)) != 1 {
		return nil, errorf(ErrInvalidToken, "issued for another access key ID")
	}
	if now.IsZero() {
		now = a.now()
	}
	exp := time.Unix(c.Exp, 0).UTC()
	if !now.Before(exp) {
		return nil, errorf(ErrTokenExpired, "expired at %s", exp.Format(time.RFC3339))
	}
	id := &Identity{
		AccessKeyID:     c.AK,
		AccessKeySecret: a.secretFor(c.AK),
		Expiration:      exp,
		RoleARN:         c.Role,
		SessionName:     c.Session,
	}
	if c.Policy != "" {
		p, err := ParsePolicy(c.Policy)
		if err != nil {
			return nil, errorf(ErrInvalidToken, "embedded policy does not parse")
		}
		id.Policy = p
	}
	return id, nil
}

// newAccessKeyID returns "STS." and 26 base32 characters (A–Z, 2–7)
// encoding 16 random bytes, the same shape as crypto/rand.Text.
func (a *Authority) newAccessKeyID() (string, error) {
	var b [16]byte
	if a.rand == nil {
		_, _ = rand.Read(b[:]) // never fails (Go 1.24+)
	} else if _, err := io.ReadFull(a.rand, b[:]); err != nil {
		return "", errorf(ErrInvalidArgument, "AuthorityConfig.Rand: %v", err)
	}
	return "STS." + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]), nil
}

// secretFor derives the temporary secret of an STS access key ID:
// base64url(HMAC-SHA256(secretKey, accessKeyID)), 43 characters.
func (a *Authority) secretFor(accessKeyID string) string {
	mac := hmac.New(sha256.New, a.secretKey)
	mac.Write([]byte(accessKeyID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// tokenMAC is HMAC-SHA256(tokenKey, body), body being "CAIS" + payload.
func (a *Authority) tokenMAC(body string) []byte {
	mac := hmac.New(sha256.New, a.tokenKey)
	mac.Write([]byte(body))
	return mac.Sum(nil)
}
