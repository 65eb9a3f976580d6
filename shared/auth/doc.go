// Package auth says who is asking for an upload grant: it turns an
// *http.Request into a [Subject] whose ID the upload profiles use as
// {sub}. There are three modes, chosen by [Config].Mode (AUTH_MODE):
//
//   - "jwt": "Authorization: Bearer <token>". Either HS256 with the shared
//     secret (JWT_HS256_SECRET), or RS256, PS256, ES256 and ES384 with the
//     keys of a JWKS (JWT_JWKS_URL) — never both, so a token signed with
//     HS256 is refused when a JWKS is configured (the algorithm-confusion
//     attack, where the RSA public key is used as an HMAC secret). The
//     token must carry exp and a non-empty sub of at most 256 bytes of
//     valid UTF-8; nbf and iat are checked when present; iss and aud must
//     match when JWT_ISSUER and JWT_AUDIENCE are set. The ID is sub.
//   - "apikey": "X-Api-Key: <key>" or "Authorization: ApiKey <key>". The
//     ID is the subject configured for the key (API_KEYS).
//   - "none": everyone is "anonymous". [New] logs a warning, because
//     anyone can then ask for grants.
//
// # Tokens are only read from the Authorization header
//
// RFC 6750 also allows an access_token query parameter and a form body
// field. Neither is accepted: URLs are written to access logs, proxy logs
// and browser history and leak through Referer headers, so a token in a
// URL is a token published.
//
// # JWKS
//
// The key set is fetched through Config.HTTPClient when the first token
// needs it, cached, and fetched again once it is older than
// Config.JWKSRefresh (10m) — by the request that notices, since a function
// instance may be frozen between invocations and a background goroutine
// would not run. A token whose kid is not in the cached set triggers one
// fetch too, in case the issuer rotated its keys. Concurrent requests wait
// for the same fetch (singleflight), and fetches, whatever triggered them,
// are at least [MinJWKSFetchInterval] (30s) apart, so a flood of tokens
// with made-up kids costs the JWKS host one request per 30s.
//
// The response must be 200, at most [MaxJWKSBytes], and hold at most
// [MaxJWKSKeys] keys. RSA keys (n, e; 2048 to 8192 bits) and EC keys
// (P-256, P-384; x, y) are parsed with the standard library; keys with a
// use other than "sig", symmetric ("oct") keys and malformed keys are
// ignored and logged. When the set holds several keys each token must
// name its key with kid. A key's own alg, when given, must equal the
// token's.
//
// A failed fetch is logged and the cached keys stay in use. With no keys
// at all (never fetched, or the set has no usable key) every token fails
// with [ErrUnavailable], which the HTTP layer answers with 503.
//
// # API keys
//
// Keys are held as SHA-256 digests. A presented key is digested and
// compared with crypto/subtle against every configured key, with no early
// exit and no map lookup, so the response time does not reveal whether a
// key matched, which one, or how long the configured keys are.
//
// # Errors
//
// Every error is an [*Error] wrapping one sentinel ([ErrMissingCredentials],
// [ErrInvalidCredentials], [ErrExpired], [ErrWrongAudience],
// [ErrWrongIssuer], [ErrUnavailable]), and its reason says what is wrong
// ("token expired at 2026-05-01T10:00:00Z …", `audience ["x"] not
// accepted`) without ever repeating the token, the API key or the secret.
// [Error.Message] is that text without the package prefix, for the client;
// the HTTP layer picks the status from the sentinel (shared/api's error
// table) and sends [Authenticator.Challenge] as WWW-Authenticate with 401s.
//
// # Settings
//
// The package owns its settings: the [Mode] values, [Config], and the
// rules [MinSecretLen], [CheckAPIKey] and [CheckAPIKeySubject], which
// shared/config applies to the environment variables and `ossdirect dev`
// to its flags (each naming its own setting in errors).
//
// # What it deliberately does not do
//
//   - It does not decide what a subject may do (which profiles, how
//     often); that is the caller's authorization layer.
//   - It does not read the environment: shared/config (or the CLI) fills
//     in a [Config].
//   - It does not write HTTP responses or log individual refusals; the
//     caller's error writer does both.
package auth
