package upload

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Name limits.
const (
	// MaxSubjectLength bounds a sanitised subject, in bytes.
	MaxSubjectLength = 128
	// MaxFilenameLength bounds a client file name, in bytes.
	MaxFilenameLength = 255
	// MaxKeyLength is OSS's object-name limit, in bytes.
	MaxKeyLength = 1023
)

// SanitizeSubject maps an authenticated subject to a string that is safe
// as one path segment. The mapping is injective, so two subjects never
// share a directory: bytes in [A-Za-z0-9._-] are kept, every other byte
// (including "~" itself, "/" and every byte of a multi-byte character) is
// written "~XX" in upper-case hex, and a leading "." is escaped too (so
// "." and ".." become "~2E" and "~2E."). An empty subject, or a result
// longer than [MaxSubjectLength] bytes, is an error ([ErrInvalidSubject]).
func SanitizeSubject(subject string) (string, error) {
	if subject == "" {
		return "", &FieldError{Field: "subject", Reason: "must not be empty", Err: ErrInvalidSubject}
	}
	const hex = "0123456789ABCDEF"
	plain := len(subject) <= MaxSubjectLength
	for i := 0; i < len(subject) && plain; i++ {
		plain = keepSubjectByte(subject[i]) && (subject[i] != '.' || i > 0)
	}
	if plain { // nothing to escape: no copy
		return subject, nil
	}
	b := make([]byte, 0, len(subject))
	for i := 0; i < len(subject); i++ {
		c := subject[i]
		if keepSubjectByte(c) && (c != '.' || i > 0) {
			b = append(b, c)
		} else {
			b = append(b, '~', hex[c>>4], hex[c&0xf])
		}
		if len(b) > MaxSubjectLength {
			return "", &FieldError{
				Field:  "subject",
				Reason: fmt.Sprintf("longer than %d bytes once escaped", MaxSubjectLength),
				Err:    ErrInvalidSubject,
			}
		}
	}
	return string(b), nil
}

func keepSubjectByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}

// ValidateFilename checks a client-supplied file name (see the package
// documentation for the rules). Errors are [*FieldError] values for field
// "filename" matching [ErrInvalidName].
func ValidateFilename(name string) error {
	if name == "" {
		return nameError("filename", "must not be empty")
	}
	if len(name) > MaxFilenameLength {
		return nameError("filename", fmt.Sprintf("longer than %d bytes", MaxFilenameLength))
	}
	return checkPath("filename", name)
}

// ValidateKey checks an object key: 1 to [MaxKeyLength] bytes, and the
// same character and segment rules as a file name. Errors are
// [*FieldError] values for field "key" matching [ErrInvalidName].
func ValidateKey(key string) error {
	if key == "" {
		return nameError("key", "must not be empty")
	}
	if len(key) > MaxKeyLength {
		return nameError("key", fmt.Sprintf("longer than %d bytes", MaxKeyLength))
	}
	return checkPath("key", key)
}

// checkPath applies the character and segment rules to a non-empty name.
func checkPath(field, s string) error {
	if !utf8.ValidString(s) {
		return nameError(field, "not valid UTF-8")
	}
	for _, r := range s {
		if r == '\\' {
			return nameError(field, "must not contain a backslash")
		}
		if unsafeRune(r) {
			return nameError(field, fmt.Sprintf("must not contain control character %U", r))
		}
	}
	if strings.HasPrefix(s, "/") {
		return nameError(field, `must not start with "/"`)
	}
	if strings.HasSuffix(s, "/") {
		return nameError(field, `must not end with "/"`)
	}
	for seg := range strings.SplitSeq(s, "/") {
		switch seg {
		case "":
			return nameError(field, `must not contain an empty segment ("//")`)
		case ".", "..":
			return nameError(field, "must not contain a "+strconv.Quote(seg)+" segment")
		}
	}
	return nil
}

// unsafeRune reports control characters (C0, DEL, C1) and the Unicode
// bidirectional controls that can disguise a name (e.g. U+202E).
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

func nameError(field, reason string) error {
	return &FieldError{Field: field, Reason: reason, Err: ErrInvalidName}
}

// extension returns the lower-cased extension of the last segment of
// name, without the dot, or "" when there is none (a leading dot, as in
// ".profile", does not start an extension).
func extension(name string) string {
	base := name[strings.LastIndexByte(name, '/')+1:]
	i := strings.LastIndexByte(base, '.')
	if i <= 0 || i == len(base)-1 {
		return ""
	}
	return strings.ToLower(base[i+1:])
}

func quote(s string) string { return strconv.Quote(s) }
