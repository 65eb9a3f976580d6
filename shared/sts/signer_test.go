package sts_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"ossdirect/shared/sts"
)

func TestStatic(t *testing.T) {
	t.Parallel()
	ak, secret, token, err := sts.Static("id", "secret", "token").Credentials(context.Background())
	if err != nil || ak != "id" || secret != "secret" || token != "token" {
		t.Errorf("Static = %q, %q, %q, %v; want id, secret, token, nil", ak, secret, token, err)
	}
}

// isolateCredentialChain points every source of credentials-go's default
// chain other than the environment variables at nothing. It uses t.Setenv,
// so callers cannot be parallel.
func isolateCredentialChain(t *testing.T) {
	t.Setenv("HOME", t.TempDir()) // no ~/.aliyun/config.json, no ~/.alibabacloud/credentials
	for k, v := range map[string]string{
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
		"ALIBABA_CLOUD_CLI_PROFILE_DISABLED":  "true",
		"ALIBABA_CLOUD_ECS_METADATA":          "",
		"ALIBABA_CLOUD_OIDC_PROVIDER_ARN":     "",
		"ALIBABA_CLOUD_OIDC_TOKEN_FILE":       "",
		"ALIBABA_CLOUD_ROLE_ARN":              "",
		"ALIBABA_CLOUD_CREDENTIALS_URI":       "",
		"ALIBABA_CLOUD_CREDENTIALS_FILE":      "",
		"ALIBABA_CLOUD_CONFIG_FILE":           "",
		"ALIBABA_CLOUD_PROFILE":               "",
	} {
		t.Setenv(k, v)
	}
}

func setSignerEnv(t *testing.T, ak, secret, token string) {
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", ak)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret)
	t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", token)
}

// Not parallel: it sets environment variables.
func TestDefaultChain(t *testing.T) {
	isolateCredentialChain(t)
	ctx := context.Background()
	check := func(s sts.Signer, wantAK, wantSecret, wantToken string) {
		t.Helper()
		ak, secret, token, err := s.Credentials(ctx)
		if err != nil {
			t.Fatalf("Credentials: %v", err)
		}
		if ak != wantAK || secret != wantSecret || token != wantToken {
			t.Errorf("Credentials = %q, %q, %q; want %q, %q, %q", ak, secret, token, wantAK, wantSecret, wantToken)
		}
	}

	// What Function Compute sets for the function's role.
	setSignerEnv(t, "STS.fc-role-key", "fc-role-secret", "fc-role-token")
	s := sts.DefaultChain()
	check(s, "STS.fc-role-key", "fc-role-secret", "fc-role-token")

	// Rotated credentials are picked up on the next call.
	setSignerEnv(t, "STS.fc-role-key-2", "fc-role-secret-2", "fc-role-token-2")
	check(s, "STS.fc-role-key-2", "fc-role-secret-2", "fc-role-token-2")

	// A long-term access key has no token.
	setSignerEnv(t, "LTAI5tLongTerm", "long-term-secret", "")
	check(s, "LTAI5tLongTerm", "long-term-secret", "")

	// No credentials anywhere: an error, then recovery once they appear
	// (credentials-go's chain alone would stay stuck on its last provider).
	setSignerEnv(t, "", "", "")
	if _, _, _, err := s.Credentials(ctx); err == nil {
		t.Fatal("Credentials succeeded without any credentials")
	}
	setSignerEnv(t, "STS.after-failure", "secret-after-failure", "token-after-failure")
	check(s, "STS.after-failure", "secret-after-failure", "token-after-failure")

	// A canceled context is reported as transient.
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, _, err := s.Credentials(canceled); !errors.Is(err, sts.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v, want ErrUnavailable and context.Canceled", err)
	}
}

// Not parallel: it sets environment variables.
func TestDefaultChainSignsAssumeRole(t *testing.T) {
	isolateCredentialChain(t)
	setSignerEnv(t, rootID, rootSecret, "")
	e := startEmu(t, nil, nil)
	c := newClient(t, e, nil, func(cfg *sts.Config) { cfg.Signer = sts.DefaultChain() })
	got, err := c.Credentials(context.Background(), "alice", "images", []byte(aliceUploads))
	if err != nil {
		t.Fatalf("Credentials: %v", err)
	}
	if _, err := e.auth.Lookup(got.AccessKeyID, got.SecurityToken, time.Time{}); err != nil {
		t.Errorf("issued credentials do not verify: %v", err)
	}
}
