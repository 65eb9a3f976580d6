package upload

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
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
	// Policy is the signed policy document.
	Policy *policy.Policy
	// Fields are the exact form fields the client must send, before the
	// file part (which must come last). With client naming and no Key, the
	// client adds "key" = Dir + its file name; without a pinned content
	// type it should add "Content-Type".
	Fields map[string]string
	// Expiration is the policy's expiration.
	Expiration time.Time
}

var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

// ValidBucketName reports whether name follows OSS's bucket naming rules:
// 3-63 lower-case letters, digits and hyphens, starting and ending with a
// letter or digit.
func ValidBucketName(name string) bool { return bucketName.MatchString(name) }

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

	b := policy.New(g.Expiration).Exact("bucket", g.Bucket)
	fields := map[string]string{}
	var date, credential string
	if version == SignatureV4 {
		date = signing.FormatV4Date(now)
		credential = signing.V4Credential(creds.AccessKeyID, now, region, "oss")
		b.Exact("x-oss-signature-version", signing.AlgorithmV4).
			Exact("x-oss-credential", credential).
			Exact("x-oss-date", date)
		if creds.Temporary() {
			b.Exact("x-oss-security-token", creds.SecurityToken)
		}
	}
	b.ContentLengthRange(g.MinSize, g.MaxSize)
	switch {
	case g.Naming == NamingUUID:
		b.Exact("key", g.Key)
		fields["key"] = g.Key
	default:
		b.StartsWith("key", g.Dir)
		if g.Key != "" {
			fields["key"] = g.Key
		}
	}
	switch {
	case g.ContentType != "":
		b.Eq("content-type", g.ContentType).Eq("x-oss-content-type", g.ContentType)
		fields["Content-Type"] = g.ContentType
		fields["x-oss-content-type"] = g.ContentType
	case len(g.ContentTypes) == 1 && strings.HasSuffix(g.ContentTypes[0], "/*"):
		b.StartsWith("content-type", strings.TrimSuffix(g.ContentTypes[0], "*"))
	case len(g.ContentTypes) > 0:
		b.In("content-type", g.ContentTypes...)
	}
	if g.ForbidOverwrite {
		b.Exact("x-oss-forbid-overwrite", "true")
		fields["x-oss-forbid-overwrite"] = "true"
	}
	b.Exact("success_action_status", SuccessActionStatus)
	fields["success_action_status"] = SuccessActionStatus
	g.pinCallback(b, fields)

	p, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("upload: building policy: %w", err)
	}
	encoded, err := p.Base64()
	if err != nil {
		return nil, fmt.Errorf("upload: encoding policy: %w", err)
	}
	fields["policy"] = encoded
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
	return &PostForm{Policy: p, Fields: fields, Expiration: g.Expiration}, nil
}

// pinCallback adds the callback parameter and its custom variables to the
// form and pins each in the policy.
func (g *Grant) pinCallback(b *policy.Builder, fields map[string]string) {
	if g.CallbackParam == "" {
		return
	}
	b.Exact("callback", g.CallbackParam)
	fields["callback"] = g.CallbackParam
	names := make([]string, 0, len(g.CallbackVars))
	for name := range g.CallbackVars {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b.Exact(name, g.CallbackVars[name])
		fields[name] = g.CallbackVars[name]
	}
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
	b := policy.New(g.Expiration).Exact("bucket", g.Bucket).
		ContentLengthRange(g.MinSize, g.MaxSize).
		StartsWith("key", g.Dir)
	fields := map[string]string{}
	g.pinCallback(b, fields)
	p, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("upload: building policy: %w", err)
	}
	encoded, err := p.Base64()
	if err != nil {
		return nil, fmt.Errorf("upload: encoding policy: %w", err)
	}
	fields["policy"] = encoded
	fields["OSSAccessKeyId"] = creds.AccessKeyID
	fields["Signature"] = signing.PostSignatureV1(creds.AccessKeySecret, encoded)
	if creds.Temporary() {
		fields["x-oss-security-token"] = creds.SecurityToken
	}
	return &PostForm{Policy: p, Fields: fields, Expiration: g.Expiration}, nil
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
