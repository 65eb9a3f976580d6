package callback

import (
	"net/url"
	"strings"
)

// DefaultKeyURLPrefixes are the public-key URL prefixes OSS documents for its
// callback keys. A nil or empty allow-list passed to [CheckKeyURL],
// [Input.KeyURL] or [VerifyPEM] means exactly these two prefixes; the
// package keeps its own copy, so modifying this variable does not widen or
// narrow that default.
var DefaultKeyURLPrefixes = []string{
	"http://gosspublic.alicdn.com/",
	"https://gosspublic.alicdn.com/",
}

// defaultKeyURLPrefixes is the copy the package uses for a nil allow-list.
var defaultKeyURLPrefixes = append([]string(nil), DefaultKeyURLPrefixes...)

// maxKeyURLLen bounds a public key URL (and an allow-list entry) in bytes.
const maxKeyURLLen = 2048

// CheckKeyURL reports whether keyURL, the decoded x-oss-pub-key-url value,
// may be fetched. It returns nil when the URL is allowed, an error wrapping
// [ErrKeyURLNotAllowed] that names the broken rule when it is not, and an
// error wrapping [ErrBadKeyURLPrefix] when an allow-list entry is itself
// invalid. A nil or empty allowed means [DefaultKeyURLPrefixes].
//
// The check is an allow-list only. A URL is allowed when all of these hold:
//
//   - it is at most 2048 bytes of printable ASCII, with no space, backslash,
//     "%" (no percent-escapes at all, so no encoded traversal or encoded
//     slash), "?" (no query) or "#" (no fragment);
//   - it parses with net/url as an absolute http or https URL with a host
//     and no userinfo;
//   - its path has no "." or ".." segment and no empty segment ("//");
//   - for one allowed prefix, scheme and host (including any port) are equal
//     to the prefix's, and the path starts with the prefix's path.
//
// Scheme and host compare case-insensitively, as RFC 3986 §3.1 and §3.2.2
// say they are (ASCII only; non-ASCII bytes are rejected before that, so no
// Unicode case folding can make a look-alike host match). The path compares
// case-sensitively. A port must appear in the URL exactly when it appears in
// the prefix, with the same digits: "http://gosspublic.alicdn.com:80/" is
// not allowed by the default list. The prefix path is matched as a plain
// string prefix, so an allow-list entry should end with "/".
//
// An allow-list entry must itself pass the same rules (minus the prefix
// match); an entry without a path means "/".
func CheckKeyURL(keyURL string, allowed []string) error {
	if len(allowed) == 0 {
		allowed = defaultKeyURLPrefixes
	}
	prefixes := make([]keyURLParts, 0, len(allowed))
	for i, p := range allowed {
		parts, reason := splitKeyURL(p)
		if reason != "" {
			return errorf(ErrBadKeyURLPrefix, "entry %d: %s", i, reason)
		}
		if parts.path == "" {
			parts.path = "/"
		}
		prefixes = append(prefixes, parts)
	}

	u, reason := splitKeyURL(keyURL)
	if reason != "" {
		return errorf(ErrKeyURLNotAllowed, "%s", reason)
	}
	hostMatched := false
	for _, p := range prefixes {
		if u.scheme != p.scheme || !asciiEqualFold(u.host, p.host) {
			continue
		}
		hostMatched = true
		if strings.HasPrefix(u.path, p.path) {
			return nil
		}
	}
	if hostMatched {
		return errorf(ErrKeyURLNotAllowed, "path is outside every allowed prefix")
	}
	return errorf(ErrKeyURLNotAllowed, "scheme, host or port is not in the allow-list")
}

// ValidateKeyURLPrefixes reports whether every entry of an allow-list is a
// valid prefix for [CheckKeyURL]. Call it when loading configuration so that
// a bad entry fails at start-up rather than on the first callback. The error
// wraps [ErrBadKeyURLPrefix].
func ValidateKeyURLPrefixes(prefixes []string) error {
	for i, p := range prefixes {
		if _, reason := splitKeyURL(p); reason != "" {
			return errorf(ErrBadKeyURLPrefix, "entry %d: %s", i, reason)
		}
	}
	return nil
}

// keyURLParts is what CheckKeyURL compares: the lower-case scheme, the host
// with any port (case as given), and the path (which holds no escapes).
type keyURLParts struct {
	scheme, host, path string
}

// splitKeyURL applies the syntax rules of CheckKeyURL to s. It returns the
// parts, or a non-empty reason saying which rule s broke. The reason never
// quotes s.
func splitKeyURL(s string) (keyURLParts, string) {
	if s == "" {
		return keyURLParts{}, "url is empty"
	}
	if len(s) > maxKeyURLLen {
		return keyURLParts{}, "url is longer than 2048 bytes"
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == 0x7f:
			return keyURLParts{}, "url contains a control character"
		case c >= 0x80:
			return keyURLParts{}, "url contains a non-ascii byte"
		case c == ' ':
			return keyURLParts{}, "url contains a space"
		case c == '\\':
			return keyURLParts{}, "url contains a backslash"
		case c == '%':
			return keyURLParts{}, "url contains a percent-escape"
		case c == '?':
			return keyURLParts{}, "url contains a query"
		case c == '#':
			return keyURLParts{}, "url contains a fragment"
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return keyURLParts{}, "url does not parse"
	}
	// url.Parse lower-cases the scheme.
	if u.Scheme != "http" && u.Scheme != "https" {
		return keyURLParts{}, "scheme is not http or https"
	}
	if u.Opaque != "" || u.Host == "" {
		return keyURLParts{}, "url has no host"
	}
	if u.User != nil {
		return keyURLParts{}, "url contains userinfo"
	}
	if strings.HasSuffix(u.Host, ":") {
		return keyURLParts{}, "url has an empty port"
	}
	if strings.Contains(u.Path, "//") {
		return keyURLParts{}, "path contains an empty segment"
	}
	for seg := range strings.SplitSeq(u.Path, "/") {
		if seg == "." || seg == ".." {
			return keyURLParts{}, "path contains a dot segment"
		}
	}
	return keyURLParts{scheme: u.Scheme, host: u.Host, path: u.Path}, ""
}

// asciiEqualFold reports whether a and b are equal under ASCII case folding
// only (unlike strings.EqualFold, which also folds e.g. U+017F to "s").
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}
