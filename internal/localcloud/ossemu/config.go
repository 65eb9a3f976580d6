package ossemu

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"ossdirect/internal/localcloud/ossemu/notify"
	"ossdirect/shared/policy"
	"ossdirect/shared/signing"
)

// DefaultMaxObjectSize is the largest object PutObject and PostObject accept
// when Config.MaxObjectSize is zero: 5 GiB, OSS's limit.
const DefaultMaxObjectSize int64 = 5 << 30

// DefaultBodyIdleTimeout is Config.BodyIdleTimeout when zero.
const DefaultBodyIdleTimeout = time.Minute

// DefaultKeyURLPath is Config.KeyURLPath when empty.
const DefaultKeyURLPath = "/_ossemu/"

// KeyFileName is the name, under Config.KeyURLPath, at which the server
// serves the callback public key (PEM).
const KeyFileName = "callback_pub_key.pem"

// Config configures a Server. Dir and Credentials are required.
type Config struct {
	// Dir is the data folder: objects, sidecar metadata, temporary files and
	// multipart parts. Required. It is created when missing. Only one Server
	// may use a Dir at a time.
	Dir string
	// Buckets are the buckets served; each is created as a directory under
	// Dir. Names follow OSS's rules (3–63 characters: lower-case letters,
	// digits and "-", starting and ending with a letter or digit).
	Buckets []string
	// Region is the region id that V4 signatures (header, URL, PostObject)
	// must name in their credential scope, e.g. "cn-hangzhou". Default
	// "cn-hangzhou". A leading "oss-" is removed.
	Region string
	// CNAMEs maps a host name (without port, lower case) to the bucket it
	// serves in custom-domain style, where the path is "/<key>". Every other
	// host is addressed path style: "/<bucket>/<key>".
	CNAMEs map[string]string
	// Credentials decides who may sign requests. Required.
	Credentials Credentials
	// CORSOrigins are the browser origins allowed by the buckets' initial
	// CORS rule ("*" allows any, one "*" wildcard per entry, e.g.
	// "http://*.example.com"); the rule allows GET, PUT, POST, DELETE and
	// HEAD with any header, exposes ETag, x-oss-request-id,
	// x-oss-hash-crc64ecma and x-oss-version-id, has MaxAgeSeconds 600 and
	// ResponseVary true. Empty means no CORS configuration: preflights get
	// 403. PutBucketCors and DeleteBucketCors replace it at run time.
	CORSOrigins []string
	// Callbacks performs upload callbacks. Nil: a request that carries a
	// callback gets 400 InvalidArgument "callback is not enabled". Its
	// PubKeyURL must be set before the first callback, normally to
	// Server.KeyURL(baseURL) once the listening address is known; the
	// server serves the public half of its Key there.
	Callbacks *notify.Sender
	// KeyURLPath is the path prefix (starting and ending with "/") under
	// which the callback public key is served, on every host that is not
	// a CNAME.
	// Default DefaultKeyURLPath ("/_ossemu/"); its first segment must not
	// be a valid bucket name, so it can never shadow an object.
	KeyURLPath string
	// MaxObjectSize bounds PutObject, PostObject, UploadPart and
	// CompleteMultipartUpload bodies, in bytes. Default DefaultMaxObjectSize.
	MaxObjectSize int64
	// Events, when set, receives an Event for every object a request
	// stored, like OSS's event notification: PutObject, PostObject,
	// CompleteMultipartUpload and CopyObject once the object is in place,
	// including those whose upload callback then failed (the object stays
	// stored, as the 203 CallbackFailed answer says). Never for a refused
	// request, InitiateMultipartUpload, UploadPart, AbortMultipartUpload or
	// deletes. It is called on the request's goroutine as the request ends,
	// so it must not block: hand the event to a queue. Nil: no events.
	Events func(Event)
	// BodyIdleTimeout is how long a request body may go without a byte
	// arriving: before each read of the body the connection's read
	// deadline moves this far ahead, so a client that stops sending
	// (slowloris, a stalled upload) is dropped with 400 RequestTimeout and
	// nothing stored, while a slow upload that keeps sending runs as long
	// as it needs (uploads may be gigabytes, so there is no total bound).
	// Default DefaultBodyIdleTimeout (1 minute); negative: no bound. It
	// needs the http.Server's connection (http.ResponseController); under
	// a server that does not support read deadlines it does nothing.
	BodyIdleTimeout time.Duration
	// WriteFault, when set, is asked before every write to a temporary
	// file with what is being written (WriteBody: a PutObject, PostObject
	// or UploadPart body; WriteConcat: the object CompleteMultipartUpload
	// assembles; WriteMeta: an object's or part's metadata), how many
	// bytes of that file are already written and how many this write adds.
	// A non-nil error fails the write as the disk would: return, say,
	// syscall.ENOSPC once offset+n passes a capacity to play a full disk. The request then fails with 500 InternalError, its temporary
	// file is removed and the object it would have replaced stays intact.
	// It is called concurrently, from the requests' goroutines. For fault
	// tests; nil (no faults) in normal use.
	WriteFault func(kind WriteKind, offset int64, n int) error
	// Now is the clock; nil means time.Now. It is read once per request.
	Now func() time.Time
	// Logger receives one line per request and every internal error;
	// nil discards. Secrets, Authorization values and tokens are never logged.
	Logger *slog.Logger

	// Misbehaviour, for the conformance suite's self-test only
	// (internal/conformance TestSuiteCatchesMisbehaviour): it makes the
	// emulator unlike OSS on purpose. Never set it anywhere else.

	// IgnorePolicyConditions names PostObject policy conditions the
	// emulator does not enforce. An entry is an operator, which ignores
	// every condition with it ("content-length-range", "in"), or an
	// operator and a field ("starts-with $key", "eq $content-type"),
	// compared case-insensitively. Empty: every condition is enforced, as
	// OSS does.
	IgnorePolicyConditions []string

	// Knobs that break the emulator like a misconfigured account or
	// endpoint, for tests of diagnostics (knobs.go). Each has a Server
	// setter that changes it while the server runs.

	// ClockOffset puts the emulator's clock off by this much: its Date
	// header, signature skew and expiry checks, STS token expiry and
	// Last-Modified use Now()+ClockOffset. Default 0.
	ClockOffset time.Duration
	// RefuseV1 refuses V1 signatures (header, presigned URL, PostObject)
	// with 403 AccessDenied, EC 0002-00000080, as OSS does for accounts
	// and buckets created after V1 was withdrawn. Default false.
	RefuseV1 bool
	// RefuseV4 makes the emulator an endpoint that only knows V1: a V4
	// Authorization header is 400 InvalidArgument, a V4 presigned URL is
	// anonymous (403 AccessDenied), a V4 PostObject form lacks its V1
	// signature fields (400 InvalidArgument). Default false.
	RefuseV4 bool
	// PublicEndpointForbidden refuses data operations (everything but the
	// bucket configuration calls) on hosts that are not CNAMEs with 400
	// PublicEndpointForbidden, EC 0048-00000401, as OSS does on default
	// public endpoints for accounts opened since March 2025. Default false.
	PublicEndpointForbidden bool
}

