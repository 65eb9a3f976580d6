// Package signing implements Alibaba Cloud OSS request signing: the V1
// ("OSS", HMAC-SHA1) and V4 ("OSS4-HMAC-SHA256") header signatures, V1 and V4
// presigned URLs, PostObject policy signatures, and the matching verifiers
// used by the local OSS emulator.
//
// Every function is pure: the signing time and the credentials are
// arguments, nothing here reads the clock, the environment or the network.
// The one piece of state is a small bounded cache of derived V4 signing keys
// (see [SigningKeyV4]), which only memoises a deterministic computation.
//
// # Canonical forms
//
// V1 (https://help.aliyun.com/zh/oss/developer-reference/include-signatures-in-the-authorization-header):
//
//	StringToSign = VERB "\n" Content-MD5 "\n" Content-Type "\n" Date "\n"
//	               CanonicalizedOSSHeaders CanonicalizedResource
//
// CanonicalizedResource is "/bucket/key" with the raw (not percent-encoded)
// key, followed by "?" and the sorted sub-resources. The sub-resource set is
// the official Go SDK v2's (github.com/aliyun/alibabacloud-oss-go-sdk-v2,
// oss/signer/v1.go): a fixed list of 30 names, plus every query parameter
// whose name starts with "x-oss-", plus the names a caller passes in
// [Request.SubResources]. See docs/SIGNING.md for how that set compares with
// the other SDKs.
//
// V4 (https://help.aliyun.com/zh/oss/developer-reference/recommend-to-use-signature-version-4):
//
//	CanonicalRequest = VERB "\n" CanonicalURI "\n" CanonicalQuery "\n"
//	                   CanonicalHeaders "\n" AdditionalHeaders "\n" HashedPayload
//	StringToSign     = "OSS4-HMAC-SHA256" "\n" x-oss-date "\n" Scope "\n" hex(SHA256(CanonicalRequest))
//	Scope            = yyyymmdd "/" region "/" product "/aliyun_v4_request"
//
// The signing key is derived with four chained HMAC-SHA256 steps starting
// from "aliyun_v4" + secret; see [SigningKeyV4].
//
// # What it does not do
//
// It does not send requests, fetch credentials or decide what a client may
// upload: that is the upload package's job. It does not check that an access
// key exists; verifiers take the secret that the caller looked up.
package signing
