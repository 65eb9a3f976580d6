package credentials

import (
	"context"
	"fmt"
)

type contextKey struct{}

// NewContext returns a copy of ctx carrying v, the credentials of the
// current invocation. shared/fcrun calls it for every FC invocation with
// the credentials FC passed (x-fc-access-key-id, x-fc-access-key-secret,
// x-fc-security-token).
func NewContext(ctx context.Context, v Value) context.Context {
	return context.WithValue(ctx, contextKey{}, v)
}

// FromContext returns the credentials NewContext stored in ctx; ok is
// false when there are none or they lack a key pair.
func FromContext(ctx context.Context) (v Value, ok bool) {
	v, ok = ctx.Value(contextKey{}).(Value)
	if !ok || !v.complete() {
		return Value{}, false
	}
	return v, true
}

// Invocation is a Provider of the current invocation's credentials, those
// NewContext stored in the context Retrieve is given: in Function Compute,
// the function role's temporary credentials passed with each invocation.
type Invocation struct{}

var _ Provider = Invocation{}

// Retrieve returns the invocation's credentials, or an error wrapping
// ErrNoCredentials outside an FC invocation (plain-HTTP mode, the local
// stack) or when FC passed no key pair.
func (Invocation) Retrieve(ctx context.Context) (Value, error) {
	if v, ok := FromContext(ctx); ok {
		return v, nil
	}
	return Value{}, fmt.Errorf("%w: not in an FC invocation that carries credentials", ErrNoCredentials)
}
