package upload

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// A Binding ties an upload callback to the grant that allowed the upload.
// Every grant carries one as OSS callback variables (pinned in POST
// policies, signed into presigned PUTs, handed to STS clients as the exact
// x-oss-callback-var to send), and OSS echoes them in the callback body.
// The callback function trusts nothing else in the body: an STS client can
// write any callbackBody it likes, but not an HMAC under the server's
// secret, so it cannot claim an upload outside its own grant's key or
// prefix, and the object itself (HEAD) supplies size, type and ETag.
type Binding struct {
	ID      string // random, 128 bits in hex: names the grant in logs
	Subject string
	Profile string
	// Key is the exact object key the grant allows, or "" when Prefix is.
	Key string
	// Prefix is the directory the grant allows keys under (STS, client
	// naming without a file name), or "" when Key is set.
	Prefix  string
	Expires time.Time // the grant's expiry, to the second
}

// The callback variables of a binding (OSS: custom variables are x: and
// lower case) and the callback body fields that echo them.
const (
	VarGrantID = "x:gid"
	VarSubject = "x:subject"
	VarProfile = "x:profile"
	VarScope   = "x:scope"
	VarExpires = "x:exp"
	VarSig     = "x:sig"
)

// BindingBody is the part of an OSS callbackBody that echoes a binding
// (form-encoded; ParseBinding reads these names).
const BindingBody = "gid=${x:gid}&subject=${x:subject}&profile=${x:profile}&scope=${x:scope}&exp=${x:exp}&sig=${x:sig}"

// Binding errors, matched with errors.Is.
var (
	ErrBindingMissing   = errors.New("upload: callback carries no grant binding")
	ErrBindingSignature = errors.New("upload: grant binding signature does not verify")
	ErrBindingExpired   = errors.New("upload: grant expired")
	ErrBindingScope     = errors.New("upload: object outside the grant")
)

// MinBindingSecret is the shortest secret a binding is signed with.
const MinBindingSecret = 32

// NewBinding returns a binding with a fresh random ID for g, issued to
// subject: for g's key, or for its whole directory when wholeDir is set or
// g names no key (STS credentials and seed POST policies let the client
// name any key under it). rnd nil means crypto/rand.
func NewBinding(g *Grant, subject string, wholeDir bool, rnd io.Reader) (Binding, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	var id [16]byte
	if _, err := io.ReadFull(rnd, id[:]); err != nil {
		return Binding{}, fmt.Errorf("upload: grant id: %w", err)
	}
	b := Binding{ID: hex.EncodeToString(id[:]), Subject: subject, Profile: g.Profile, Expires: g.Expiration.Truncate(time.Second)}
	if g.Key != "" && !wholeDir {
		b.Key = g.Key
	} else {
		b.Prefix = g.Dir
	}
	return b, nil
}

// scope is the binding's key ("k:" + key) or prefix ("p:" + prefix).
func (b Binding) scope() string {
	if b.Key != "" {
		return "k:" + b.Key
	}
	return "p:" + b.Prefix
}

// mac is the binding's HMAC-SHA256 under secret, base64url without padding.
func (b Binding) mac(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	for _, s := range []string{"ossdirect-grant-v1", b.ID, b.Subject, b.Profile, b.scope(), strconv.FormatInt(b.Expires.Unix(), 10)} {
		io.WriteString(m, s)
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Vars returns the binding as OSS callback variables, signed with secret.
func (b Binding) Vars(secret []byte) map[string]string {
	return map[string]string{
		VarGrantID: b.ID, VarSubject: b.Subject, VarProfile: b.Profile, VarScope: b.scope(),
		VarExpires: strconv.FormatInt(b.Expires.Unix(), 10), VarSig: b.mac(secret),
	}
}

// Covers reports whether key is the binding's key or lies under its prefix.
func (b Binding) Covers(key string) bool {
	if b.Key != "" {
		return key == b.Key
	}
	return b.Prefix != "" && strings.HasPrefix(key, b.Prefix) && len(key) > len(b.Prefix)
}

// ParseBinding reads a binding from callback body fields (get looks one
// up; see BindingBody) and checks its HMAC against each secret in turn (the
// current one first, then previous ones during a rotation) and its expiry:
// a grant is honoured until grace after it expired, since an upload that
// began in time may end later. Errors wrap ErrBindingMissing,
// ErrBindingSignature or ErrBindingExpired and never contain the secret.
func ParseBinding(get func(string) string, secrets [][]byte, now time.Time, grace time.Duration) (Binding, error) {
	id, sig, scope, exp := get("gid"), get("sig"), get("scope"), get("exp")
	if id == "" || sig == "" || scope == "" || exp == "" {
		return Binding{}, ErrBindingMissing
	}
	b := Binding{ID: id, Subject: get("subject"), Profile: get("profile")}
	switch {
	case strings.HasPrefix(scope, "k:") && len(scope) > 2:
		b.Key = scope[2:]
	case strings.HasPrefix(scope, "p:") && len(scope) > 2:
		b.Prefix = scope[2:]
	default:
		return Binding{}, fmt.Errorf("%w: scope is neither a key nor a prefix", ErrBindingSignature)
	}
	unix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return Binding{}, fmt.Errorf("%w: exp is not a Unix time", ErrBindingSignature)
	}
	b.Expires = time.Unix(unix, 0).UTC()
	ok := false
	for _, s := range secrets {
		if len(s) > 0 && hmac.Equal([]byte(b.mac(s)), []byte(sig)) {
			ok = true
			break
		}
	}
	if !ok {
		return Binding{}, ErrBindingSignature
	}
	if now.After(b.Expires.Add(grace)) {
		return Binding{}, fmt.Errorf("%w: grant %s ended %s, more than %s ago", ErrBindingExpired, b.ID, b.Expires.Format(time.RFC3339), grace)
	}
	return b, nil
}
