package upload

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Request is what a client asks to upload.
type Request struct {
	// Subject is the authenticated caller's id; required when the prefix
	// uses {sub}.
	Subject string
	// Filename is the client's file name (optional). With uuid naming only
	// its extension is used; with client naming Key becomes dir + Filename.
	Filename string
	// ContentType is the declared media type (optional, no parameters).
	ContentType string
	// Size is the declared size in bytes; 0 means not declared.
	Size int64
}

// GrantOptions are per-deployment inputs to [Profile.Grant]. The zero
// value is usable, but [Grant.PostForm] then needs Grant.Bucket set.
type GrantOptions struct {
	// Bucket is the target bucket, copied to Grant.Bucket.
	Bucket string
	// CredentialsExpiry, when non-zero, caps the grant's expiration: a
	// grant never outlives the credentials that sign it.
	CredentialsExpiry time.Time
	// Rand is the source of UUID randomness; nil means crypto/rand.
	Rand io.Reader
}

// Grant is what one request may upload: the profile's rules applied to the
// request at a given time. It is plain data; compile it with
// [Grant.PostForm], [Grant.PutHeaders] or [Grant.SessionPolicy].
type Grant struct {
	// Profile is the profile's name.
	Profile string
	// Bucket is the target bucket (from GrantOptions.Bucket).
	Bucket string
	// Naming is the profile's naming mode.
	Naming Naming
	// Key is the object key: always set with uuid naming; with client
	// naming set to Dir + Filename when the request named the file, else "".
	Key string
	// Dir is the expanded prefix; every key lies under it.
	Dir string
	// ContentType is the pinned content type, or "" when the client may
	// choose among ContentTypes.
	ContentType string
	// ContentTypes are the profile's allowed types when ContentType is ""
	// (nil: any type; a single "type/*": any subtype).
	ContentTypes []string
	// MinSize and MaxSize bound the file size in bytes; a declared size
	// sets both to it.
	MinSize, MaxSize int64
	// Expiration is when the grant ends: now + the profile's expires,
	// capped by the credentials' expiry, truncated to the second.
	Expiration time.Time
	// ForbidOverwrite asks OSS to refuse replacing an existing object.
	ForbidOverwrite bool
	// Callback reports that the profile requires an upload callback;
	// CallbackParam must then be set before compiling the grant.
	Callback bool
	// CallbackParam is the Base64 OSS callback parameter (built by the
	// callback package). When set, PostForm sends and pins it and
	// PutHeaders sends it as x-oss-callback.
	CallbackParam string
	// CallbackVars are the callback's custom variables ("x:name" ->
	// value). PostForm sends each as a form field and pins it in the
	// policy; PutHeaders sends them as x-oss-callback-var (a signed
	// header), so a client can change none of them.
	CallbackVars map[string]string
	// SignatureVersion is the profile's default PostObject signature.
	SignatureVersion string
}

// Grant applies p to req at now. Request problems are [*FieldError]
// values (match [ErrInvalidRequest]); a bad profile gives
// [*ProfileError]; credentials expiring at or before now give
// [ErrCredentialsExpired].
func (p *Profile) Grant(req Request, now time.Time, opts GrantOptions) (*Grant, error) {
	tpl, errs := p.compile()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	dir, err := tpl.expand(req.Subject, now)
	if err != nil {
		return nil, err
	}
	g := &Grant{
		Profile:          p.Name,
		Bucket:           opts.Bucket,
		Naming:           p.Naming,
		Dir:              dir,
		MinSize:          p.MinSize,
		MaxSize:          p.MaxSize,
		ForbidOverwrite:  p.ForbidOverwrite,
		Callback:         p.Callback,
		SignatureVersion: p.SignatureVersion,
	}

	ct, err := p.checkContentType(req.ContentType)
	if err != nil {
		return nil, err
	}
	var ext string
	if req.Filename != "" {
		if err := ValidateFilename(req.Filename); err != nil {
			return nil, err
		}
		ext = extension(req.Filename)
	}
	if ct, ext, err = p.matchExtension(ct, ext); err != nil {
		return nil, err
	}
	g.ContentType = ct
	if ct == "" && len(p.ContentTypes) > 0 {
		g.ContentTypes = slices.Clone(p.ContentTypes)
	}

	switch {
	case req.Size < 0:
		return nil, &FieldError{Field: "size", Reason: "must be >= 0", Err: ErrSizeNotAllowed}
	case req.Size > 0 && (req.Size < p.MinSize || req.Size > p.MaxSize):
		return nil, &FieldError{
			Field:   "size",
			Reason:  strconv.FormatInt(req.Size, 10) + " out of range",
			Allowed: []string{fmt.Sprintf("%d … %d bytes", p.MinSize, p.MaxSize)},
			Err:     ErrSizeNotAllowed,
		}
	case req.Size > 0:
		g.MinSize, g.MaxSize = req.Size, req.Size
	}

	switch p.Naming {
	case NamingUUID:
		var buf [256]byte // the key in one allocation: dir, UUID, extension
		key, err := appendUUID(append(buf[:0], dir...), opts.Rand)
		if err != nil {
			return nil, err
		}
		g.Key = string(append(append(key, '.'), ext...))
	case NamingClient:
		if req.Filename != "" {
			g.Key = dir + req.Filename
		}
	}
	if g.Key != "" && len(g.Key) > MaxKeyLength {
		return nil, nameError("filename", fmt.Sprintf("makes the key longer than %d bytes", MaxKeyLength))
	}

	exp := now.Add(time.Duration(p.Expires))
	if !opts.CredentialsExpiry.IsZero() && opts.CredentialsExpiry.Before(exp) {
		exp = opts.CredentialsExpiry
	}
	exp = exp.UTC().Truncate(time.Second)
	if !exp.After(now) {
		return nil, fmt.Errorf("%w: they expire at %s", ErrCredentialsExpired, opts.CredentialsExpiry.UTC().Format(time.RFC3339))
	}
	g.Expiration = exp
	return g, nil
}

