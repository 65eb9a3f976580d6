package upload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"ossdirect/shared/strictjson"
)

// Naming selects who names the uploaded object.
type Naming string

// Naming values.
const (
	// NamingUUID: the server names the object prefix + UUID + "." + ext.
	NamingUUID Naming = "uuid"
	// NamingClient: the client appends its own name to the directory.
	NamingClient Naming = "client"
)

// Signature versions for [Profile.SignatureVersion] and [Grant.PostForm].
const (
	SignatureV4 = "v4"
	SignatureV1 = "v1"
)

// Profile limits and defaults.
const (
	// MaxObjectSize is the largest object PostObject accepts: 5 GiB.
	MaxObjectSize int64 = 5 << 30
	// DefaultMinSize is minSize when absent: empty files are refused.
	DefaultMinSize int64 = 1
	// DefaultExpires is expires when absent.
	DefaultExpires = 10 * time.Minute
	// MinExpires and MaxExpires bound expires; MaxExpires is the longest
	// V4 presigned URL OSS accepts (604800 s).
	MinExpires = time.Minute
	MaxExpires = 7 * 24 * time.Hour
)

// Duration is a time.Duration written in JSON as a Go duration string
// ("10m", "1h30m").
type Duration time.Duration

// MarshalText writes d as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("upload: %q is not a Go duration such as \"10m\"", b)
	}
	*d = Duration(v)
	return nil
}

// Profile is a named upload rule set. Values returned by [ParseProfiles]
// or decoded with encoding/json have defaults applied and are valid.
type Profile struct {
	// Name is the profile's name (the key in the configuration object).
	Name string `json:"-"`
	// Prefix is the directory template, e.g. "images/{sub}/{yyyy}/{mm}/".
	Prefix string `json:"prefix"`
	// Naming is NamingUUID (default) or NamingClient.
	Naming Naming `json:"naming"`
	// MinSize is the smallest file in bytes (default 1; 0 allows empty files).
	MinSize int64 `json:"minSize"`
	// MaxSize is the largest file in bytes: required, at most MaxObjectSize.
	MaxSize int64 `json:"maxSize"`
	// ContentTypes lists the allowed lower-case media types; empty allows
	// any; a single "type/*" entry allows every subtype of type.
	ContentTypes []string `json:"contentTypes,omitempty"`
	// Expires is how long a grant stays valid (default 10m, 1m … 168h).
	Expires Duration `json:"expires"`
	// ForbidOverwrite makes OSS refuse to replace an existing object
	// (default true).
	ForbidOverwrite bool `json:"forbidOverwrite"`
	// Callback requires an OSS upload callback on every upload.
	Callback bool `json:"callback"`
	// SignatureVersion is SignatureV4 (default) or SignatureV1, the
	// PostObject signature used when the caller does not choose one.
	SignatureVersion string `json:"signatureVersion"`
	// OnViolation is what the callback function does with an object that
	// breaks this profile after the fact (a mode OSS could not hold to it
	// up front): ViolationDelete (default), ViolationQuarantine or
	// ViolationKeep.
	OnViolation string `json:"onViolation"`
	// Sniff makes the callback function also check the type detected from
	// the object's first bytes, not only the Content-Type it was stored
	// with (which the uploading client chose).
	Sniff bool `json:"sniff"`

	// tpl is Prefix parsed when the profile was decoded; compile parses
	// again only when Prefix has changed since.
	tpl *prefixTemplate
}

// What the callback function does with an object that breaks its profile.
const (
	ViolationDelete     = "delete"     // delete it (default)
	ViolationQuarantine = "quarantine" // move it under the deployment's quarantine prefix
	ViolationKeep       = "keep"       // keep it, flag it in the answer and the log
)

// profileJSON is the wire form; pointers mark settings whose absence
// selects a default different from the zero value.
type profileJSON struct {
	Prefix           string   `json:"prefix"`
	Naming           Naming   `json:"naming"`
	MinSize          *int64   `json:"minSize"`
	MaxSize          int64    `json:"maxSize"`
	ContentTypes     []string `json:"contentTypes"`
	Expires          *string  `json:"expires"`
	ForbidOverwrite  *bool    `json:"forbidOverwrite"`
	Callback         bool     `json:"callback"`
	SignatureVersion string   `json:"signatureVersion"`
	OnViolation      string   `json:"onViolation"`
	Sniff            bool     `json:"sniff"`
}

// Profiles maps profile names to profiles.
type Profiles map[string]Profile

