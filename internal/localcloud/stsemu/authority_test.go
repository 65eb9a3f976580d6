package stsemu_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"ossdirect/internal/localcloud/stsemu"
)

var issueTime = time.Date(2024, 3, 5, 12, 0, 0, 0, time.UTC)

func mustIssue(t *testing.T, a *stsemu.Authority, policy string, d time.Duration) stsemu.Credentials {
	t.Helper()
	var p *stsemu.Policy
	if policy != "" {
		var err error
		if p, err = stsemu.ParsePolicy(policy); err != nil {
			t.Fatalf("ParsePolicy: %v", err)
		}
	}
	c, err := a.Issue(testRole, "session-1", p, d, issueTime)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return c
}

func TestIssueLookupRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy string
	}{
		{name: "without session policy"},
		{name: "with upload session policy", policy: uploadPolicy},
		{name: "with the largest policy", policy: runePolicy(stsemu.MaxPolicySize)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAuthority(t, nil)
			c := mustIssue(t, a, tt.policy, time.Hour)
			if !strings.HasPrefix(c.AccessKeyID, "STS.") || len(c.AccessKeyID) != 30 {
				t.Errorf("AccessKeyID = %q, want STS. + 26 characters", c.AccessKeyID)
			}
			if !strings.HasPrefix(c.SecurityToken, "CAIS") {
				t.Errorf("SecurityToken does not start with CAIS")
			}
			if len(c.SecurityToken) > 24<<10 {
				t.Errorf("SecurityToken is %d bytes", len(c.SecurityToken))
			}
			if want := issueTime.Add(time.Hour); !c.Expiration.Equal(want) || c.Expiration.Location() != time.UTC {
				t.Errorf("Expiration = %v, want %v UTC", c.Expiration, want)
			}
			id, err := a.Lookup(c.AccessKeyID, c.SecurityToken, issueTime.Add(59*time.Minute))
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			if id.AccessKeyID != c.AccessKeyID || id.AccessKeySecret != c.AccessKeySecret ||
				!id.Expiration.Equal(c.Expiration) || id.RoleARN != testRole || id.SessionName != "session-1" {
				t.Errorf("Lookup returned %+v", id)
			}
			if got := id.Policy.String(); got != tt.policy {
				t.Errorf("policy = %q, want %q", got, tt.policy)
			}
		})
	}
}

