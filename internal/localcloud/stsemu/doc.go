// Package stsemu is a local stand-in for Alibaba Cloud Security Token
// Service (STS): an HTTP handler ([Server]) that answers AssumeRole the way
// sts.aliyuncs.com does, and the token [Authority] that issues the
// temporary credentials and lets a local OSS emulator verify them and
// enforce their session [Policy].
//
// # What it emulates
//
// AssumeRole (API version 2015-04-01, RPC style), as called by the official
// Go SDK github.com/alibabacloud-go/sts-20150401/v2 (v2.0.4 with
// darabonba-openapi v2.1.13) configured with
// openapi.Config{Endpoint: "127.0.0.1:PORT", Protocol: "http", ...}, and by
// ali-oss's STS client:
//
//   - GET or POST to "/"; parameters in the query string and/or an
//     application/x-www-form-urlencoded body (the Go SDK sends all of them
//     in the query with an empty body; ali-oss sends a form body). A
//     parameter may appear only once overall.
//   - The legacy RPC signature, SignatureMethod HMAC-SHA1 and
//     SignatureVersion 1.0 ([StringToSignRPC], [SignRPC]); Timestamp within
//     [MaxSkew] of the server clock; SignatureNonce required and refused
//     when replayed while the timestamp could still be accepted (a bounded
//     set, [Config].NonceCapacity).
//   - Parameter checks: RoleArn "acs:ram::<digits>:role/<name>" (any
//     well-formed ARN can be assumed, unless [Config].Roles lists the ones
//     that exist), RoleSessionName 2–64 characters of
//     letters, digits and "_.@-", DurationSeconds [MinDuration] to
//     [Config].MaxDuration (default and maximum 3600), Policy per
//     [ParsePolicy], ExternalId and SourceIdentity checked for format
//     (SourceIdentity is echoed in the response).
//   - The success body {"RequestId","AssumedRoleUser":{"Arn","AssumedRoleId"},
//     "Credentials":{"AccessKeyId","AccessKeySecret","SecurityToken",
//     "Expiration"}} and the POP gateway's error body
//     {"RequestId","HostId","Code","Message","Recommend"} with the matching
//     HTTP status, which the SDK turns into a *tea.SDKError (see Errors).
//
// # Errors
//
//	MissingParameter                   400  a required parameter is absent or empty
//	InvalidParameter                   400  Format, SignatureMethod, SignatureVersion, SignatureType,
//	                                        SignatureNonce, duplicate or malformed parameters, size limits
//	InvalidParameter.RoleArn           400
//	EntityNotExist.Role                404  Config.Roles is set and does not list the role
//	InvalidParameter.RoleSessionName   400
//	InvalidParameter.DurationSeconds   400
//	InvalidParameter.PolicyGrammar     400
//	InvalidParameter.PolicySize        400  over MaxPolicySize characters
//	InvalidParameter.ExternalId        400
//	InvalidParameter.SourceIdentity    400
//	InvalidVersion                     400  Version is not 2015-04-01
//	InvalidTimeStamp.Format            400
//	InvalidTimeStamp.Expired           400  more than MaxSkew away
//	SignatureDoesNotMatch              400  Message ends "server string to sign is:<StringToSign>"
//	SignatureNonceUsed                 400
//	InvalidAccessKeyId.NotFound        404  any access key but the root one
//	InvalidAction.NotFound             404  another Action, or a path other than "/"
//	UnsupportedHTTPMethod              405  neither GET nor POST (emulator-specific code)
//	InternalError                      500  only if issuing fails unexpectedly
//
// Every response carries a request id (body and x-acs-request-id header).
// Messages never contain a secret; the string to sign contains none.
//
// # Faults
//
// [Server.SetFault] makes the server slow or failing from the next request
// on, for tests of its clients: a [Fault] delays every request (until the
// client gives up) and/or answers it with a throttling code (Throttling,
// Throttling.User, Throttling.Api: HTTP 400, as the POP gateway answers
// them), 503 ServiceUnavailable or 500 InternalError, optionally with a
// Retry-After header. Faults act before authentication, as the gateway
// does, so a refused request does not use up its nonce. The zero Fault
// restores normal service.
//
// # Use from the OSS emulator
//
// Build an [Authority] with the same root identity (no state is shared).
// For a request signed with an access key ID starting with "STS.", take
// the security token (x-oss-security-token header, V4 URL query or POST
// form field; security-token in V1 URLs), call [Authority.Lookup], verify
// the request signature with [Identity].AccessKeySecret, then authorise
// with [Identity.Allows](action, [OSSResource](bucket, key)), where action
// is the RAM action (oss:PutObject also covers PostObject and the
// multipart steps Initiate, UploadPart and Complete; oss:ListParts,
// oss:AbortMultipartUpload, oss:GetObject for Get and Head, ...).
//
// # What it does not emulate
//
//   - RAM itself: there are no users, roles, role trust policies or role
//     permission policies. A role is treated as all-powerful, so a session
//     policy is the only restriction on the issued credentials
//     ([Identity.Allows]).
//   - Callers other than the root identity. STS credentials calling
//     AssumeRole (role chaining) get InvalidAccessKeyId.NotFound.
//   - AssumeRoleWithSAML, AssumeRoleWithOIDC, GetCallerIdentity and every
//     other action; MFA; XML responses; the ACS3-HMAC-SHA256 (V3) and
//     bearer-token signatures; token revocation; throttling on its own
//     (see Faults).
//   - Policy conditions: a Condition block is checked for shape but not
//     evaluated. An Allow statement with a Condition grants nothing and a
//     Deny statement with a Condition always applies, so the emulator may
//     refuse what STS would allow, never the reverse.
//
// # Credentials and token format
//
// An [Authority] is stateless: any process built with the same root
// AccessKeyID and AccessKeySecret verifies tokens issued by any other. Two
// keys are derived from the root identity:
//
//	tokenKey  = HMAC-SHA256(rootSecret, "stsemu/v1/security-token"    0x00 rootAccessKeyID)
//	secretKey = HMAC-SHA256(rootSecret, "stsemu/v1/access-key-secret" 0x00 rootAccessKeyID)
//
// Issued credentials are:
//
//	AccessKeyId     = "STS." base32(16 random bytes)                          (no padding, 26 characters A–Z 2–7)
//	AccessKeySecret = base64url(HMAC-SHA256(secretKey, AccessKeyId))          (no padding, 43 characters)
//	SecurityToken   = body "." base64url(HMAC-SHA256(tokenKey, body))         (no padding)
//	body            = "CAIS" base64url(claims)                                (no padding)
//	claims          = {"v":1,"ak":AccessKeyId,"iat":unix,"exp":unix,
//	                   "role":RoleArn,"session":RoleSessionName,"policy":"<policy document>"}
//
// "policy" is omitted without a session policy. The "CAIS" prefix only
// mimics the look of real STS tokens. Claims are not encrypted: anyone can
// read the role, session and policy from a token, as with a JWT, but any
// change invalidates the MAC. [Authority.Lookup] checks the MAC, then that
// the token belongs to the presented AccessKeyId, then expiry, and returns
// the recomputed secret with the parsed policy. A token issued for a policy
// of [MaxPolicySize] characters stays under 24 KiB.
package stsemu
