package signing

import "time"

// PostSignatureV1 returns the V1 PostObject Signature field:
// base64(HMAC-SHA1(secret, policy)), over the policy form value byte for
// byte (it is never decoded or re-encoded).
func PostSignatureV1(secret, policyBase64 string) string {
	return SignatureV1(secret, policyBase64)
}

// PostSignatureV4 returns the V4 PostObject x-oss-signature field: lower-case
// hex HMAC-SHA256 of the policy form value with the signing key of t's date,
// region and product "oss".
func PostSignatureV4(secret string, t time.Time, region, policyBase64 string) string {
	return SignatureV4(secret, t, region, "oss", policyBase64)
}
