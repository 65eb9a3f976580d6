package auth

import (
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"
)

const (
	// maxTokenLen bounds a bearer token. Real ID and access tokens are a
	// few KiB at most; anything longer is refused before it is decoded.
	maxTokenLen = 8 << 10
	// maxAPIKeyLen bounds a presented API key.
	maxAPIKeyLen = 1 << 10
)

// singleHeader returns the one value of header name. present is false when
// the header is absent; an error (wrapping ErrInvalidCredentials) reports a
// header sent more than once, which is ambiguous.
func singleHeader(h http.Header, name string) (value string, present bool, err error) {
	vs := h.Values(name)
	switch len(vs) {
	case 0:
		return "", false, nil
	case 1:
		return vs[0], true, nil
	default:
		return "", true, errorf(ErrInvalidCredentials, "%s header sent %d times", name, len(vs))
	}
}

// splitAuthorization splits an Authorization header value into its scheme
// and the rest (RFC 9110 §11.4: auth-scheme, one or more spaces, then the
// credentials). Surrounding spaces and tabs are ignored. scheme is a
// non-empty RFC 9110 token; rest has no leading or trailing white space and
// may be empty (a bare scheme). An empty value wraps ErrMissingCredentials;
// a value that does not start with a token wraps ErrInvalidCredentials.
// Neither error repeats any part of v.
func splitAuthorization(v string) (scheme, rest string, err error) {
	v = trimOWS(v)
	if v == "" {
		return "", "", errorf(ErrMissingCredentials, "Authorization header is empty")
	}
	scheme = v
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		scheme, rest = v[:i], v[i+1:]
	}
	if !isToken(scheme) {
		return "", "", errorf(ErrInvalidCredentials, "Authorization header does not start with a scheme name")
	}
	return scheme, trimOWS(rest), nil
}

// bearerToken extracts the token from an Authorization header value of the
// Bearer scheme (RFC 6750 §2.1; the scheme name is case-insensitive). The
// token must be a single token68 of at most maxTokenLen bytes. Errors
// never repeat the credentials.
func bearerToken(v string) (string, error) {
	scheme, tok, err := splitAuthorization(v)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(scheme, "Bearer") {
		return "", errorf(ErrInvalidCredentials, "Authorization scheme %s not accepted, want Bearer", schemeName(scheme))
	}
	switch {
	case tok == "":
		return "", errorf(ErrInvalidCredentials, "Authorization header has the Bearer scheme but no token")
	case len(tok) > maxTokenLen:
		return "", errorf(ErrInvalidCredentials, "bearer token is longer than %d bytes", maxTokenLen)
	case !isToken68(tok):
		return "", errorf(ErrInvalidCredentials, "bearer token is not a single token68 value (RFC 6750 §2.1)")
	}
	return tok, nil
}

// knownSchemes are the scheme names an error message may name. Any other
// scheme is not repeated, because a client that forgot the scheme sends its
// credential where the scheme belongs.
var knownSchemes = []string{"Basic", "Bearer", "Digest", "DPoP", "Negotiate", "NTLM", "ApiKey", "Token", "HOBA", "Mutual", "SCRAM-SHA-256", "AWS4-HMAC-SHA256"}

// schemeName names scheme for an error message: the canonical spelling of a
// well-known scheme, quoted, or "(unrecognised)".
func schemeName(scheme string) string {
	for _, k := range knownSchemes {
		if strings.EqualFold(scheme, k) {
			return `"` + k + `"`
		}
	}
	return "(unrecognised)"
}

func trimOWS(s string) string { return strings.Trim(s, " \t") }

// isToken reports whether s is a non-empty RFC 9110 token (tchar+), the
// syntax of methods, header names and auth schemes.
func isToken(s string) bool { return httpguts.ValidHeaderFieldName(s) }

// isToken68 reports whether s is a non-empty RFC 9110 token68:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isToken68(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/':
		default:
			return false
		}
	}
	return true
}