// ignoreConditions returns p without the conditions
// Config.IgnorePolicyConditions names (p itself when it names none).
func (cfg *Config) ignoreConditions(p *policy.Policy) *policy.Policy {
	if len(cfg.IgnorePolicyConditions) == 0 {
		return p
	}
	q := *p
	q.Conditions = nil
	for _, c := range p.Conditions {
		ignored := false
		for _, name := range cfg.IgnorePolicyConditions {
			op, field, _ := strings.Cut(strings.TrimSpace(name), " ")
			if strings.EqualFold(op, string(c.Op)) && (field == "" || strings.EqualFold(strings.TrimPrefix(field, "$"), c.Field)) {
				ignored = true
			}
		}
		if !ignored {
			q.Conditions = append(q.Conditions, c)
		}
	}
	return &q
}

// WriteKind says what a write to a temporary file is for (Config.WriteFault).
type WriteKind string

// The writes Config.WriteFault is asked about.
const (
	WriteBody   WriteKind = "body"   // a PutObject, PostObject or UploadPart body being received
	WriteConcat WriteKind = "concat" // CompleteMultipartUpload assembling the object from its parts
	WriteMeta   WriteKind = "meta"   // an object's or a part's metadata (JSON)
)

// Sentinel errors for Credentials implementations; wrap them with %w.
var (
	// ErrUnknownAccessKey reports an access key id the emulator does not
	// know: 403 InvalidAccessKeyId.
	ErrUnknownAccessKey = errors.New("ossemu: unknown access key id")
	// ErrSecurityTokenExpired reports an expired STS token: 403
	// SecurityTokenExpired.
	ErrSecurityTokenExpired = errors.New("ossemu: security token expired")
	// ErrInvalidSecurityToken reports a token that is malformed, unknown,
	// not issued for the access key, or sent with a permanent key: 403
	// InvalidSecurityToken.
	ErrInvalidSecurityToken = errors.New("ossemu: invalid security token")
	// ErrInvalidConfig reports a Config that New refuses.
	ErrInvalidConfig = errors.New("ossemu: invalid config")
)

