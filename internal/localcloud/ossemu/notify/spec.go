package notify

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// Body types OSS accepts in callbackBodyType.
const (
	// BodyTypeForm is the default body type; variable values are
	// URL-encoded.
	BodyTypeForm = "application/x-www-form-urlencoded"
	// BodyTypeJSON makes string variables JSON strings and numbers raw.
	BodyTypeJSON = "application/json"
)

// Limits OSS documents for the callback parameters.
const (
	// MaxParamLen is the largest callback or callback-var parameter, in
	// bytes of its Base64 form as sent (5 KB).
	MaxParamLen = 5 << 10
	// MaxURLs is the largest number of ";"-separated URLs in callbackUrl.
	MaxURLs = 5
)

// Spec is a validated upload-callback request.
type Spec struct {
	// URLs is callbackUrl split on ";" (1..5), tried in order until one
	// succeeds. Parse stores each URL as given, except that the scheme is
	// lower-cased and "http://" is prepended when there was none.
	URLs []string
	// Host is callbackHost, the Host header to send ("" = the URL's host).
	Host string
	// Body is the callbackBody template.
	Body string
	// BodyType is BodyTypeForm (also when "") or BodyTypeJSON.
	BodyType string
	// SNI is callbackSNI. See the package documentation: it is recorded but
	// not emulated.
	SNI bool
	// Vars are the custom variables, "x:name" -> value.
	Vars map[string]string
}

// Parse validates the callback parameter (Base64 JSON, as sent in the
// x-oss-callback header, the callback query parameter or the PostObject
// callback form field) and callback-var (Base64 JSON object; "" when absent)
// like OSS. formVars are PostObject's "x:name" form fields (nil otherwise);
// keys without the "x:" prefix are ignored, and a form field overrides a
// callback-var entry of the same name. Every error is an *ArgumentError
// wrapping ErrInvalidArgument with an OSS-like message naming what is wrong.
//
// Call Parse only when the request carried a callback; callback == "" is an
// error. Unknown keys in the callback JSON are ignored, as OSS does.
func Parse(callback, callbackVar string, formVars map[string]string) (*Spec, error) {
	fields, err := decodeObject("callback", callback)
	if err != nil {
		return nil, err
	}
	spec := &Spec{}

	rawURL, present, err := stringField(fields, "callbackUrl", ecBadURL)
	if err != nil {
		return nil, err
	}
	if !present {
		return nil, argErr(ecBadURL, "The callbackUrl field of the callback parameter is missing.")
	}
	if spec.URLs, err = splitURLs(rawURL); err != nil {
		return nil, err
	}

	if spec.Host, _, err = stringField(fields, "callbackHost", ""); err != nil {
		return nil, err
	}
	if err := checkHost(spec.Host); err != nil {
		return nil, err
	}

	body, present, err := stringField(fields, "callbackBody", ecEmptyBody)
	if err != nil {
		return nil, err
	}
	if !present {
		return nil, argErr(ecEmptyBody, "The callbackBody field of the callback parameter is missing.")
	}
	if body == "" {
		return nil, argErr(ecEmptyBody, "The callbackBody field of the callback parameter is empty.")
	}
	if _, err := parseTemplate(body); err != nil {
		return nil, err
	}
	spec.Body = body

	bodyType, _, err := stringField(fields, "callbackBodyType", ecBadBodyType)
	if err != nil {
		return nil, err
	}
	if spec.BodyType, err = normBodyType(bodyType); err != nil {
		return nil, err
	}

	if raw, ok := fields["callbackSNI"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &spec.SNI); err != nil {
			return nil, argErr("", "The callbackSNI field of the callback parameter must be a boolean.")
		}
	}

	if spec.Vars, err = parseVars(callbackVar, formVars); err != nil {
		return nil, err
	}
	return spec, nil
}

// decodeObject decodes a Base64 parameter holding a JSON object. name is
// "callback" or "callback-var" and appears in messages.
func decodeObject(name, param string) (map[string]json.RawMessage, error) {
	if param == "" {
		return nil, argErr("", "The %s parameter is empty.", name)
	}
	if len(param) > MaxParamLen {
		return nil, argErr("", "The %s parameter is longer than 5KB.", name)
	}
	raw, err := decodeBase64(param)
	if err != nil {
		ec := ""
		if name == "callback" {
			ec = ecBadBase64
		}
		return nil, argErr(ec, "The %s parameter is not valid Base64.", name)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, argErr("", "The %s parameter is not a valid JSON object.", name)
	}
	return fields, nil
}