// checkContentType normalises a declared type and checks the profile
// allows it; "" stays "".
func (p *Profile) checkContentType(ct string) (string, error) {
	if ct == "" {
		return "", nil
	}
	norm := strings.ToLower(strings.TrimSpace(ct))
	if !validMediaType(norm) {
		return "", &FieldError{
			Field:  "contentType",
			Reason: quote(ct) + " is not a media type such as image/png (no parameters)",
			Err:    ErrContentTypeNotAllowed,
		}
	}
	if !p.allowsType(norm) {
		return "", &FieldError{
			Field:   "contentType",
			Reason:  quote(norm) + " not allowed",
			Allowed: p.ContentTypes,
			Err:     ErrContentTypeNotAllowed,
		}
	}
	return norm, nil
}

// matchExtension reconciles the (checked) content type ct and the file
// extension ext, returning the type to pin ("" if none) and the extension
// to use in a uuid key. ct is "" or allowed by p.
func (p *Profile) matchExtension(ct, ext string) (string, string, error) {
	types, known := extTypes[ext]
	switch {
	case known && ct != "":
		if !slices.Contains(types, ct) {
			return "", "", &FieldError{
				Field:   "filename",
				Reason:  fmt.Sprintf("extension %q does not match contentType %q", "."+ext, ct),
				Allowed: types,
				Err:     ErrContentTypeNotAllowed,
			}
		}
		return ct, ext, nil
	case known:
		for _, t := range types {
			if p.allowsType(t) {
				return t, ext, nil
			}
		}
		return "", "", &FieldError{
			Field:   "filename",
			Reason:  fmt.Sprintf("extension %q (%s) not allowed", "."+ext, types[0]),
			Allowed: p.allowedExtensions(),
			Err:     ErrContentTypeNotAllowed,
		}
	case p.Naming == NamingClient:
		return ct, ext, nil // the client names the file; nothing to derive
	case ext != "":
		return "", "", &FieldError{
			Field:   "filename",
			Reason:  fmt.Sprintf("extension %q not recognised", "."+ext),
			Allowed: p.allowedExtensions(),
			Err:     ErrContentTypeNotAllowed,
		}
	case ct != "" && typeExt[ct] != "":
		return ct, typeExt[ct], nil
	case ct != "":
		return "", "", &FieldError{
			Field:  "filename",
			Reason: fmt.Sprintf("required: contentType %q has no built-in extension", ct),
			Err:    ErrInvalidName,
		}
	default:
		return "", "", &FieldError{
			Field:   "filename",
			Reason:  "required (with an extension) when contentType is not given",
			Allowed: p.allowedExtensions(),
			Err:     ErrInvalidName,
		}
	}
}

// allowedExtensions lists the built-in extensions whose types p allows,
// as ".ext", in table order; nil when p allows every type.
func (p *Profile) allowedExtensions() []string {
	if len(p.ContentTypes) == 0 {
		return nil
	}
	var exts []string
	for _, e := range builtinTypes {
		if slices.ContainsFunc(e.types, p.allowsType) {
			exts = append(exts, "."+e.ext)
		}
	}
	return exts
}

// appendUUID appends a random (version 4) UUID in lower-case hex.
func appendUUID(dst []byte, r io.Reader) ([]byte, error) {
	var b [16]byte
	var err error
	if r == nil {
		_, err = rand.Read(b[:])
	} else {
		_, err = io.ReadFull(r, b[:])
	}
	if err != nil {
		return nil, fmt.Errorf("upload: reading randomness: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return append(dst, s[:]...), nil
}
