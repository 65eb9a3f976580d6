package callback

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckKeyURLAllowed(t *testing.T) {
	t.Parallel()
	emu := []string{"http://127.0.0.1:9000/ossemu/keys/"}
	tests := []struct {
		name    string
		url     string
		allowed []string
	}{
		{"https default", "https://gosspublic.alicdn.com/callback_pub_key_v1.pem", nil},
		{"http default", "http://gosspublic.alicdn.com/callback_pub_key_v1.pem", nil},
		{"empty allow-list means default", "https://gosspublic.alicdn.com/callback_pub_key_v1.pem", []string{}},
		{"upper-case scheme and host", "HTTPS://GOSSPUBLIC.ALICDN.COM/callback_pub_key_v1.pem", nil},
		{"mixed-case host", "http://GossPublic.AliCDN.com/callback_pub_key_v1.pem", nil},
		{"bare prefix", "https://gosspublic.alicdn.com/", nil},
		{"emulator prefix with port", "http://127.0.0.1:9000/ossemu/keys/pub.pem", emu},
		{"prefix without path means slash", "http://localhost:8080/k.pem", []string{"http://localhost:8080"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := CheckKeyURL(tt.url, tt.allowed); err != nil {
				t.Fatalf("CheckKeyURL(%q) = %v, want nil", tt.url, err)
			}
		})
	}
}

func TestCheckKeyURLRejected(t *testing.T) {
	t.Parallel()
	emu := []string{"http://127.0.0.1:9000/ossemu/keys/"}
	const pem = "/callback_pub_key_v1.pem"
	tests := []struct {
		name    string
		url     string
		allowed []string
	}{
		{"empty", "", nil},
		{"foreign host", "https://example.com" + pem, nil},
		{"cloudreve foreign host", "https://pornhub.com", nil},
		{"allowed host as userinfo", "http://gosspublic.alicdn.com@evil.com" + pem, nil},
		{"allowed host as userinfo with password", "http://gosspublic.alicdn.com:x@evil.com" + pem, nil},
		{"userinfo before allowed host", "http://user@gosspublic.alicdn.com" + pem, nil},
		{"empty userinfo", "http://@gosspublic.alicdn.com" + pem, nil},
		{"look-alike suffix", "http://gosspublic.alicdn.com.evil.com" + pem, nil},
		{"look-alike prefix", "http://evilgosspublic.alicdn.com" + pem, nil},
		{"sub-domain", "http://x.gosspublic.alicdn.com" + pem, nil},
		{"trailing dot host", "http://gosspublic.alicdn.com." + pem, nil},
		{"unicode long s folds to s", "http://go\u017f\u017fpublic.alicdn.com" + pem, nil},
		{"kelvin sign", "http://\u212a.com" + pem, []string{"http://k.com/"}},
		{"fullwidth dot", "http://gosspublic\uff0ealicdn.com" + pem, nil},
		{"explicit port", "http://gosspublic.alicdn.com:8080" + pem, nil},
		{"explicit default http port", "http://gosspublic.alicdn.com:80" + pem, nil},
		{"explicit default https port", "https://gosspublic.alicdn.com:443" + pem, nil},
		{"empty port", "http://gosspublic.alicdn.com:" + pem, nil},
		{"port not in emulator prefix", "http://127.0.0.1:9001/ossemu/keys/pub.pem", emu},
		{"emulator port dropped", "http://127.0.0.1/ossemu/keys/pub.pem", emu},
		{"backslash before at", `http://gosspublic.alicdn.com\@evil.com` + pem, nil},
		{"backslash path", `http://gosspublic.alicdn.com\..\x.pem`, nil},
		{"backslash host", `http://evil.com\gosspublic.alicdn.com/`, nil},
		{"dot-dot segment", "http://gosspublic.alicdn.com/../x.pem", nil},
		{"dot-dot escaping emulator prefix", "http://127.0.0.1:9000/ossemu/keys/../../admin", emu},
		{"dot segment", "http://gosspublic.alicdn.com/./x.pem", nil},
		{"trailing dot-dot", "http://gosspublic.alicdn.com/a/..", nil},
		{"encoded dot-dot", "http://gosspublic.alicdn.com/%2e%2e/x.pem", nil},
		{"encoded upper dot-dot slash", "http://127.0.0.1:9000/ossemu/keys/%2E%2E%2F%2E%2E%2Fadmin", emu},
		{"encoded slash", "http://gosspublic.alicdn.com/a%2Fb.pem", nil},
		{"double encoded dot-dot", "http://gosspublic.alicdn.com/%252e%252e/x.pem", nil},
		{"encoded host", "http://gosspublic%2ealicdn.com" + pem, nil},
		{"empty segment", "http://gosspublic.alicdn.com//evil.com/x.pem", nil},
		{"fragment", "http://gosspublic.alicdn.com" + pem + "#x", nil},
		{"empty fragment", "http://gosspublic.alicdn.com" + pem + "#", nil},
		{"fragment hides host", "http://evil.com#@gosspublic.alicdn.com/", nil},
		{"query", "http://gosspublic.alicdn.com" + pem + "?x=1", nil},
		{"query hides host", "http://evil.com?@gosspublic.alicdn.com/", nil},
		{"newline", "http://gosspublic.alicdn.com" + pem + "\n", nil},
		{"carriage return in host", "http://gosspublic.alicdn.com\r.evil.com/", nil},
		{"tab", "http://gosspublic.alicdn.com/\tx.pem", nil},
		{"nul", "http://gosspublic.alicdn.com\x00.evil.com/", nil},
		{"del", "http://gosspublic.alicdn.com/\x7f", nil},
		{"space", "http://gosspublic.alicdn.com/a b.pem", nil},
		{"leading space", " http://gosspublic.alicdn.com" + pem, nil},
		{"ftp scheme", "ftp://gosspublic.alicdn.com" + pem, nil},
		{"file scheme", "file:///etc/passwd", nil},
		{"file scheme with host", "file://gosspublic.alicdn.com" + pem, nil},
		{"javascript scheme", "javascript:alert(1)", nil},
		{"gopher scheme", "gopher://gosspublic.alicdn.com/", nil},
		{"ws scheme", "ws://gosspublic.alicdn.com/", nil},
		{"scheme-relative", "//gosspublic.alicdn.com" + pem, nil},
		{"no scheme", "gosspublic.alicdn.com" + pem, nil},
		{"opaque", "http:gosspublic.alicdn.com" + pem, nil},
		{"single slash", "https:/gosspublic.alicdn.com" + pem, nil},
		{"triple slash", "http:///gosspublic.alicdn.com" + pem, nil},
		{"no path", "https://gosspublic.alicdn.com", nil},
		{"https not in http-only list", "https://127.0.0.1:9000/ossemu/keys/pub.pem", emu},
		{"path outside emulator prefix", "http://127.0.0.1:9000/other/pub.pem", emu},
		{"path case differs", "http://127.0.0.1:9000/OSSEMU/keys/pub.pem", emu},
		{"default host not allowed by custom list", "https://gosspublic.alicdn.com" + pem, emu},
		{"ipv6 loopback", "http://[::1]" + pem, nil},
		{"too long", "https://gosspublic.alicdn.com/" + strings.Repeat("a", maxKeyURLLen), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckKeyURL(tt.url, tt.allowed)
			if !errors.Is(err, ErrKeyURLNotAllowed) {
				t.Fatalf("CheckKeyURL(%q) = %v, want ErrKeyURLNotAllowed", tt.url, err)
			}
			t.Log(err)
			if strings.Contains(err.Error(), "evil") {
				t.Errorf("error echoes the url: %v", err)
			}
		})
	}
}