// decodeBase64 accepts standard Base64 (RFC 4648 §4) with or without
// padding; line breaks are ignored, as encoding/base64 does.
func decodeBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// stringField returns fields[key] as a string. present is false when the key
// is absent or null. A value of another JSON type is an error with the given
// EC.
func stringField(fields map[string]json.RawMessage, key, ec string) (val string, present bool, err error) {
	raw, ok := fields[key]
	if !ok || isNull(raw) {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &val); err != nil {
		return "", false, argErr(ec, "The %s field of the callback parameter must be a string.", key)
	}
	return val, true, nil
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// splitURLs splits callbackUrl on ";" and checks every URL. Empty entries
// (a trailing ";", white space) are skipped.
func splitURLs(s string) ([]string, error) {
	var urls []string
	for p := range strings.SplitSeq(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			urls = append(urls, p)
		}
	}
	if len(urls) == 0 {
		return nil, argErr(ecBadURL, "The callbackUrl field of the callback parameter is empty.")
	}
	if len(urls) > MaxURLs {
		return nil, argErr(ecTooManyURLs, "The callbackUrl field of the callback parameter has %d URLs; at most %d are allowed.", len(urls), MaxURLs)
	}
	for i, u := range urls {
		norm, err := checkURL(u)
		if err != nil {
			return nil, err
		}
		urls[i] = norm
	}
	return urls, nil
}

// checkURL validates one callback URL and returns it with "http://" added
// when it had no scheme (OSS's own samples use "host:port/path").
func checkURL(raw string) (string, error) {
	bad := func(why string) error {
		return argErr(ecBadURL, "The callbackUrl %q is invalid: %s.", raw, why)
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c >= 0x7f {
			return "", bad("it must be URL-encoded (no spaces, control or non-ASCII characters)")
		}
	}
	var s string
	if scheme, rest, ok := strings.Cut(raw, "://"); ok && isScheme(scheme) {
		scheme = strings.ToLower(scheme)
		if scheme != "http" && scheme != "https" {
			return "", bad("only http and https are supported")
		}
		s = scheme + "://" + rest
	} else {
		s = "http://" + raw
	}
	u, err := url.Parse(s)
	if err != nil {
		if strings.Contains(err.Error(), "port") {
			return "", bad("the port must be a number from 1 to 65535")
		}
		return "", bad("it is not a valid URL")
	}
	switch {
	case u.User != nil:
		return "", bad("it must not contain user information")
	case strings.HasPrefix(u.Host, "["):
		return "", bad("IPv6 addresses are not supported")
	case u.Hostname() == "":
		return "", bad("it has no host")
	}
	if strings.HasSuffix(u.Host, ":") {
		return "", bad("the port must be a number from 1 to 65535")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", bad("the port must be a number from 1 to 65535")
		}
	}
	return s, nil
}

// isScheme reports whether s matches RFC 3986's scheme grammar
// ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
func isScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// checkHost validates callbackHost: printable ASCII without white space or
// URL delimiters, so that it is a usable Host header ("host" or
// "host:port").
func checkHost(h string) error {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`/\?#@"`, c) >= 0 {
			return argErr("", "The callbackHost field of the callback parameter is not a valid host.")
		}
	}
	return nil
}

// normBodyType returns the canonical body type. Matching ignores case and
// surrounding white space; "" means BodyTypeForm.
func normBodyType(t string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "", BodyTypeForm:
		return BodyTypeForm, nil
	case BodyTypeJSON:
		return BodyTypeJSON, nil
	}
	return "", argErr(ecBadBodyType, "The callbackBodyType %q is not supported; use %s or %s.", t, BodyTypeForm, BodyTypeJSON)
}

// parseVars decodes callback-var and merges the PostObject form variables
// over it.
func parseVars(callbackVar string, formVars map[string]string) (map[string]string, error) {
	vars := map[string]string{}
	if callbackVar != "" {
		fields, err := decodeObject("callback-var", callbackVar)
		if err != nil {
			return nil, err
		}
		for k, raw := range fields {
			if !strings.HasPrefix(k, "x:") || len(k) == len("x:") {
				return nil, argErr("", "The callback-var key %q must start with \"x:\" followed by a name.", k)
			}
			var v string
			if isNull(raw) || json.Unmarshal(raw, &v) != nil {
				return nil, argErr("", "The callback-var value of %q must be a string.", k)
			}
			vars[k] = v
		}
	}
	for k, v := range formVars {
		if strings.HasPrefix(k, "x:") && len(k) > len("x:") {
			vars[k] = v
		}
	}
	return vars, nil
}

// check validates a Spec that may have been built by hand, with the rules
// Parse applies. Send calls it before sending anything.
func (s *Spec) check() error {
	if s == nil {
		return argErr("", "No callback was given.")
	}
	if len(s.URLs) == 0 {
		return argErr(ecBadURL, "The callbackUrl field of the callback parameter is empty.")
	}
	if len(s.URLs) > MaxURLs {
		return argErr(ecTooManyURLs, "The callbackUrl field of the callback parameter has %d URLs; at most %d are allowed.", len(s.URLs), MaxURLs)
	}
	for _, u := range s.URLs {
		if _, err := checkURL(u); err != nil {
			return err
		}
	}
	if err := checkHost(s.Host); err != nil {
		return err
	}
	if s.Body == "" {
		return argErr(ecEmptyBody, "The callbackBody field of the callback parameter is empty.")
	}
	return nil
}
