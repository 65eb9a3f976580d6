package upload

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Presigned multipart limits (OSS's) and the default part size.
const (
	MinPartSize     = 100 << 10 // OSS refuses smaller parts but the last (EntityTooSmall)
	MaxPartSize     = 5 << 30
	MaxParts        = 10000
	DefaultPartSize = 8 << 20
	// DefaultPartCount bounds the parts of the default plan: files over
	// DefaultPartCount × DefaultPartSize (512 MiB) get bigger parts (whole
	// MiB), so what passes through the functions (one signed URL per
	// part) does not grow with the file.
	DefaultPartCount = 64
	// MultipartTTL is how long a presigned multipart upload's token lasts:
	// long enough for a big file over a slow phone connection, resumed.
	MultipartTTL = 24 * time.Hour
)

// Token errors, matched with errors.Is; they never contain the secret.
var (
	ErrTokenInvalid = errors.New("upload: multipart token does not verify")
	ErrTokenExpired = errors.New("upload: multipart token expired")
)

// What OSS answers the operations of a presigned multipart upload with,
// matched with errors.Is (shared/ossclient wraps them with OSS's message).
var (
	ErrNoSuchUpload   = errors.New("upload: no such multipart upload (completed or aborted)")
	ErrObjectExists   = errors.New("upload: the object exists and overwriting it is forbidden")
	ErrCallbackFailed = errors.New("upload: the object is stored but its upload callback failed")
	ErrPartsRefused   = errors.New("upload: OSS refused the parts")
)

// Part is one part of a multipart upload as OSS lists it (or a client
// names it: Number and ETag).
type Part struct {
	Number int
	ETag   string
	Size   int64
}

// MultipartToken binds a presigned multipart upload to what the server
// decided when it started it: the upload, its key, the caller, the
// profile, the declared size and part size, and an expiry. The
// presigned-url function signs it (HMAC-SHA256 under GRANT_SECRET) and
// every later operation verifies it, so a client can neither sign parts of
// another upload nor change the size it declared.
type MultipartToken struct {
	GrantID  string `json:"g"` // the grant's id, also the callback binding's
	UploadID string `json:"u"`
	Key      string `json:"k"`
	Subject  string `json:"s"`
	Profile  string `json:"p"`
	Size     int64  `json:"n"`
	PartSize int64  `json:"ps"`
	Expires  int64  `json:"e"` // Unix seconds
}

// PlanParts returns the part size for a file of size bytes and the part
// count. partSize 0 chooses DefaultPartSize, raised to whole MiB so there
// are at most DefaultPartCount parts (within MaxPartSize); a requested
// partSize outside the limits is a FieldError on "partSize".
func PlanParts(size, partSize int64) (int64, int, error) {
	if size <= 0 {
		return 0, 0, &FieldError{Field: "size", Reason: "required: the file's size in bytes (more than 0)", Err: ErrInvalidRequest}
	}
	if partSize == 0 {
		const mib = 1 << 20
		partSize = max(DefaultPartSize, (size+DefaultPartCount*mib-1)/(DefaultPartCount*mib)*mib)
		partSize = min(partSize, max(MaxPartSize, (size+MaxParts-1)/MaxParts))
	}
	switch {
	case partSize < MinPartSize || partSize > MaxPartSize:
		return 0, 0, &FieldError{Field: "partSize", Reason: fmt.Sprintf("%d bytes: must be from %d (100 KiB) to %d (5 GiB)", partSize, MinPartSize, MaxPartSize), Err: ErrInvalidRequest}
	case (size+partSize-1)/partSize > MaxParts:
		return 0, 0, &FieldError{Field: "partSize", Reason: fmt.Sprintf("%d bytes cuts %d bytes into more than %d parts; use at least %d", partSize, size, MaxParts, (size+MaxParts-1)/MaxParts), Err: ErrInvalidRequest}
	}
	return partSize, int((size + partSize - 1) / partSize), nil
}

// PartCount is how many parts the upload has.
func (t MultipartToken) PartCount() int { return int((t.Size + t.PartSize - 1) / t.PartSize) }

// PartLength is the size of part n (1…PartCount): PartSize, or what is left
// for the last one.
func (t MultipartToken) PartLength(n int) int64 {
	return min(t.PartSize, t.Size-int64(n-1)*t.PartSize)
}

// Binding is the callback binding of the upload: its grant id, subject,
// profile and key, valid as long as the token.
func (t MultipartToken) Binding() Binding {
	return Binding{ID: t.GrantID, Subject: t.Subject, Profile: t.Profile, Key: t.Key, Expires: time.Unix(t.Expires, 0).UTC()}
}

func (t MultipartToken) mac(payload string, secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("ossdirect-multipart-v1\x00"))
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Sign returns the token as text: base64url of its JSON, ".", and the
// HMAC of that under secret.
func (t MultipartToken) Sign(secret []byte) string {
	b, _ := json.Marshal(t)
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + t.mac(payload, secret)
}

// ParseMultipartToken verifies s against each secret in turn (the current
// one first, then previous ones during a rotation) and its expiry.
func ParseMultipartToken(s string, secrets [][]byte, now time.Time) (MultipartToken, error) {
	var t MultipartToken
	payload, sig, ok := strings.Cut(s, ".")
	if !ok || payload == "" || sig == "" {
		return t, fmt.Errorf("%w: not a token", ErrTokenInvalid)
	}
	verified := false
	for _, secret := range secrets {
		if len(secret) > 0 && hmac.Equal([]byte(t.mac(payload, secret)), []byte(sig)) {
			verified = true
			break
		}
	}
	if !verified {
		return t, ErrTokenInvalid
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(b, &t) != nil || t.UploadID == "" || t.Key == "" || t.Size <= 0 || t.PartSize <= 0 {
		return MultipartToken{}, fmt.Errorf("%w: malformed", ErrTokenInvalid)
	}
	if now.Unix() >= t.Expires {
		return MultipartToken{}, fmt.Errorf("%w at %s", ErrTokenExpired, time.Unix(t.Expires, 0).UTC().Format(time.RFC3339))
	}
	return t, nil
}
