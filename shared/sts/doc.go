// Package sts obtains temporary OSS upload credentials from Alibaba Cloud
// Security Token Service (STS) with AssumeRole, through the official SDK
// github.com/alibabacloud-go/sts-20150401/v2, and caches them.
//
// A [Client] assumes one RAM role (Config.RoleARN) for many subjects. Each
// call to [Client.Credentials] names a subject (the authenticated caller), an
// upload profile and the session policy that confines the credentials, as
// built by shared/upload's Grant.SessionPolicy. The credentials it returns can
// do at most what both the role and the session policy allow.
//
// # The AssumeRole call
//
// Reference: AssumeRole, https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole,
// and the project digests reference/oss-protocol.md §7 and reference/fc3.md §5.
//
//	POST <protocol>://<Endpoint>/?Action=AssumeRole&Version=2015-04-01&Format=json
//	     &RoleArn=<Config.RoleARN>&RoleSessionName=<RoleSessionName(subject)>
//	     &DurationSeconds=<Config.Duration>&Policy=<session policy>
//	     &AccessKeyId=...&SecurityToken=...&Signature=...   (RPC signature, HMAC-SHA1)
//
// The call is signed with credentials from Config.Credentials, a
// shared/credentials Provider asked afresh for every call because they may
// rotate: in Function Compute they are the function role's own temporary
// credentials, passed with each invocation or read from the environment FC
// sets. The SDK client is built per call for the same reason.
// Each call is bounded by Config.Timeout and is never retried here.
//
// # Caching
//
// Credentials are cached per (subject, profile, SHA-256 of the session
// policy) and handed out again until Config.Reuse before they expire, so a
// caller always gets at least Reuse of validity. Concurrent callers asking for
// the same key share a single STS call. The cache holds at most
// Config.MaxEntries entries; when it is full, entries already inside their
// reuse window are dropped first, then the least recently used one. The cache
// lives in process memory: every FC instance has its own.
//
// # Errors
//
// Failures are [*Error] values matching one of the sentinels in errors.go:
//
//   - [ErrUnavailable]: STS throttled the call (Throttling, Throttling.User,
//     "Request was denied due to user flow control", HTTP 429/503), answered
//     with a 5xx, timed out, or could not be reached. Error.RetryAfter says how
//     long to wait; an HTTP layer answers 503 with a Retry-After header.
//   - [ErrMisconfigured]: STS refused the role or the caller (NoPermission,
//     EntityNotExist.Role, InvalidParameter*, signature or access key
//     problems), or the credentials provider has none. This is a deployment
//     problem: an HTTP layer answers 500 with a generic message and logs the
//     error.
//   - [ErrInvalidArgument]: a caller passed an empty subject or an unusable
//     session policy.
//
// Error messages and log records never contain the signer's secret or
// security token, nor the secrets STS returns: transport errors lose the
// request URL (whose query carries the signer's token), STS messages are cut
// before any "string to sign" and scrubbed of the signer's secrets.
//
// # What it deliberately does not do
//
// It does not retry, does not cache failures, does not validate the session
// policy's grammar (STS does, answering InvalidParameter.PolicyGrammar) and
// does not read the environment: where the signing credentials come from is
// the caller's choice (shared/app.Run picks the FC chain).
package sts