var profileName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ParseProfiles parses a JSON object of named profiles, rejecting unknown
// fields and duplicate names, applying defaults and validating every
// profile. Errors are [*ProfileError] values (several are joined) naming
// the profile and the field.
func ParseProfiles(data []byte) (Profiles, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, &ProfileError{Reason: "invalid JSON: " + jsonReason(err)}
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, &ProfileError{Reason: "must be a JSON object of named profiles"}
	}
	ps := Profiles{}
	var errs []error
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, &ProfileError{Reason: "invalid JSON: " + jsonReason(err)}
		}
		name := tok.(string) // object keys are always strings
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, &ProfileError{Profile: name, Reason: "invalid JSON: " + jsonReason(err)}
		}
		if _, dup := ps[name]; dup {
			errs = append(errs, &ProfileError{Profile: name, Reason: "defined more than once"})
			continue
		}
		if !profileName.MatchString(name) {
			errs = append(errs, &ProfileError{Profile: name, Reason: "name must match [a-z0-9][a-z0-9_-]{0,63}"})
		}
		p, perrs := decodeProfile(name, raw)
		errs = append(errs, perrs...)
		ps[name] = p
	}
	if _, err := dec.Token(); err != nil {
		return nil, &ProfileError{Reason: "invalid JSON: " + jsonReason(err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &ProfileError{Reason: "trailing data after the profiles object"}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(ps) == 0 {
		return nil, &ProfileError{Reason: "no profiles defined"}
	}
	return ps, nil
}

// UnmarshalJSON decodes one profile the way [ParseProfiles] does (unknown
// fields rejected, defaults applied, settings validated), so a Profile
// embedded in a larger configuration is never left without its defaults.
// The name is not known here; errors carry Profile "".
func (p *Profile) UnmarshalJSON(data []byte) error {
	v, errs := decodeProfile("", data)
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	*p = v
	return nil
}

// UnmarshalJSON parses ps with [ParseProfiles].
func (ps *Profiles) UnmarshalJSON(data []byte) error {
	v, err := ParseProfiles(data)
	if err != nil {
		return err
	}
	*ps = v
	return nil
}

// Lookup returns the named profile or a [*FieldError] for field "profile"
// listing the known names.
func (ps Profiles) Lookup(name string) (Profile, error) {
	p, ok := ps[name]
	if !ok {
		return Profile{}, &FieldError{
			Field:   "profile",
			Reason:  quote(name) + " not found",
			Allowed: ps.Names(),
			Err:     ErrUnknownProfile,
		}
	}
	return p, nil
}

// Names returns the profile names, sorted.
func (ps Profiles) Names() []string {
	names := make([]string, 0, len(ps))
	for n := range ps {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// decodeProfile decodes raw strictly, applies defaults and validates.
func decodeProfile(name string, raw []byte) (Profile, []error) {
	fail := func(field, reason string) []error {
		return []error{&ProfileError{Profile: name, Field: field, Reason: reason}}
	}
	// encoding/json matches field names case-insensitively, so "maxsize"
	// would silently set maxSize; check the keys exactly first.
	switch field, problem := strictjson.CheckKeys(raw, profileKeys); problem {
	case strictjson.Unknown:
		return Profile{}, fail(field, "unknown field")
	case strictjson.Repeated:
		return Profile{}, fail(field, "set more than once")
	}
	var in profileJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return Profile{}, fail(te.Field, "must be a JSON "+jsonType(te.Type.Kind().String()))
		case errors.As(err, &te):
			return Profile{}, fail("", "must be a JSON object")
		}
		return Profile{}, fail("", "invalid JSON: "+jsonReason(err))
	}
	p := Profile{
		Name:             name,
		Prefix:           in.Prefix,
		Naming:           in.Naming,
		MinSize:          DefaultMinSize,
		MaxSize:          in.MaxSize,
		Expires:          Duration(DefaultExpires),
		ForbidOverwrite:  true,
		Callback:         in.Callback,
		SignatureVersion: strings.ToLower(in.SignatureVersion),
		OnViolation:      in.OnViolation,
		Sniff:            in.Sniff,
	}
	if p.OnViolation == "" {
		p.OnViolation = ViolationDelete
	}
	if p.Naming == "" {
		p.Naming = NamingUUID
	}
	if p.SignatureVersion == "" {
		p.SignatureVersion = SignatureV4
	}
	if in.MinSize != nil {
		p.MinSize = *in.MinSize
	}
	if in.ForbidOverwrite != nil {
		p.ForbidOverwrite = *in.ForbidOverwrite
	}
	if in.Expires != nil {
		d, err := time.ParseDuration(*in.Expires)
		if err != nil {
			return Profile{}, fail("expires", quote(*in.Expires)+` is not a Go duration such as "10m"`)
		}
		p.Expires = Duration(d)
	}
	for _, ct := range in.ContentTypes {
		p.ContentTypes = append(p.ContentTypes, strings.ToLower(strings.TrimSpace(ct)))
	}
	tpl, errs := p.compile()
	if len(errs) > 0 {
		return Profile{}, errs
	}
	p.tpl = tpl
	return p, nil
}

// profileKeys are the JSON field names of a profile, matched exactly.
var profileKeys = []string{
	"prefix", "naming", "minSize", "maxSize", "contentTypes",
	"expires", "forbidOverwrite", "callback", "signatureVersion",
	"onViolation", "sniff",
}

// Validate checks p, including its name; errors are [*ProfileError]
// values, joined.
func (p *Profile) Validate() error {
	var errs []error
	if !profileName.MatchString(p.Name) {
		errs = append(errs, &ProfileError{Profile: p.Name, Reason: "name must match [a-z0-9][a-z0-9_-]{0,63}"})
	}
	_, perrs := p.compile()
	return errors.Join(append(errs, perrs...)...)
}

// compile validates every setting except the name and returns the parsed
// prefix template.
func (p *Profile) compile() (*prefixTemplate, []error) {
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, &ProfileError{Profile: p.Name, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	tpl := p.tpl
	if tpl == nil || tpl.src != p.Prefix {
		var err error
		if tpl, err = parseTemplate(p.Prefix); err != nil {
			fail("prefix", "%v", err)
		}
	}
	switch p.OnViolation {
	case "", ViolationDelete, ViolationQuarantine, ViolationKeep:
	default:
		fail("onViolation", "%s not supported; allowed: delete, quarantine, keep", quote(p.OnViolation))
	}
	if p.Naming != NamingUUID && p.Naming != NamingClient {
		fail("naming", "%s not supported; allowed: uuid, client", quote(string(p.Naming)))
	}
	switch {
	case p.MaxSize <= 0:
		fail("maxSize", "must be > 0")
	case p.MaxSize > MaxObjectSize:
		fail("maxSize", "must be <= %d (5 GiB, the PostObject limit)", MaxObjectSize)
	}
	switch {
	case p.MinSize < 0:
		fail("minSize", "must be >= 0")
	case p.MaxSize > 0 && p.MinSize > p.MaxSize:
		fail("minSize", "must be <= maxSize (%d)", p.MaxSize)
	}
	for i, ct := range p.ContentTypes {
		switch {
		case ct != strings.ToLower(ct):
			fail(contentTypesField(i), "%s must be lower case", quote(ct))
		case strings.HasSuffix(ct, "/*"):
			if !validMediaType(strings.TrimSuffix(ct, "*") + "x") {
				fail(contentTypesField(i), "%s is not a media type wildcard such as image/*", quote(ct))
			} else if len(p.ContentTypes) > 1 {
				fail(contentTypesField(i), "wildcard %s must be the only entry (OSS cannot express a mixed list)", quote(ct))
			}
		case !validMediaType(ct):
			fail(contentTypesField(i), "%s is not a media type such as image/png (no parameters)", quote(ct))
		case slices.Contains(p.ContentTypes[:i], ct):
			fail(contentTypesField(i), "%s listed twice", quote(ct))
		}
	}
	if d := time.Duration(p.Expires); d < MinExpires || d > MaxExpires {
		fail("expires", "%s out of range; allowed: %s … %s", d, MinExpires, MaxExpires)
	}
	if p.SignatureVersion != SignatureV4 && p.SignatureVersion != SignatureV1 {
		fail("signatureVersion", "%s not supported; allowed: v4, v1", quote(p.SignatureVersion))
	}
	return tpl, errs
}

// contentTypesField names entry i of contentTypes in an error (formatted
// only on failure: a valid profile is checked on every grant).
func contentTypesField(i int) string { return fmt.Sprintf("contentTypes[%d]", i) }

// validMediaType reports whether s is a lower-case type/subtype with no
// parameters, made of [a-z0-9] and ". + _ -" (no "$", "*", spaces or ";").
func validMediaType(s string) bool {
	typ, sub, ok := strings.Cut(s, "/")
	return ok && validToken(typ) && validToken(sub)
}

func validToken(s string) bool {
	if s == "" || len(s) > 127 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || !strings.ContainsRune(".+_-", rune(c))) {
			return false
		}
	}
	return true
}

// allowsType reports whether the profile allows the lower-case type ct.
func (p *Profile) allowsType(ct string) bool {
	if len(p.ContentTypes) == 0 {
		return true
	}
	if w, ok := p.wildcard(); ok {
		return strings.HasPrefix(ct, w)
	}
	return slices.Contains(p.ContentTypes, ct)
}

// wildcard returns "type/" when the profile's only entry is "type/*".
func (p *Profile) wildcard() (string, bool) {
	if len(p.ContentTypes) == 1 && strings.HasSuffix(p.ContentTypes[0], "/*") {
		return strings.TrimSuffix(p.ContentTypes[0], "*"), true
	}
	return "", false
}

func jsonReason(err error) string {
	if err == io.EOF {
		return "unexpected end of input"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonType(kind string) string {
	switch kind {
	case "int64", "int", "uint64":
		return "integer"
	case "ptr":
		return "value of the right type"
	case "slice":
		return "array"
	case "bool":
		return "boolean"
	}
	return kind
}
