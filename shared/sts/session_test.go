package sts_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"ossdirect/shared/sts"
)

// validSession is the RoleSessionName rule (DOC-RAM 2021, the stricter one).
var validSession = regexp.MustCompile(`^[A-Za-z0-9.@_-]{2,32}$`)

func TestRoleSessionName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, subject string
		want          string // "" when the result is a sanitised name + hash
		wantPrefix    string // checked when want is ""
	}{
		{"email kept", "alice@example.com", "alice@example.com", ""},
		{"underscore kept", "alice_example.com", "alice_example.com", ""},
		{"all allowed characters", "A-z.0@9_", "A-z.0@9_", ""},
		{"exactly 32", strings.Repeat("a", 32), strings.Repeat("a", 32), ""},
		{"exactly 2", "ab", "ab", ""},
		{"one character", "a", "", "a-"},
		{"empty", "", "", ""},
		{"33 characters", strings.Repeat("a", 33), "", strings.Repeat("a", 19) + "-"},
		{"space", "alice smith", "", "alice_smith-"},
		{"plus and slash", "user+tag/x", "", "user_tag_x-"},
		{"UTF-8", "张三", "", "__-"},
		{"invalid UTF-8", "a\xffb", "", "a_b-"},
		{"OIDC subject", "https://issuer.example.com/users/123456789", "", "https___issuer.exam-"},
		{"colon", "auth0|65f0c2e1a9", "", "auth0_65f0c2e1a9-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := sts.RoleSessionName(tc.subject)
			if !validSession.MatchString(got) {
				t.Fatalf("RoleSessionName(%q) = %q, not a valid session name", tc.subject, got)
			}
			if again := sts.RoleSessionName(tc.subject); again != got {
				t.Errorf("not stable: %q then %q", got, again)
			}
			if tc.want != "" {
				if got != tc.want {
					t.Errorf("RoleSessionName(%q) = %q, want %q", tc.subject, got, tc.want)
				}
				return
			}
			if !strings.HasPrefix(got, tc.wantPrefix) || !regexp.MustCompile(`[0-9a-f]{12}$`).MatchString(got) {
				t.Errorf("RoleSessionName(%q) = %q, want prefix %q and a 12-hex-digit hash", tc.subject, got, tc.wantPrefix)
			}
		})
	}
}

func TestRoleSessionNameDistinct(t *testing.T) {
	t.Parallel()
	// Pairs that sanitise or truncate to the same text must still differ.
	pairs := [][2]string{
		{"alice@example.com", "alice_example.com"},
		{"alice smith", "alice_smith"},
		{"alice smith", "alice/smith"},
		{"张三", "李四"},
		{strings.Repeat("a", 32) + "1", strings.Repeat("a", 32) + "2"},
		{"a", "a "},
		{"", " "},
		{"Alice", "alice"},
	}
	for _, p := range pairs {
		a, b := sts.RoleSessionName(p[0]), sts.RoleSessionName(p[1])
		if a == b {
			t.Errorf("RoleSessionName(%q) = RoleSessionName(%q) = %q", p[0], p[1], a)
		}
	}

	seen := make(map[string]string)
	for i := range 20000 {
		subject := "user " + strings.Repeat("x", i%40) + string(rune('a'+i%26)) + " #" + strconv.Itoa(i)
		name := sts.RoleSessionName(subject)
		if other, dup := seen[name]; dup {
			t.Fatalf("%q and %q both map to %q", subject, other, name)
		}
		seen[name] = subject
	}
}