func TestCheckKeyURLBadPrefix(t *testing.T) {
	t.Parallel()
	const u = "https://gosspublic.alicdn.com/callback_pub_key_v1.pem"
	tests := []struct {
		name   string
		prefix string
	}{
		{"empty entry", ""},
		{"ftp", "ftp://gosspublic.alicdn.com/"},
		{"userinfo", "https://u@gosspublic.alicdn.com/"},
		{"query", "https://gosspublic.alicdn.com/?x"},
		{"fragment", "https://gosspublic.alicdn.com/#x"},
		{"no host", "https:///"},
		{"dot-dot", "https://gosspublic.alicdn.com/a/../"},
		{"percent", "https://gosspublic.alicdn.com/%61/"},
		{"relative", "/keys/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			allowed := []string{"https://gosspublic.alicdn.com/", tt.prefix}
			if err := CheckKeyURL(u, allowed); !errors.Is(err, ErrBadKeyURLPrefix) {
				t.Errorf("CheckKeyURL = %v, want ErrBadKeyURLPrefix", err)
			}
			if err := ValidateKeyURLPrefixes(allowed); !errors.Is(err, ErrBadKeyURLPrefix) {
				t.Errorf("ValidateKeyURLPrefixes = %v, want ErrBadKeyURLPrefix", err)
			}
		})
	}
	if err := ValidateKeyURLPrefixes(DefaultKeyURLPrefixes); err != nil {
		t.Errorf("ValidateKeyURLPrefixes(DefaultKeyURLPrefixes) = %v", err)
	}
}

// TestKeyURLNotAllowedBeforeKey checks that a callback naming a foreign key
// is refused before the key is looked at, whatever PEM the caller holds.
func TestKeyURLNotAllowedBeforeKey(t *testing.T) {
	t.Parallel()
	in := ossVectors[0].in
	in.PubKeyURL = b64("https://gosspublic.alicdn.com.evil.com/callback_pub_key_v1.pem")
	if err := VerifyPEM(in, []byte(ossPubKeyPEM), nil); !errors.Is(err, ErrKeyURLNotAllowed) {
		t.Fatalf("VerifyPEM = %v, want ErrKeyURLNotAllowed", err)
	}
	if err := VerifyPEM(in, nil, nil); !errors.Is(err, ErrKeyURLNotAllowed) {
		t.Fatalf("VerifyPEM without key = %v, want ErrKeyURLNotAllowed", err)
	}
	in.PubKeyURL = "!!"
	if err := VerifyPEM(in, []byte(ossPubKeyPEM), nil); !errors.Is(err, ErrBadKeyURL) {
		t.Fatalf("VerifyPEM with bad header = %v, want ErrBadKeyURL", err)
	}
}
