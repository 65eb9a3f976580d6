package upload

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"ossdirect/shared/policy"
	"ossdirect/shared/signing"
)

// SuccessActionStatus is the success_action_status every PostObject form
// sends and its policy pins: OSS then answers 200 with an empty body
// (reference §1), which browsers and wx.uploadFile both treat as success.
const SuccessActionStatus = "200"

// PostForm is a compiled PostObject upload.
type PostForm struct {
	// Fields are the exact form fields the client must send, before the
	// file part (which must come last). With client naming and no Key, the
	// client adds "key" = Dir + its file name; without a pinned content
	// type it should add "Content-Type".
	Fields map[string]string
	// Expiration is the policy's expiration.
	Expiration time.Time
}

// ValidBucketName reports whether name follows OSS's bucket naming rules:
// 3-63 lower-case letters, digits and hyphens, starting and ending with a
// letter or digit. (Checked on every grant, hence no regular expression.)
func ValidBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 || name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// PostForm compiles g to a PostObject policy and form fields signed with
// creds at now. version is SignatureV4 or SignatureV1; "" selects
// g.SignatureVersion (then V4). region is the plain region id, e.g.
// "cn-hangzhou" (a leading "oss-" is removed); V1 ignores it.
//
// The V4 policy holds, in order: bucket, x-oss-signature-version,
// x-oss-credential, x-oss-date, x-oss-security-token (temporary
// credentials), content-length-range, the key (exact for uuid naming,
// starts-with Dir for client naming), the content type (eq Content-Type
// and x-oss-content-type when pinned; in/starts-with otherwise; nothing when
// any type is allowed), x-oss-forbid-overwrite, success_action_status and
// callback. V1 omits the four V4 fields (and does not pin
// x-oss-security-token, which no V1 sample does).
func (g *Grant) PostForm(creds signing.Credentials, version, region string, now time.Time) (*PostForm, error) {
	if version == "" {
		version = g.SignatureVersion
	}
	switch version = strings.ToLower(version); version {
	case "", SignatureV4:
		version = SignatureV4
	case SignatureV1:
	default:
		return nil, fmt.Errorf("%w: version: %q not supported; allowed: v4, v1", ErrInvalidOption, version)
	}
	region = signing.RegionID(region)
	if err := g.checkCommon(creds, now); err != nil {
		return nil, err
	}
	if version == SignatureV4 && region == "" {
		return nil, fmt.Errorf("%w: region: must not be empty for V4", ErrInvalidOption)
	}

	f := newForm(g)
	var date, credential string
	if version == SignatureV4 {
		date = signing.FormatV4Date(now)
		credential = signing.V4Credential(creds.AccessKeyID, now, region, "oss")
		f.cond(policy.OpExact, "x-oss-signature-version", signing.AlgorithmV4)
		f.cond(policy.OpExact, "x-oss-credential", credential)
		f.cond(policy.OpExact, "x-oss-date", date)
		if creds.Temporary() {
			f.cond(policy.OpExact, "x-oss-security-token", creds.SecurityToken)
		}
	}
	f.doc.Add(policy.Condition{Op: policy.OpContentLengthRange, Min: g.MinSize, Max: g.MaxSize})
	switch {
	case g.Naming == NamingUUID:
		f.pin(policy.OpExact, "key", g.Key)
	default:
		f.cond(policy.OpStartsWith, "key", g.Dir)
		if g.Key != "" {
			f.fields["key"] = g.Key
		}
	}
	switch {
	case g.ContentType != "":
		f.cond(policy.OpEq, "content-type", g.ContentType)
		f.pin(policy.OpEq, "x-oss-content-type", g.ContentType)
		f.fields["Content-Type"] = g.ContentType
	case len(g.ContentTypes) == 1 && strings.HasSuffix(g.ContentTypes[0], "/*"):
		f.cond(policy.OpStartsWith, "content-type", strings.TrimSuffix(g.ContentTypes[0], "*"))
	case len(g.ContentTypes) > 0:
		f.doc.Add(policy.Condition{Op: policy.OpIn, Field: "content-type", Values: g.ContentTypes})
	}
	if g.ForbidOverwrite {
		f.pin(policy.OpExact, "x-oss-forbid-overwrite", "true")
	}
	f.pin(policy.OpExact, "success_action_status", SuccessActionStatus)
	f.pinCallback(g)

	encoded, err := f.encode()
	if err != nil {
		return nil, err
	}
	fields := f.fields
	if version == SignatureV4 {
		fields["x-oss-signature-version"] = signing.AlgorithmV4
		fields["x-oss-credential"] = credential
		fields["x-oss-date"] = date
		fields["x-oss-signature"] = signing.PostSignatureV4(creds.AccessKeySecret, now, region, encoded)
	} else {
		fields["OSSAccessKeyId"] = creds.AccessKeyID
		fields["Signature"] = signing.PostSignatureV1(creds.AccessKeySecret, encoded)
	}
	if creds.Temporary() {
		fields["x-oss-security-token"] = creds.SecurityToken
	}
	return &PostForm{Fields: fields, Expiration: g.Expiration}, nil
}

// form writes a policy's conditions and collects the form fields that
// satisfy them. The policy goes straight to its JSON (policy.Writer), in a
// pooled buffer: a grant is signed once, so no policy.Policy value is built.
type form struct {
	doc    policy.Writer
	buf    *[]byte // from docBuffers; back once encoded
	fields map[string]string
}