// Credentials is what the emulator trusts. It is declared here, by its
// consumer; the dev stack puts the root key pair and the STS emulator's
// authority behind it.
type Credentials interface {
	// Lookup returns the principal for an access key id and the security
	// token presented with it ("" = none), at now. Errors wrap
	// ErrUnknownAccessKey, ErrSecurityTokenExpired or ErrInvalidSecurityToken;
	// any other error is an internal error (500).
	Lookup(accessKeyID, securityToken string, now time.Time) (Principal, error)
}

// Principal is an authenticated identity.
type Principal struct {
	// Secret is the access key secret the request must be signed with.
	Secret string
	// Allowed reports whether the principal may perform action (a RAM
	// action such as "oss:PutObject") on resource
	// ("acs:oss:*:*:<bucket>/<key>"). Nil allows everything (the root
	// identity).
	Allowed func(action, resource string) bool
	// ID names the principal as a bucket overwrite rule's Principals do
	// (OSS's bucket-policy Principal): the account or RAM user id of a
	// permanent key, "<role-id>:<session-name>" (STS's AssumedRoleId) for
	// STS credentials. Empty: only rules without principals, or with the
	// principal "*", apply to it. StaticCredentials leaves it empty.
	ID string
}

// StaticCredentials maps access key ids to secrets. Every key is a root
// identity (allowed everything); a security token is refused.
type StaticCredentials map[string]string

var _ Credentials = StaticCredentials(nil)

// Lookup implements Credentials.
func (c StaticCredentials) Lookup(accessKeyID, securityToken string, _ time.Time) (Principal, error) {
	secret, ok := c[accessKeyID]
	if !ok {
		return Principal{}, ErrUnknownAccessKey
	}
	if securityToken != "" {
		return Principal{}, fmt.Errorf("%w: a permanent access key takes no security token", ErrInvalidSecurityToken)
	}
	return Principal{Secret: secret}, nil
}

// validate applies defaults to a copy of cfg and checks it.
func (cfg Config) validate() (Config, error) {
	bad := func(format string, args ...any) (Config, error) {
		return cfg, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	if cfg.Dir == "" {
		return bad("Dir is required")
	}
	if cfg.Credentials == nil {
		return bad("Credentials is required")
	}
	cfg.Region = signing.RegionID(cfg.Region)
	if cfg.Region == "" {
		cfg.Region = "cn-hangzhou"
	}
	seen := map[string]bool{}
	for _, b := range cfg.Buckets {
		if !validBucketName(b) {
			return bad("bucket %q: not a valid OSS bucket name", b)
		}
		if seen[b] {
			return bad("bucket %q listed twice", b)
		}
		seen[b] = true
	}
	cnames := make(map[string]string, len(cfg.CNAMEs))
	for host, b := range cfg.CNAMEs {
		h := strings.ToLower(host)
		if h == "" || strings.Contains(h, ":") || h == "localhost" || net.ParseIP(h) != nil {
			return bad("CNAMEs: host %q must be a domain name without port", host)
		}
		if !seen[b] {
			return bad("CNAMEs: host %q names bucket %q, which is not in Buckets", host, b)
		}
		cnames[h] = b
	}
	cfg.CNAMEs = cnames
	for _, o := range cfg.CORSOrigins {
		if o == "" || strings.Count(o, "*") > 1 {
			return bad("CORSOrigins: %q must be non-empty with at most one \"*\"", o)
		}
	}
	if cfg.KeyURLPath == "" {
		cfg.KeyURLPath = DefaultKeyURLPath
	}
	if !strings.HasPrefix(cfg.KeyURLPath, "/") || !strings.HasSuffix(cfg.KeyURLPath, "/") || len(cfg.KeyURLPath) < 3 {
		return bad("KeyURLPath %q must start and end with \"/\" and name a folder", cfg.KeyURLPath)
	}
	if first, _, _ := strings.Cut(cfg.KeyURLPath[1:], "/"); validBucketName(first) {
		return bad("KeyURLPath %q: first segment %q is a valid bucket name and could shadow objects", cfg.KeyURLPath, first)
	}
	if cfg.MaxObjectSize < 0 {
		return bad("MaxObjectSize must be >= 0")
	}
	if cfg.BodyIdleTimeout == 0 {
		cfg.BodyIdleTimeout = DefaultBodyIdleTimeout
	}
	if cfg.MaxObjectSize == 0 {
		cfg.MaxObjectSize = DefaultMaxObjectSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg, nil
}

// validBucketName reports whether name follows OSS's bucket naming rules.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '-' && i > 0 && i < len(name)-1:
		default:
			return false
		}
	}
	return true
}
