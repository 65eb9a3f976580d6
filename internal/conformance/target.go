package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"time"

	"ossdirect/shared/signing"
)

// Target is what the suite runs against: the emulator or a real bucket.
type Target struct {
	// Name labels the target in failure messages ("emulator", "live").
	Name string
	// Endpoint is the OSS endpoint URL with its scheme:
	// "http://127.0.0.1:9000" (the emulator) or
	// "https://oss-cn-hangzhou.aliyuncs.com". Required.
	Endpoint string
	// PathStyle addresses the bucket in the path ("/<bucket>/<key>"), as
	// the emulator requires; otherwise the bucket is in the host
	// (virtual-hosted, as real OSS requires).
	PathStyle bool
	// Bucket is the bucket written to. Required. Only keys under Prefix
	// are written, and they are deleted afterwards.
	Bucket string
	// Region is the region id V4 signatures name, e.g. "cn-hangzhou".
	// Required.
	Region string
	// AccessKeyID and AccessKeySecret are static credentials allowed to
	// put, get, head, list and delete objects and to run and abort
	// multipart uploads under Prefix. Required. They are never logged.
	AccessKeyID, AccessKeySecret string

	// Prefix is the run's unique key prefix, ending with "/". Empty:
	// "ossdirect-conformance/<run-id>/" with a random run id.
	Prefix string

	// STS, when set, runs the cases with temporary credentials confined
	// by a session policy; nil skips them with the reason.
	STS *STS
	// Callback, when set, runs the upload-callback cases; nil skips them
	// with the reason.
	Callback *Callback
	// CORSOrigin is an origin the bucket's CORS rules allow for PUT and
	// POST with any header. Empty skips the allowed-preflight cases (the
	// refused ones still run).
	CORSOrigin string

	// Cleanup, when set, runs after the suite has deleted what it wrote
	// (for example to stop servers, or to check an emulator's folders).
	Cleanup func()
}

// STS says how the suite gets temporary credentials.
type STS struct {
	// Endpoint is the STS endpoint as shared/sts takes it:
	// "sts.cn-hangzhou.aliyuncs.com" (HTTPS) or "http://127.0.0.1:9100".
	Endpoint string
	// RoleARN is the role to assume, "acs:ram::<account>:role/<name>". It
	// must allow the bucket's upload actions; the session policy narrows
	// it. AssumeRole is signed with the Target's static credentials.
	RoleARN string
	// AssumeRole, when set, replaces the AssumeRole call through the
	// official STS SDK: it returns temporary credentials limited by the
	// given session policy (a RAM policy document).
	AssumeRole func(ctx context.Context, sessionPolicy string) (signing.Credentials, error)
	// Expired, when set, returns temporary credentials (with the session
	// policy) whose token has already expired; nil skips those cases.
	Expired func(ctx context.Context, sessionPolicy string) (signing.Credentials, error)
}

// Callback describes an application server that OSS can reach and that
// answers like EchoHandler: for a POST it answers 200 with a JSON echo of
// the callback request (so the suite, reading OSS's answer, can verify the
// signature itself), and for a path ending in "/fail" it answers 404.
type Callback struct {
	// URL is the receiver's URL (OSS must be able to reach it).
	URL string
	// KeyURLPrefixes allow-lists the public-key URLs the signature may
	// name (callback.CheckKeyURL); nil means OSS's own
	// (callback.DefaultKeyURLPrefixes).
	KeyURLPrefixes []string
}

// Environment variables FromEnv reads (docs/CONFORMANCE.md).
const (
	EnvEndpoint        = "OSSDIRECT_LIVE_ENDPOINT"
	EnvBucket          = "OSSDIRECT_LIVE_BUCKET"
	EnvRegion          = "OSSDIRECT_LIVE_REGION"
	EnvAccessKeyID     = "OSSDIRECT_LIVE_ACCESS_KEY_ID"
	EnvAccessKeySecret = "OSSDIRECT_LIVE_ACCESS_KEY_SECRET"
	EnvSTSEndpoint     = "OSSDIRECT_LIVE_STS_ENDPOINT"
	EnvSTSRoleARN      = "OSSDIRECT_LIVE_STS_ROLE_ARN"
	EnvCallbackURL     = "OSSDIRECT_LIVE_CALLBACK_URL"
	EnvCORSOrigin      = "OSSDIRECT_LIVE_CORS_ORIGIN"
)

// FromEnv builds a live Target from the OSSDIRECT_LIVE_* variables. It
// reports false when any of the five required ones (endpoint, bucket,
// region, access key id and secret) is unset. The STS cases run when
// OSSDIRECT_LIVE_STS_ROLE_ARN is set (the endpoint defaults to
// sts.<region>.aliyuncs.com), the callback cases when
// OSSDIRECT_LIVE_CALLBACK_URL is, the allowed-preflight cases when
// OSSDIRECT_LIVE_CORS_ORIGIN is. An endpoint without a scheme gets https.
func FromEnv() (Target, bool) {
	get := func(name string) string { return strings.TrimSpace(os.Getenv(name)) }
	t := Target{
		Name:            "live",
		Endpoint:        get(EnvEndpoint),
		Bucket:          get(EnvBucket),
		Region:          signing.RegionID(get(EnvRegion)),
		AccessKeyID:     get(EnvAccessKeyID),
		AccessKeySecret: os.Getenv(EnvAccessKeySecret),
		CORSOrigin:      get(EnvCORSOrigin),
	}
	if t.Endpoint == "" || t.Bucket == "" || t.Region == "" || t.AccessKeyID == "" || t.AccessKeySecret == "" {
		return Target{}, false
	}
	if !strings.Contains(t.Endpoint, "://") {
		t.Endpoint = "https://" + t.Endpoint
	}
	if arn := get(EnvSTSRoleARN); arn != "" {
		ep := get(EnvSTSEndpoint)
		if ep == "" {
			ep = "sts." + t.Region + ".aliyuncs.com"
		}
		t.STS = &STS{Endpoint: ep, RoleARN: arn}
	}
	if u := get(EnvCallbackURL); u != "" {
		t.Callback = &Callback{URL: u}
	}
	return t, true
}

// newRunPrefix returns "ossdirect-conformance/<UTC time>-<random>/".
func newRunPrefix(now time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "ossdirect-conformance/" + now.UTC().Format("20060102t150405") + "-" + hex.EncodeToString(b) + "/"
}

// host returns the endpoint's scheme and host.
func (t *Target) host() (scheme, host string, err error) {
	u, err := url.Parse(t.Endpoint)
	if err != nil {
		return "", "", err
	}
	return u.Scheme, u.Host, nil
}
