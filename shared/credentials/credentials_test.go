package credentials_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"ossdirect/internal/testsupport/credenv"
	"ossdirect/shared/credentials"
)

var ctx = context.Background()

func TestStatic(t *testing.T) {
	t.Parallel()
	got, err := credentials.NewStatic("id", "secret", "token").Retrieve(ctx)
	want := credentials.Value{AccessKeyID: "id", AccessKeySecret: "secret", SecurityToken: "token"}
	if err != nil || got != want {
		t.Errorf("Retrieve = %v, %v; want %v, nil", got, err, want)
	}
	for name, s := range map[string]credentials.Static{
		"empty":     {},
		"no secret": credentials.NewStatic("id", "", ""),
		"no id":     credentials.NewStatic("", "secret", ""),
	} {
		if _, err := s.Retrieve(ctx); !errors.Is(err, credentials.ErrNoCredentials) {
			t.Errorf("%s: err = %v, want ErrNoCredentials", name, err)
		}
	}
}

// fake is a Provider that counts its calls.
type fake struct {
	v     credentials.Value
	err   error
	calls int
}

func (f *fake) Retrieve(context.Context) (credentials.Value, error) {
	f.calls++
	return f.v, f.err
}

func TestChain(t *testing.T) {
	t.Parallel()
	a := credentials.Value{AccessKeyID: "a", AccessKeySecret: "sa"}
	b := credentials.Value{AccessKeyID: "b", AccessKeySecret: "sb", SecurityToken: "tb"}
	errA, errB := fmt.Errorf("a: %w", credentials.ErrNoCredentials), errors.New("b broken")

	t.Run("first that yields", func(t *testing.T) {
		first, second, third := &fake{err: errA}, &fake{v: b}, &fake{v: a}
		got, err := credentials.Chain{first, second, third}.Retrieve(ctx)
		if err != nil || got != b {
			t.Errorf("Retrieve = %v, %v; want %v", got, err, b)
		}
		if first.calls != 1 || second.calls != 1 || third.calls != 0 {
			t.Errorf("calls = %d, %d, %d; want 1, 1, 0", first.calls, second.calls, third.calls)
		}
	})
	t.Run("asks again every time", func(t *testing.T) {
		first, second := &fake{err: errA}, &fake{v: b}
		c := credentials.Chain{first, second}
		c.Retrieve(ctx)
		first.err, first.v = nil, a // the first source gets credentials later
		got, err := c.Retrieve(ctx)
		if err != nil || got != a {
			t.Errorf("Retrieve = %v, %v; want %v", got, err, a)
		}
	})
	t.Run("all fail", func(t *testing.T) {
		_, err := credentials.Chain{&fake{err: errA}, &fake{err: errB}}.Retrieve(ctx)
		if !errors.Is(err, errA) || !errors.Is(err, errB) {
			t.Errorf("err = %v, want both providers' errors", err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		if _, err := (credentials.Chain{}).Retrieve(ctx); !errors.Is(err, credentials.ErrNoCredentials) {
			t.Errorf("err = %v, want ErrNoCredentials", err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		p := &fake{v: a}
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := (credentials.Chain{p}).Retrieve(canceled); !errors.Is(err, context.Canceled) || p.calls != 0 {
			t.Errorf("err = %v, calls = %d; want context.Canceled, 0", err, p.calls)
		}
	})
}

func TestInvocation(t *testing.T) {
	t.Parallel()
	v := credentials.Value{AccessKeyID: "STS.invoke-ak", AccessKeySecret: "invoke-secret", SecurityToken: "invoke-token"}
	got, err := credentials.Invocation{}.Retrieve(credentials.NewContext(ctx, v))
	if err != nil || got != v {
		t.Errorf("in an invocation: %v, %v; want %v", got, err, v)
	}
	if _, err := (credentials.Invocation{}).Retrieve(ctx); !errors.Is(err, credentials.ErrNoCredentials) {
		t.Errorf("outside an invocation: err = %v, want ErrNoCredentials", err)
	}
	noPair := credentials.NewContext(ctx, credentials.Value{SecurityToken: "t"})
	if _, err := (credentials.Invocation{}).Retrieve(noPair); !errors.Is(err, credentials.ErrNoCredentials) {
		t.Errorf("no key pair: err = %v, want ErrNoCredentials", err)
	}
	if _, ok := credentials.FromContext(noPair); ok {
		t.Error("FromContext without a key pair: ok = true")
	}

	// In FC the invocation's credentials win over the environment's.
	env := &fake{v: credentials.Value{AccessKeyID: "env", AccessKeySecret: "env-secret"}}
	chain := credentials.Chain{credentials.Invocation{}, env}
	if got, _ := chain.Retrieve(credentials.NewContext(ctx, v)); got != v || env.calls != 0 {
		t.Errorf("chain in an invocation = %v (env asked %d times)", got, env.calls)
	}
	if got, _ := chain.Retrieve(ctx); got.AccessKeyID != "env" {
		t.Errorf("chain outside an invocation = %v, want env's", got)
	}
}

func TestValueHidesSecrets(t *testing.T) {
	t.Parallel()
	v := credentials.Value{AccessKeyID: "STS.visible-id", AccessKeySecret: "the-secret", SecurityToken: "the-token",
		Expiry: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("value", "creds", v)
	log.Info("static", "creds", credentials.Static{Value: v})
	texts := []string{v.String(), fmt.Sprint(v), fmt.Sprintf("%v %+v %#v %s", v, v, v, v), logs.String(),
		fmt.Sprintf("%v %+v %s", credentials.Static{Value: v}, credentials.Static{Value: v}, credentials.Static{Value: v})}
	for _, text := range texts {
		for _, secret := range []string{"the-secret", "the-token"} {
			if strings.Contains(text, secret) {
				t.Errorf("%q leaks %q", text, secret)
			}
		}
		if !strings.Contains(text, "STS.visible-id") {
			t.Errorf("%q does not show the access key id", text)
		}
	}
	if !strings.Contains(v.String(), "2026-01-02T03:04:05Z") || !strings.Contains(logs.String(), "2026-01-02T03:04:05Z") {
		t.Errorf("expiry missing: %s / %s", v, logs.String())
	}
}

func setEnv(t *testing.T, ak, secret, token string) {
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", ak)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret)
	t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", token)
}

// Not parallel: it sets environment variables.
func TestDefaultChain(t *testing.T) {
	credenv.Isolate(t)
	check := func(p credentials.Provider, wantAK, wantSecret, wantToken string) {
		t.Helper()
		got, err := p.Retrieve(ctx)
		if err != nil {
			t.Fatalf("Retrieve: %v", err)
		}
		want := credentials.Value{AccessKeyID: wantAK, AccessKeySecret: wantSecret, SecurityToken: wantToken}
		if got != want {
			t.Errorf("Retrieve = %+v; want %+v", got, want) // hidden secrets: compare fields
		}
		if got.AccessKeySecret != wantSecret || got.SecurityToken != wantToken {
			t.Errorf("secret or token differ from the environment's")
		}
	}

	// What Function Compute sets for the function's role.
	setEnv(t, "STS.fc-role-key", "fc-role-secret", "fc-role-token")
	p := credentials.NewDefaultChain()
	check(p, "STS.fc-role-key", "fc-role-secret", "fc-role-token")

	// Rotated credentials are picked up on the next call.
	setEnv(t, "STS.fc-role-key-2", "fc-role-secret-2", "fc-role-token-2")
	check(p, "STS.fc-role-key-2", "fc-role-secret-2", "fc-role-token-2")

	// A long-term access key has no token.
	setEnv(t, "LTAI5tLongTerm", "long-term-secret", "")
	check(p, "LTAI5tLongTerm", "long-term-secret", "")

	// No credentials anywhere: an error, then recovery once they appear
	// (credentials-go's chain alone would stay stuck on its last provider).
	setEnv(t, "", "", "")
	if _, err := p.Retrieve(ctx); !errors.Is(err, credentials.ErrNoCredentials) {
		t.Fatalf("Retrieve without any credentials: err = %v, want ErrNoCredentials", err)
	}
	setEnv(t, "STS.after-failure", "secret-after-failure", "token-after-failure")
	check(p, "STS.after-failure", "secret-after-failure", "token-after-failure")

	// A canceled context is reported as such (consumers treat it as transient).
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Retrieve(canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v, want context.Canceled", err)
	}
}
