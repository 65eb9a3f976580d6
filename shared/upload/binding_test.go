package upload

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestBinding(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	current := []byte(strings.Repeat("c", 32))
	previous := []byte(strings.Repeat("p", 32))
	g := &Grant{Profile: "images", Dir: "images/alice/2026/12/", Key: "images/alice/2026/12/x.png", Expiration: now.Add(10 * time.Minute)}
	b, err := NewBinding(g, "alice", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := func(vars map[string]string, edit func(map[string]string)) func(string) string {
		f := map[string]string{}
		for k, v := range vars {
			f[strings.TrimPrefix(k, "x:")] = v
		}
		f["gid"] = vars[VarGrantID]
		if edit != nil {
			edit(f)
		}
		return func(k string) string { return f[k] }
	}
	grace := 30 * time.Minute
	tests := []struct {
		name   string
		signed []byte
		edit   func(map[string]string)
		now    time.Time
		want   error
	}{
		{name: "current secret", signed: current, now: now},
		{name: "previous secret during rotation", signed: previous, now: now},
		{name: "a secret no longer accepted", signed: []byte(strings.Repeat("o", 32)), now: now, want: ErrBindingSignature},
		{name: "within grace after expiry", signed: current, now: now.Add(10*time.Minute + grace), want: nil},
		{name: "after grace", signed: current, now: now.Add(10*time.Minute + grace + time.Second), want: ErrBindingExpired},
		{name: "another key", signed: current, now: now, edit: func(f map[string]string) { f["scope"] = "k:images/bob/2026/12/x.png" }, want: ErrBindingSignature},
		{name: "widened to a prefix", signed: current, now: now, edit: func(f map[string]string) { f["scope"] = "p:images/" }, want: ErrBindingSignature},
		{name: "another subject", signed: current, now: now, edit: func(f map[string]string) { f["subject"] = "bob" }, want: ErrBindingSignature},
		{name: "another profile", signed: current, now: now, edit: func(f map[string]string) { f["profile"] = "docs" }, want: ErrBindingSignature},
		{name: "later expiry", signed: current, now: now, edit: func(f map[string]string) { f["exp"] = "99999999999" }, want: ErrBindingSignature},
		{name: "no signature", signed: current, now: now, edit: func(f map[string]string) { delete(f, "sig") }, want: ErrBindingMissing},
		{name: "literal body without variables", signed: current, now: now, edit: func(f map[string]string) { clear(f) }, want: ErrBindingMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBinding(body(b.Vars(tt.signed), tt.edit), [][]byte{current, previous}, tt.now, grace)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if tt.want == nil && got != b {
				t.Fatalf("parsed %+v, want %+v", got, b)
			}
			if err != nil && (strings.Contains(err.Error(), string(current)) || strings.Contains(err.Error(), string(previous))) {
				t.Fatalf("the error %q shows a secret", err)
			}
		})
	}
	if d, _ := NewBinding(g, "alice", true, nil); d.Key != "" || d.Prefix != g.Dir {
		t.Errorf("a whole-directory binding %+v, want the prefix %q", d, g.Dir)
	}
	if !b.Covers(g.Key) || b.Covers(g.Key+"x") || b.Covers("images/alice/2026/12/") {
		t.Error("an exact-key binding covers only its key")
	}
	p := Binding{Prefix: "uploads/alice/"}
	if !p.Covers("uploads/alice/a.bin") || p.Covers("uploads/alice/") || p.Covers("uploads/alicex/a.bin") || p.Covers("uploads/bob/a.bin") {
		t.Error("a prefix binding covers the keys under its prefix only")
	}
}
