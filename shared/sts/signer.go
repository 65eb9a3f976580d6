package sts

import (
	"context"
	"errors"
	"sync"

	"github.com/aliyun/credentials-go/credentials"
)

// Signer supplies the credentials the AssumeRole call itself is signed with.
// It is asked once per STS call, so rotating credentials (such as an FC
// function role's temporary credentials) are picked up. token is empty for a
// long-term access key. Implementations must be safe for concurrent use and
// must not put secrets in their errors; an error wrapping [ErrUnavailable]
// is reported as transient, any other as [ErrMisconfigured].
type Signer interface {
	Credentials(ctx context.Context) (ak, secret, token string, err error)
}

// Static returns a Signer that always answers with the given credentials.
func Static(ak, secret, token string) Signer {
	return staticSigner{ak: ak, secret: secret, token: token}
}

type staticSigner struct{ ak, secret, token string }

func (s staticSigner) Credentials(context.Context) (string, string, string, error) {
	return s.ak, s.secret, s.token, nil
}

// DefaultChain returns a Signer backed by credentials-go's default
// credential chain (credentials.NewCredential(nil)): environment variables
// ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and optional
// ALIBABA_CLOUD_SECURITY_TOKEN first (re-read on every call; this is what
// Function Compute sets for the function's role), then OIDC, the aliyun CLI
// profile, the shared credentials file, ECS instance metadata and
// ALIBABA_CLOUD_CREDENTIALS_URI. See reference/fc3.md §4.4.
//
// The chain is built on first use, not here. The chain remembers the provider
// it last tried even after every provider failed and then asks only that one;
// this Signer therefore discards the chain after a failure and builds a new
// one on the next call, so credentials that appear later are found. Calls are
// serialised, since the chain is not safe for concurrent use.
//
// Only main packages should call DefaultChain: it reads the environment.
func DefaultChain() Signer {
	return &chainSigner{}
}

type chainSigner struct {
	mu   sync.Mutex
	cred credentials.Credential
}

func (s *chainSigner) Credentials(ctx context.Context) (string, string, string, error) {
	if err := ctx.Err(); err != nil {
		return "", "", "", errors.Join(ErrUnavailable, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cred == nil {
		cred, err := credentials.NewCredential(nil)
		if err != nil {
			return "", "", "", err
		}
		s.cred = cred
	}
	m, err := s.cred.GetCredential()
	if err != nil {
		s.cred = nil
		return "", "", "", err
	}
	if m == nil || m.AccessKeyId == nil || m.AccessKeySecret == nil {
		s.cred = nil
		return "", "", "", errors.New("sts: default credential chain returned no access key")
	}
	token := ""
	if m.SecurityToken != nil {
		token = *m.SecurityToken
	}
	return *m.AccessKeyId, *m.AccessKeySecret, token, nil
}
