// Package upload turns an upload profile and one client request into a
// [Grant]: exactly what that request may upload (key or directory, content
// type, size range, expiry, overwrite protection), and compiles the grant
// to each upload mode:
//
//   - [Grant.PostForm]: a PostObject policy (built with shared/policy) and
//     the exact form fields, signed V4 (default) or V1;
//   - [Grant.PutHeaders]: the headers a presigned PUT must sign and the
//     client must send (presigning is the caller's, with shared/signing);
//   - [Grant.SessionPolicy]: the STS session policy limiting temporary
//     credentials to the grant's directory and to upload-only actions.
//
// Every limit is meant to be enforced by OSS, not by the client; a client
// can never widen what the profile allows.
//
// # Profiles
//
// Profiles are named JSON objects, parsed by [ParseProfiles]:
//
//	{"images": {"prefix": "images/{sub}/{yyyy}/{mm}/", "naming": "uuid",
//	            "minSize": 1, "maxSize": 20971520,
//	            "contentTypes": ["image/png", "image/jpeg", "image/webp"],
//	            "expires": "10m", "forbidOverwrite": true, "callback": true}}
//
// Unknown fields are errors. Defaults: naming "uuid", minSize 1 (empty
// files are refused unless minSize is 0 explicitly), expires "10m",
// forbidOverwrite true, callback false, signatureVersion "v4". maxSize is
// required, 1 byte … 5 GiB (the PostObject limit). expires is a Go duration
// ("90s", "10m", "168h"; no "d" unit) from 1m to 168h, the V4 presign
// maximum. contentTypes is either empty (any type), a list of exact lower-case
// media types without parameters, or one wildcard such as "image/*" alone
// (compiled to ["starts-with","$content-type","image/"]; a wildcard mixed
// with other entries cannot be expressed as one OSS condition and is
// rejected). Profile names match [a-z0-9][a-z0-9_-]{0,63}.
//
// # Prefix templates
//
// A prefix is literal text with the placeholders {sub} (the sanitised
// subject, see [SanitizeSubject]) and {yyyy} {mm} {dd} (the UTC date of the
// grant's time). It must be non-empty and end with "/", so a grant never
// covers the whole bucket and one subject's directory is never a prefix of
// another's. The literal text may not start with "/", contain an empty, "."
// or ".." segment, a backslash, control or bidi-control characters, or the
// characters * and ? (RAM policy wildcards), $ (a PostObject policy
// variable marker), { or } (outside placeholders). A template without
// {sub} is allowed: all subjects then share the directory.
//
// # Names
//
// With naming "uuid" the server picks the key: prefix + random UUIDv4 +
// "." + extension. The extension comes from the file name (lower-cased) or,
// without one, from the declared content type, and must be in a built-in
// extension table (mime.TypeByExtension is not used: it depends on the
// host's /etc/mime.types); an unknown extension is refused, since nothing
// could then tie the stored name to its content type. With naming "client" the grant carries the
// directory and the policy a starts-with condition on it; the client
// appends its own name (if the request names the file, Key is dir + name,
// but the policy still only pins the directory, as the seed samples do).
//
// File names are UTF-8, at most 255 bytes, and may contain "/" but no
// empty, "." or ".." segment, no leading or trailing "/", no backslash and
// no control (C0, DEL, C1) or bidi-control characters. Keys are at most
// 1023 bytes (OSS's limit). Letters in any script, spaces, + % ~ ! and
// similar are legal.
//
// # Content types
//
// A declared content type is lower-cased and must be allowed by the
// profile. When the file name has a known extension, the two must agree;
// without a declared type, the extension's type is used. A grant with a
// known type pins it exactly, both as Content-Type and as
// x-oss-content-type (which OSS lets override Content-Type, so leaving it
// free would let a client store, say, text/html under an image grant).
// Otherwise the policy uses an in list (or starts-with for a wildcard) and
// the client must send its own Content-Type field; x-oss-content-type
// cannot then be constrained, because OSS does not document how a
// condition on an absent field is evaluated. Declaring the type is
// therefore recommended.
//
// # Sizes
//
// A declared size (Request.Size > 0) must lie in [minSize, maxSize] and
// narrows content-length-range to exactly that size. Size 0 means "not
// declared". PUT and STS uploads cannot be size-limited by OSS; only
// PostObject enforces sizes.
//
// The package reads no clock and no environment: time is an argument, and
// randomness comes from [GrantOptions.Rand] (crypto/rand by default).
package upload