// TestLookupRejects covers tokens that must not verify.
func TestLookupRejects(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, nil)
	c := mustIssue(t, a, uploadPolicy, time.Hour)
	other := mustIssue(t, a, "", time.Hour)
	otherSecret, err := stsemu.NewAuthority(stsemu.AuthorityConfig{AccessKeyID: rootID, AccessKeySecret: rootSecret + "x"})
	if err != nil {
		t.Fatal(err)
	}
	otherRoot, err := stsemu.NewAuthority(stsemu.AuthorityConfig{AccessKeyID: rootID + "x", AccessKeySecret: rootSecret})
	if err != nil {
		t.Fatal(err)
	}
	foreign := mustIssue(t, otherSecret, uploadPolicy, time.Hour)
	foreignRoot := mustIssue(t, otherRoot, uploadPolicy, time.Hour)
	body, mac, _ := strings.Cut(c.SecurityToken, ".")
	otherBody, otherMAC, _ := strings.Cut(other.SecurityToken, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(body, "CAIS"))
	// A token whose claims name a longer expiry, with the old MAC.
	extended := "CAIS" + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"exp":`, `"exp":9`, 1))) + "." + mac
	live := issueTime.Add(time.Minute)

	tests := []struct {
		name  string
		ak    string
		token string
		now   time.Time
		want  error
	}{
		{name: "missing token", ak: c.AccessKeyID, token: "", now: live, want: stsemu.ErrInvalidToken},
		{name: "garbage", ak: c.AccessKeyID, token: "not a token", now: live, want: stsemu.ErrInvalidToken},
		{name: "prefix only", ak: c.AccessKeyID, token: "CAIS", now: live, want: stsemu.ErrInvalidToken},
		{name: "no MAC", ak: c.AccessKeyID, token: body, now: live, want: stsemu.ErrInvalidToken},
		{name: "empty MAC", ak: c.AccessKeyID, token: body + ".", now: live, want: stsemu.ErrInvalidToken},
		{name: "MAC with padding", ak: c.AccessKeyID, token: c.SecurityToken + "=", now: live, want: stsemu.ErrInvalidToken},
		{name: "trailing data", ak: c.AccessKeyID, token: c.SecurityToken + ".x", now: live, want: stsemu.ErrInvalidToken},
		{name: "without CAIS", ak: c.AccessKeyID, token: strings.TrimPrefix(c.SecurityToken, "CAIS"), now: live, want: stsemu.ErrInvalidToken},
		{name: "claims of one token, MAC of another", ak: c.AccessKeyID, token: body + "." + otherMAC, now: live, want: stsemu.ErrInvalidToken},
		{name: "claims edited, MAC kept", ak: c.AccessKeyID, token: extended, now: live, want: stsemu.ErrInvalidToken},
		{name: "token of another access key", ak: c.AccessKeyID, token: otherBody + "." + otherMAC, now: live, want: stsemu.ErrInvalidToken},
		{name: "access key of another token", ak: other.AccessKeyID, token: c.SecurityToken, now: live, want: stsemu.ErrInvalidToken},
		{name: "root access key", ak: rootID, token: c.SecurityToken, now: live, want: stsemu.ErrInvalidToken},
		{name: "issued under another root secret", ak: foreign.AccessKeyID, token: foreign.SecurityToken, now: live, want: stsemu.ErrInvalidToken},
		{name: "issued under another root ID", ak: foreignRoot.AccessKeyID, token: foreignRoot.SecurityToken, now: live, want: stsemu.ErrInvalidToken},
		{name: "oversized", ak: c.AccessKeyID, token: "CAIS" + strings.Repeat("A", 25<<10) + "." + mac, now: live, want: stsemu.ErrInvalidToken},
		{name: "expired at the expiration instant", ak: c.AccessKeyID, token: c.SecurityToken, now: c.Expiration, want: stsemu.ErrTokenExpired},
		{name: "expired a day later", ak: c.AccessKeyID, token: c.SecurityToken, now: c.Expiration.Add(24 * time.Hour), want: stsemu.ErrTokenExpired},
		{name: "valid one second before expiry", ak: c.AccessKeyID, token: c.SecurityToken, now: c.Expiration.Add(-time.Second), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, err := a.Lookup(tt.ak, tt.token, tt.now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Lookup error = %v, want %v", err, tt.want)
			}
			if (err == nil) != (id != nil) {
				t.Errorf("identity %v with error %v", id, err)
			}
			if err != nil && (strings.Contains(err.Error(), rootSecret) || strings.Contains(err.Error(), c.AccessKeySecret)) {
				t.Error("error message contains a secret")
			}
		})
	}
}

// TestLookupEveryByteFlipped flips each byte of a genuine token in turn;
// no variant may verify.
func TestLookupEveryByteFlipped(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, nil)
	c := mustIssue(t, a, uploadPolicy, time.Hour)
	for i := range len(c.SecurityToken) {
		for _, mask := range []byte{0x01, 0x20, 0x80} {
			b := []byte(c.SecurityToken)
			b[i] ^= mask
			if _, err := a.Lookup(c.AccessKeyID, string(b), issueTime); !errors.Is(err, stsemu.ErrInvalidToken) {
				t.Fatalf("byte %d ^ %#x: Lookup error = %v, want ErrInvalidToken", i, mask, err)
			}
		}
	}
}

// TestLookupUsesInjectedClock checks that a zero time means the
// authority's clock.
func TestLookupUsesInjectedClock(t *testing.T) {
	t.Parallel()
	clock := issueTime
	a := newAuthority(t, func() time.Time { return clock })
	c, err := a.Issue(testRole, "clocked", nil, 15*time.Minute, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if want := issueTime.Add(15 * time.Minute); !c.Expiration.Equal(want) {
		t.Errorf("Expiration = %v, want %v (from the injected clock)", c.Expiration, want)
	}
	if _, err := a.Lookup(c.AccessKeyID, c.SecurityToken, time.Time{}); err != nil {
		t.Errorf("Lookup at issue time: %v", err)
	}
	clock = issueTime.Add(15 * time.Minute)
	if _, err := a.Lookup(c.AccessKeyID, c.SecurityToken, time.Time{}); !errors.Is(err, stsemu.ErrTokenExpired) {
		t.Errorf("Lookup after expiry: %v, want ErrTokenExpired", err)
	}
}

// TestSecretDerivation checks the stateless design: the temporary secret
// is a function of the root identity and the temporary access key ID only.
func TestSecretDerivation(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, nil)
	b := newAuthority(t, nil) // "another process" with the same root identity
	c1 := mustIssue(t, a, "", time.Hour)
	c2 := mustIssue(t, a, "", time.Hour)
	if c1.AccessKeyID == c2.AccessKeyID || c1.AccessKeySecret == c2.AccessKeySecret || c1.SecurityToken == c2.SecurityToken {
		t.Error("two issues share an access key, secret or token")
	}
	if len(c1.AccessKeySecret) != 43 {
		t.Errorf("secret length = %d, want 43", len(c1.AccessKeySecret))
	}
	if c1.AccessKeySecret == rootSecret || strings.Contains(c1.SecurityToken, rootSecret) || strings.Contains(c1.SecurityToken, c1.AccessKeySecret) {
		t.Error("secret material leaks into the credentials")
	}
	id, err := b.Lookup(c1.AccessKeyID, c1.SecurityToken, issueTime)
	if err != nil {
		t.Fatalf("Lookup in another authority with the same root: %v", err)
	}
	if id.AccessKeySecret != c1.AccessKeySecret {
		t.Error("another authority derives a different secret")
	}
	rotated, err := stsemu.NewAuthority(stsemu.AuthorityConfig{AccessKeyID: rootID, AccessKeySecret: "rotated"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rotated.Lookup(c1.AccessKeyID, c1.SecurityToken, issueTime); !errors.Is(err, stsemu.ErrInvalidToken) {
		t.Errorf("Lookup after root secret rotation: %v, want ErrInvalidToken", err)
	}
}

func TestIssueRejects(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, nil)
	tooLarge := &stsemu.Policy{Version: "1", Statements: []stsemu.Statement{{
		Effect: stsemu.Allow, Action: []string{"oss:PutObject"}, Resource: []string{"acs:oss:*:*:b/" + strings.Repeat("x", 2048)},
	}}}
	badEffect := &stsemu.Policy{Version: "1", Statements: []stsemu.Statement{{
		Effect: "Maybe", Action: []string{"oss:PutObject"}, Resource: []string{"*"},
	}}}
	badCondition := &stsemu.Policy{Version: "1", Statements: []stsemu.Statement{{
		Effect: stsemu.Allow, Action: []string{"oss:PutObject"}, Resource: []string{"*"}, Condition: []byte("{not json"),
	}}}
	tests := []struct {
		name     string
		role     string
		session  string
		policy   *stsemu.Policy
		duration time.Duration
		want     error
	}{
		{name: "malformed role ARN", role: "acs:ram::1:user/x", session: "s1", duration: time.Hour, want: stsemu.ErrInvalidArgument},
		{name: "empty role ARN", role: "", session: "s1", duration: time.Hour, want: stsemu.ErrInvalidArgument},
		{name: "session name too short", role: testRole, session: "s", duration: time.Hour, want: stsemu.ErrInvalidArgument},
		{name: "session name with slash", role: testRole, session: "a/b", duration: time.Hour, want: stsemu.ErrInvalidArgument},
		{name: "zero duration", role: testRole, session: "s1", duration: 0, want: stsemu.ErrInvalidArgument},
		{name: "sub-second duration", role: testRole, session: "s1", duration: time.Millisecond, want: stsemu.ErrInvalidArgument},
		{name: "duration above 12h", role: testRole, session: "s1", duration: 13 * time.Hour, want: stsemu.ErrInvalidArgument},
		{name: "hand-built policy too large", role: testRole, session: "s1", policy: tooLarge, duration: time.Hour, want: stsemu.ErrPolicyTooLarge},
		{name: "hand-built policy that does not marshal", role: testRole, session: "s1", policy: badCondition, duration: time.Hour, want: stsemu.ErrInvalidPolicy},
		{name: "hand-built policy with no statements", role: testRole, session: "s1", policy: &stsemu.Policy{Version: "1"}, duration: time.Hour, want: stsemu.ErrInvalidPolicy},
		{name: "hand-built policy with bad effect", role: testRole, session: "s1", policy: badEffect, duration: time.Hour, want: stsemu.ErrInvalidPolicy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := a.Issue(tt.role, tt.session, tt.policy, tt.duration, issueTime); !errors.Is(err, tt.want) {
				t.Errorf("Issue error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestIssueWithRand checks reproducible issuance and a failing source.
func TestIssueWithRand(t *testing.T) {
	t.Parallel()
	a, err := stsemu.NewAuthority(stsemu.AuthorityConfig{AccessKeyID: rootID, AccessKeySecret: rootSecret,
		Rand: bytes.NewReader(make([]byte, 16))})
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Issue(testRole, "s1", nil, time.Hour, issueTime)
	if err != nil {
		t.Fatal(err)
	}
	if want := "STS.AAAAAAAAAAAAAAAAAAAAAAAAAA"; c.AccessKeyID != want {
		t.Errorf("AccessKeyID = %q, want %q", c.AccessKeyID, want)
	}
	if _, err := a.Issue(testRole, "s1", nil, time.Hour, issueTime); !errors.Is(err, stsemu.ErrInvalidArgument) {
		t.Errorf("Issue with exhausted Rand: %v, want ErrInvalidArgument", err)
	}
}

func TestNewAuthorityRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  stsemu.AuthorityConfig
	}{
		{name: "empty", cfg: stsemu.AuthorityConfig{}},
		{name: "no secret", cfg: stsemu.AuthorityConfig{AccessKeyID: rootID}},
		{name: "no ID", cfg: stsemu.AuthorityConfig{AccessKeySecret: rootSecret}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := stsemu.NewAuthority(tt.cfg); !errors.Is(err, stsemu.ErrInvalidArgument) {
				t.Errorf("NewAuthority error = %v, want ErrInvalidArgument", err)
			}
		})
	}
}
