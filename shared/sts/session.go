package sts

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// RoleSessionName limits. STS documents 2–32 characters in the 2021 RAM
// reference and 2–64 in the SDK's field documentation; the stricter limit is
// used (reference/oss-protocol.md §7).
const (
	minSessionName = 2
	maxSessionName = 32
	// sessionHashLen is the number of hex digits of SHA-256(subject)
	// appended when the subject had to be changed (48 bits).
	sessionHashLen = 12
)

// RoleSessionName derives the AssumeRole RoleSessionName for subject. The
// session name shows up in the assumed role's ARN and in ActionTrail, so it
// stays readable:
//
//   - a subject that is already valid (2–32 characters, each one of
//     A–Z a–z 0–9 . @ _ -) is used unchanged;
//   - otherwise every other character (rune, or invalid UTF-8 byte) becomes
//     "_", the result is cut to 19 characters, and "-" plus the first 12 hex
//     digits of SHA-256(subject) are appended (just the digits if nothing
//     is left of the subject).
//
// The result is stable, always valid, and distinct subjects get distinct
// names unless 48-bit hashes collide.
func RoleSessionName(subject string) string {
	if validSessionName(subject) {
		return subject
	}
	var b strings.Builder
	for _, r := range subject {
		if r < 0x80 && sessionNameChar(byte(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	sum := sha256.Sum256([]byte(subject))
	suffix := hex.EncodeToString(sum[:])[:sessionHashLen]
	prefix := b.String()
	if n := maxSessionName - 1 - sessionHashLen; len(prefix) > n {
		prefix = prefix[:n]
	}
	if prefix == "" {
		return suffix
	}
	return prefix + "-" + suffix
}

// validSessionName reports whether s can be used as a RoleSessionName as is.
func validSessionName(s string) bool {
	if len(s) < minSessionName || len(s) > maxSessionName {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !sessionNameChar(s[i]) {
			return false
		}
	}
	return true
}

func sessionNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '@' || c == '_' || c == '-'
}