// docBuffers recycles the buffers policy documents are written into.
var docBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// newForm starts g's form with the bucket condition.
func newForm(g *Grant) *form {
	bp := docBuffers.Get().(*[]byte)
	f := &form{doc: policy.NewWriter((*bp)[:0], g.Expiration), buf: bp, fields: make(map[string]string, formFields)}
	f.cond(policy.OpExact, "bucket", g.Bucket)
	return f
}

// formFields fits the fields of a V4 grant with temporary credentials, a
// callback and two variables.
const formFields = 16

// cond adds a condition on field (op OpExact, OpEq or OpStartsWith).
func (f *form) cond(op policy.Op, field, value string) {
	f.doc.Add(policy.Condition{Op: op, Field: field, Value: value})
}

// pin adds the condition and sends value as the field.
func (f *form) pin(op policy.Op, field, value string) {
	f.cond(op, field, value)
	f.fields[field] = value
}

// pinCallback pins g's callback parameter and its custom variables.
func (f *form) pinCallback(g *Grant) {
	if g.CallbackParam == "" {
		return
	}
	f.pin(policy.OpExact, "callback", g.CallbackParam)
	names := make([]string, 0, len(g.CallbackVars))
	for name := range g.CallbackVars {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		f.pin(policy.OpExact, name, g.CallbackVars[name])
	}
}

// encode finishes the policy and returns its Base64 form, which it also
// sends as the policy field.
func (f *form) encode() (string, error) {
	doc, err := f.doc.Finish()
	if err != nil {
		return "", fmt.Errorf("upload: building policy: %w", err)
	}
	encoded := policy.EncodeBase64(doc)
	if cap(doc) <= 64<<10 { // keep the pool's buffers small
		*f.buf = doc[:0]
		docBuffers.Put(f.buf)
	}
	f.fields["policy"] = encoded
	return encoded, nil
}

// LegacyPostForm compiles g for clients written against Alibaba's
// server-signature samples (the "seed" clients): a V1 policy that pins only
// what those clients send — the bucket, the size range, a key starting with
// Dir (the client appends its own file name) and the callback with its
// variables — signed with creds. Content types, overwrite protection and
// success_action_status cannot be enforced this way, because such clients do
// not send those fields; use PostForm whenever the client can be changed.
// With temporary credentials the client must also send
// x-oss-security-token, which the samples do not: seed clients need a static
// RAM user key.
func (g *Grant) LegacyPostForm(creds signing.Credentials, now time.Time) (*PostForm, error) {
	if err := g.checkCommon(creds, now); err != nil {
		return nil, err
	}
	f := newForm(g)
	f.doc.Add(policy.Condition{Op: policy.OpContentLengthRange, Min: g.MinSize, Max: g.MaxSize})
	f.cond(policy.OpStartsWith, "key", g.Dir)
	f.pinCallback(g)
	encoded, err := f.encode()
	if err != nil {
		return nil, err
	}
	fields := f.fields
	fields["OSSAccessKeyId"] = creds.AccessKeyID
	fields["Signature"] = signing.PostSignatureV1(creds.AccessKeySecret, encoded)
	if creds.Temporary() {
		fields["x-oss-security-token"] = creds.SecurityToken
	}
	return &PostForm{Fields: fields, Expiration: g.Expiration}, nil
}

// checkCommon validates what every PostObject compilation needs.
func (g *Grant) checkCommon(creds signing.Credentials, now time.Time) error {
	if err := checkBucket(g.Bucket); err != nil {
		return err
	}
	if creds.AccessKeyID == "" || creds.AccessKeySecret == "" {
		return fmt.Errorf("%w: credentials: access key id and secret are required", ErrInvalidOption)
	}
	if !now.Before(g.Expiration) {
		return fmt.Errorf("%w at %s", ErrGrantExpired, g.Expiration.UTC().Format(time.RFC3339))
	}
	if g.Callback && g.CallbackParam == "" {
		return fmt.Errorf("%w: profile %q", ErrCallbackRequired, g.Profile)
	}
	if g.Naming == NamingUUID && g.Key == "" {
		return fmt.Errorf("%w: grant: uuid naming without a key", ErrInvalidOption)
	}
	if g.Dir == "" {
		return fmt.Errorf("%w: grant: empty directory", ErrInvalidOption)
	}
	return nil
}

func checkBucket(b string) error {
	if !ValidBucketName(b) {
		return fmt.Errorf("%w: bucket: %q is not a bucket name (3-63 of a-z, 0-9, -)", ErrInvalidOption, b)
	}
	return nil
}

// PutHeaders returns the headers a presigned PUT of g.Key must sign and
// the client must send verbatim: Content-Type when pinned,
// x-oss-forbid-overwrite: true when set, x-oss-callback when
// CallbackParam is set. A PUT cannot be size-limited by OSS.
func (g *Grant) PutHeaders() (map[string]string, error) {
	if g.Callback && g.CallbackParam == "" {
		return nil, fmt.Errorf("%w: profile %q", ErrCallbackRequired, g.Profile)
	}
	h := map[string]string{}
	if g.ContentType != "" {
		h["Content-Type"] = g.ContentType
	}
	if g.ForbidOverwrite {
		h["x-oss-forbid-overwrite"] = "true"
	}
	if g.CallbackParam != "" {
		h["x-oss-callback"] = g.CallbackParam
		if len(g.CallbackVars) > 0 {
			vars, err := json.Marshal(g.CallbackVars)
			if err != nil {
				return nil, fmt.Errorf("upload: callback vars: %w", err)
			}
			h["x-oss-callback-var"] = base64.StdEncoding.EncodeToString(vars)
		}
	}
	return h, nil
}
