package callback

import (
	"encoding/base64"
	"strings"
)

const (
	// maxAuthorizationLen bounds the authorization header: base64 of an
	// 8192-bit signature is 1368 bytes.
	maxAuthorizationLen = 2048
	// maxKeyURLHeaderLen bounds the x-oss-pub-key-url header: base64 of a
	// maxKeyURLLen-byte URL.
	maxKeyURLHeaderLen = (maxKeyURLLen + 2) / 3 * 4
)

// DecodeAuthorization decodes the authorization header of an OSS callback
// into the raw signature bytes. The value is standard base64 with padding
// (RFC 4648 §4); surrounding white space is ignored. A missing, oversized or
// malformed value yields an error wrapping [ErrBadAuthorization].
func DecodeAuthorization(header string) ([]byte, error) {
	b, reason := decodeBase64(header, maxAuthorizationLen)
	if reason != "" {
		return nil, errorf(ErrBadAuthorization, "%s", reason)
	}
	return b, nil
}

// DecodeKeyURL decodes the x-oss-pub-key-url header of an OSS callback into
// the public key URL. Like [DecodeAuthorization] it accepts standard base64
// with surrounding white space, and it reports failures with an error
// wrapping [ErrBadKeyURL]. It does not judge the URL: pass the result to
// [CheckKeyURL] before fetching it, or use [Input.KeyURL], which does both.
func DecodeKeyURL(header string) (string, error) {
	b, reason := decodeBase64(header, maxKeyURLHeaderLen)
	if reason != "" {
		return "", errorf(ErrBadKeyURL, "%s", reason)
	}
	return string(b), nil
}

// decodeBase64 decodes s as padded standard base64 after trimming white
// space. It returns a non-empty reason, which never quotes s, on failure.
func decodeBase64(s string, maxLen int) ([]byte, string) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, "header is missing or empty"
	case len(s) > maxLen:
		return nil, "header is too long"
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, "header is not valid base64"
	}
	if len(b) == 0 {
		return nil, "header decodes to nothing"
	}
	return b, ""
}
