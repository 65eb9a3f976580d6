package credentials

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Value is an access key pair, optionally temporary.
type Value struct {
	AccessKeyID     string
	AccessKeySecret string
	// SecurityToken is set for temporary (STS) credentials.
	SecurityToken string
	// Expiry is when the credentials stop working; zero means unknown (a
	// long-term key, or FC role credentials, whose expiry FC does not pass).
	Expiry time.Time
}

// String shows the access key ID and expiry only, so that printing a Value
// by accident does not leak the secret or the token.
func (v Value) String() string {
	exp := "unknown"
	if !v.Expiry.IsZero() {
		exp = v.Expiry.Format(time.RFC3339)
	}
	return fmt.Sprintf("{AccessKeyID:%s AccessKeySecret:[redacted] SecurityToken:[redacted] Expiry:%s}", v.AccessKeyID, exp)
}

// GoString is String, so %#v hides the secrets too.
func (v Value) GoString() string { return v.String() }

// LogValue logs the access key ID and expiry only.
func (v Value) LogValue() slog.Value {
	return slog.GroupValue(slog.String("access_key_id", v.AccessKeyID), slog.Time("expiration", v.Expiry))
}

// Temporary reports whether v are STS temporary credentials.
func (v Value) Temporary() bool { return v.SecurityToken != "" }

// complete reports whether v has a key pair to sign with.
func (v Value) complete() bool { return v.AccessKeyID != "" && v.AccessKeySecret != "" }

// Provider yields credentials. Retrieve is called once per use (per
// signature, per STS call), so it must be cheap or cache by itself, and
// safe for concurrent use. It returns an error wrapping [ErrNoCredentials]
// when its source has none (a [Chain] then asks the next provider), and
// never puts a secret in an error.
type Provider interface {
	Retrieve(ctx context.Context) (Value, error)
}

// ErrNoCredentials is wrapped by the error of a provider whose source holds
// no credentials.
var ErrNoCredentials = errors.New("credentials: none found")

// Static is a Provider of fixed credentials.
type Static struct{ Value }

var _ Provider = Static{}

// NewStatic returns a Static provider of the given key pair; securityToken
// is empty for a long-term key.
func NewStatic(accessKeyID, accessKeySecret, securityToken string) Static {
	return Static{Value{AccessKeyID: accessKeyID, AccessKeySecret: accessKeySecret, SecurityToken: securityToken}}
}

// Retrieve returns s's value, or an error wrapping ErrNoCredentials when
// the key ID or the secret is empty.
func (s Static) Retrieve(context.Context) (Value, error) {
	if !s.complete() {
		return Value{}, fmt.Errorf("%w: static access key id or secret is empty", ErrNoCredentials)
	}
	return s.Value, nil
}

// Chain is a Provider that asks its providers in order and returns the
// first credentials one yields. Every provider is asked again on every
// call: none is remembered. When all fail, the error joins theirs.
type Chain []Provider

var _ Provider = Chain{}

// Retrieve returns the first provider's credentials that it yields.
func (c Chain) Retrieve(ctx context.Context) (Value, error) {
	var errs []error
	for _, p := range c {
		if err := ctx.Err(); err != nil {
			return Value{}, err
		}
		v, err := p.Retrieve(ctx)
		if err == nil {
			return v, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return Value{}, fmt.Errorf("%w: empty chain", ErrNoCredentials)
	}
	return Value{}, errors.Join(errs...)
}
