package upload_test

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"ossdirect/shared/upload"
)

func TestSanitizeSubject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"kept as is", "user-42_A.b", "user-42_A.b"},
		{"slash escaped", "a/b", "a~2Fb"},
		{"tilde escaped", "a~2Fb", "a~7E2Fb"},
		{"space and plus", "a b+c", "a~20b~2Bc"},
		{"dot", ".", "~2E"},
		{"dot dot", "..", "~2E."},
		{"leading dot", ".hidden", "~2Ehidden"},
		{"inner dots kept", "a..b", "a..b"},
		{"email", "me@example.com", "me~40example.com"},
		{"multi-byte", "中", "~E4~B8~AD"},
		{"wildcards", "*?", "~2A~3F"},
		{"control", "a\x00\n", "a~00~0A"},
		{"invalid UTF-8", "\xff", "~FF"},
		{"backslash", `a\b`, "a~5Cb"},
		{"max length", strings.Repeat("a", 128), strings.Repeat("a", 128)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := upload.SanitizeSubject(tt.in)
			if err != nil {
				t.Fatalf("SanitizeSubject(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("SanitizeSubject(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSanitizeSubjectRejects(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"too long", strings.Repeat("a", 129)},
		{"too long once escaped", strings.Repeat("/", 43)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := upload.SanitizeSubject(tt.in)
			var fe *upload.FieldError
			if !errors.As(err, &fe) || fe.Field != "subject" || !errors.Is(err, upload.ErrInvalidSubject) {
				t.Fatalf("SanitizeSubject(%q) error = %v, want a subject FieldError", tt.in, err)
			}
		})
	}
}

// unsanitize inverts SanitizeSubject; that it exists proves injectivity.
func unsanitize(t *testing.T, s string) string {
	t.Helper()
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '~' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			t.Fatalf("truncated escape in %q", s)
		}
		v, err := hex.DecodeString(s[i+1 : i+3])
		if err != nil {
			t.Fatalf("bad escape in %q", s)
		}
		b = append(b, v[0])
		i += 2
	}
	return string(b)
}

func checkSafeSegment(t *testing.T, s string) {
	t.Helper()
	if s == "" || s == "." || s == ".." || strings.HasPrefix(s, ".") {
		t.Fatalf("unsafe segment %q", s)
	}
	for _, r := range s {
		if r == '/' || r == '\\' || r == '*' || r == '?' || r == '$' || unicode.IsControl(r) || r >= utf8.RuneSelf {
			t.Fatalf("output %q contains %q", s, r)
		}
	}
}

func FuzzSanitizeSubject(f *testing.F) {
	for _, s := range []string{"user-1", "a/b", "a~2Fb", ".", "..", ".x", "中文", "\x00", "\xff~", "~"} {
		f.Add(s, s+"x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		sa, errA := upload.SanitizeSubject(a)
		sb, errB := upload.SanitizeSubject(b)
		if errA == nil {
			checkSafeSegment(t, sa)
			if len(sa) > upload.MaxSubjectLength {
				t.Fatalf("output %d bytes", len(sa))
			}
			if got := unsanitize(t, sa); got != a {
				t.Fatalf("unsanitize(%q) = %q, want %q", sa, got, a)
			}
		}
		if errA == nil && errB == nil && a != b && sa == sb {
			t.Fatalf("subjects %q and %q share %q", a, b, sa)
		}
	})
}

func TestValidateFilename(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"plain", "cat.png", true},
		{"chinese and space", "猫 的照片.png", true},
		{"plus percent tilde bang", "a+b%20~c!.png", true},
		{"sub directory", "album/cat.png", true},
		{"inner dots", "a..b.png", true},
		{"dot file", ".profile", true},
		{"max length", strings.Repeat("a", 251) + ".png", true},
		{"empty", "", false},
		{"dot dot", "..", false},
		{"dot", ".", false},
		{"parent prefix", "../cat.png", false},
		{"parent inside", "a/../cat.png", false},
		{"parent suffix", "a/..", false},
		{"dot segment", "./cat.png", false},
		{"leading slash", "/cat.png", false},
		{"trailing slash", "album/", false},
		{"double slash", "a//cat.png", false},
		{"backslash", `a\cat.png`, false},
		{"backslash traversal", `..\cat.png`, false},
		{"NUL", "a\x00.png", false},
		{"newline", "a\n.png", false},
		{"DEL", "a\x7f.png", false},
		{"C1 NEL", "a\u0085.png", false},
		{"bidi override", "gnp\u202e.exe", false},
		{"invalid UTF-8", "a\xff.png", false},
		{"too long", strings.Repeat("a", 252) + ".png", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := upload.ValidateFilename(tt.in)
			if tt.ok {
				if err != nil {
					t.Fatalf("ValidateFilename(%q) = %v", tt.in, err)
				}
				return
			}
			var fe *upload.FieldError
			if !errors.As(err, &fe) || fe.Field != "filename" || !errors.Is(err, upload.ErrInvalidName) || !errors.Is(err, upload.ErrInvalidRequest) {
				t.Fatalf("ValidateFilename(%q) = %v, want a filename FieldError", tt.in, err)
			}
		})
	}
}

func TestValidateKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"plain", "images/u/2024/01/x.png", true},
		{"max length", strings.Repeat("a", 1023), true},
		{"too long", strings.Repeat("a", 1024), false},
		{"empty", "", false},
		{"leading slash", "/a", false},
		{"leading backslash", `\a`, false},
		{"dot dot", "a/../b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := upload.ValidateKey(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateKey(%q) = %v, want ok=%v", tt.in, err, tt.ok)
			}
			var fe *upload.FieldError
			if err != nil && (!errors.As(err, &fe) || fe.Field != "key") {
				t.Errorf("error %v does not name field key", err)
			}
		})
	}
}

// checkSafeName asserts the invariants every accepted name or key keeps.
func checkSafeName(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) || strings.HasPrefix(s, "/") || strings.Contains(s, `\`) {
		t.Fatalf("unsafe name %q", s)
	}
	for seg := range strings.SplitSeq(s, "/") {
		if seg == ".." || seg == "." || seg == "" {
			t.Fatalf("name %q has segment %q", s, seg)
		}
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			t.Fatalf("name %q has control %U", s, r)
		}
	}
}

func FuzzValidateFilename(f *testing.F) {
	for _, s := range []string{"cat.png", "../x", "a/./b", "a\\b", "中.png", "a\u0085", "/x", "a//b", "x/"} {
		f.Add(s)
	}
	ps, err := upload.ParseProfiles([]byte(`{"c": {"prefix": "u/{sub}/", "naming": "client", "maxSize": 10}}`))
	if err != nil {
		f.Fatal(err)
	}
	prof := ps["c"]
	f.Fuzz(func(t *testing.T, name string) {
		if upload.ValidateFilename(name) == nil {
			checkSafeName(t, name)
			if len(name) > upload.MaxFilenameLength {
				t.Fatalf("accepted %d bytes", len(name))
			}
		}
		if upload.ValidateKey(name) == nil {
			checkSafeName(t, name)
		}
		g, err := prof.Grant(upload.Request{Subject: "s", Filename: name}, fixedNow, upload.GrantOptions{})
		if err != nil || name == "" { // no file name: client naming leaves Key empty
			return
		}
		checkSafeName(t, g.Key)
		if !strings.HasPrefix(g.Key, g.Dir) || upload.ValidateKey(g.Key) != nil {
			t.Fatalf("grant key %q escapes dir %q or is invalid", g.Key, g.Dir)
		}
	})
}
