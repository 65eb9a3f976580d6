package stsemu

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestWildcardMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, pattern, s string
		want             bool
	}{
		{name: "literal", pattern: "abc", s: "abc", want: true},
		{name: "literal mismatch", pattern: "abc", s: "abd", want: false},
		{name: "star alone matches empty", pattern: "*", s: "", want: true},
		{name: "star matches slash", pattern: "a*", s: "a/b/c", want: true},
		{name: "star in middle", pattern: "a*c", s: "abbbc", want: true},
		{name: "star needs the suffix", pattern: "a*c", s: "abbbd", want: false},
		{name: "two stars with backtracking", pattern: "*a*b", s: "xaxaxb", want: true},
		{name: "question needs a character", pattern: "a?", s: "a", want: false},
		{name: "question one rune", pattern: "?", s: "é", want: true},
		{name: "question not two runes", pattern: "?", s: "éé", want: false},
		{name: "empty pattern", pattern: "", s: "a", want: false},
		{name: "empty both", pattern: "", s: "", want: true},
		{name: "trailing stars", pattern: "a***", s: "a", want: true},
		{name: "literal star in subject", pattern: "acs:oss:*:*:b/*", s: "acs:oss:*:*:b/k", want: true},
		{name: "invalid UTF-8 byte is one character", pattern: "a?c", s: "a\xffc", want: true},
		{name: "pathological but linear enough", pattern: strings.Repeat("*a", 50) + "b", s: strings.Repeat("a", 2000), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := wildcardMatch(tt.pattern, tt.s); got != tt.want {
				t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
			}
		})
	}
}

func TestNonceCache(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ttl := 30 * time.Minute

	t.Run("replay refused until expiry", func(t *testing.T) {
		t.Parallel()
		c := newNonceCache(10)
		if !c.use("n", t0, t0.Add(ttl)) {
			t.Fatal("first use refused")
		}
		if c.use("n", t0.Add(ttl-time.Second), t0.Add(2*ttl)) {
			t.Error("replay accepted within the window")
		}
		if !c.use("n", t0.Add(ttl), t0.Add(2*ttl)) {
			t.Error("reuse refused after expiry")
		}
	})
	t.Run("bounded: oldest evicted", func(t *testing.T) {
		t.Parallel()
		c := newNonceCache(3)
		for i := range 5 {
			if !c.use(fmt.Sprint(i), t0, t0.Add(ttl)) {
				t.Fatalf("use %d refused", i)
			}
		}
		if got := len(c.seen); got != 3 {
			t.Errorf("cache holds %d entries, want 3", got)
		}
		if c.use("4", t0, t0.Add(ttl)) {
			t.Error("recent nonce evicted")
		}
		if !c.use("0", t0, t0.Add(ttl)) {
			t.Error("oldest nonce still remembered beyond the bound")
		}
	})
	t.Run("many entries stay bounded", func(t *testing.T) {
		t.Parallel()
		c := newNonceCache(100)
		for i := range 10000 {
			now := t0.Add(time.Duration(i) * time.Second)
			c.use(fmt.Sprint(i), now, now.Add(ttl))
		}
		if len(c.seen) > 100 || len(c.queue)-c.head > 100 || len(c.queue) > 2200 {
			t.Errorf("cache grew: %d seen, %d queued (%d live)", len(c.seen), len(c.queue), len(c.queue)-c.head)
		}
	})
}
