package credentials

import (
	"context"
	"fmt"
	"sync"

	alicred "github.com/aliyun/credentials-go/credentials"
)

// DefaultChain is a Provider backed by credentials-go's default credential
// chain (credentials.NewCredential(nil)): environment variables
// ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and optional
// ALIBABA_CLOUD_SECURITY_TOKEN first (re-read on every call; this is what
// Function Compute sets for the function's role), then OIDC, the aliyun CLI
// profile, the shared credentials file, ECS instance metadata and
// ALIBABA_CLOUD_CREDENTIALS_URI. See reference/fc3.md §4.4.
//
// The chain is built on first use. credentials-go's chain remembers the
// provider it last tried even after every provider failed and then asks
// only that one; DefaultChain therefore discards it after a failure and
// builds a new one on the next call, so credentials that appear later are
// found. Calls are serialised, since that chain is not safe for concurrent
// use. The expiry is not reported (zero).
//
// Build it with NewDefaultChain, and only at start-up (shared/app.Run): it
// reads the environment.
type DefaultChain struct {
	mu   sync.Mutex
	cred alicred.Credential
}

var _ Provider = (*DefaultChain)(nil)

// NewDefaultChain returns a DefaultChain.
func NewDefaultChain() *DefaultChain { return &DefaultChain{} }

// Retrieve asks credentials-go's default chain. A done ctx returns its
// error; a chain without credentials an error wrapping ErrNoCredentials.
func (d *DefaultChain) Retrieve(ctx context.Context) (Value, error) {
	if err := ctx.Err(); err != nil {
		return Value{}, fmt.Errorf("credentials: default chain: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cred == nil {
		cred, err := alicred.NewCredential(nil)
		if err != nil {
			return Value{}, fmt.Errorf("%w: default chain: %w", ErrNoCredentials, err)
		}
		d.cred = cred
	}
	m, err := d.cred.GetCredential()
	if err != nil {
		d.cred = nil
		return Value{}, fmt.Errorf("%w: default chain: %w", ErrNoCredentials, err)
	}
	if m == nil || m.AccessKeyId == nil || m.AccessKeySecret == nil || *m.AccessKeyId == "" || *m.AccessKeySecret == "" {
		d.cred = nil
		return Value{}, fmt.Errorf("%w: default chain returned no access key", ErrNoCredentials)
	}
	v := Value{AccessKeyID: *m.AccessKeyId, AccessKeySecret: *m.AccessKeySecret}
	if m.SecurityToken != nil {
		v.SecurityToken = *m.SecurityToken
	}
	return v, nil
}
