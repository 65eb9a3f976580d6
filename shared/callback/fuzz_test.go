package callback

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// isSentinel reports whether err wraps one of the package's sentinels.
func isSentinel(err error) bool {
	for _, s := range []error{ErrBadAuthorization, ErrBadKeyURL, ErrKeyURLNotAllowed, ErrBadKeyURLPrefix, ErrBadPath, ErrBadPublicKey, ErrSignatureMismatch, ErrSign} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func hasDotSegment(path string) bool {
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

func FuzzCheckKeyURL(f *testing.F) {
	for _, s := range []string{
		"https://gosspublic.alicdn.com/callback_pub_key_v1.pem",
		"http://gosspublic.alicdn.com/callback_pub_key_v1.pem",
		"HTTP://GOSSPUBLIC.ALICDN.COM/x",
		"http://gosspublic.alicdn.com@evil.com/x",
		"http://user@gosspublic.alicdn.com/x",
		"http://gosspublic.alicdn.com.evil.com/x",
		"http://evilgosspublic.alicdn.com/x",
		"http://gosspublic.alicdn.com:80/x",
		`http://gosspublic.alicdn.com\@evil.com/`,
		"http://gosspublic.alicdn.com/../x",
		"http://gosspublic.alicdn.com/%2e%2e/x",
		"http://evil.com#@gosspublic.alicdn.com/",
		"http://gosspublic.alicdn.com/\n",
		"file:///etc/passwd",
		"//gosspublic.alicdn.com/x",
		"http://[::1]:80/x",
		"",
	} {
		f.Add(s, "http://127.0.0.1:9000/keys/")
	}
	f.Add("http://127.0.0.1:9000/keys/pub.pem", "http://127.0.0.1:9000/keys/")
	f.Add("http://LOCALHOST/k", "http://localhost")

	f.Fuzz(func(t *testing.T, u, prefix string) {
		err := CheckKeyURL(u, nil)
		if err != nil && !errors.Is(err, ErrKeyURLNotAllowed) {
			t.Fatalf("default list: unexpected error %v", err)
		}
		if err == nil {
			lower := strings.ToLower(u)
			if !strings.HasPrefix(lower, "http://gosspublic.alicdn.com/") && !strings.HasPrefix(lower, "https://gosspublic.alicdn.com/") {
				t.Fatalf("allowed %q outside the default prefixes", u)
			}
			p, perr := url.Parse(u)
			if perr != nil || p.User != nil || p.Port() != "" || !strings.EqualFold(p.Hostname(), "gosspublic.alicdn.com") ||
				p.RawQuery != "" || p.Fragment != "" || hasDotSegment(p.Path) {
				t.Fatalf("allowed %q: parse=%v %+v", u, perr, p)
			}
		}

		err = CheckKeyURL(u, []string{prefix})
		switch {
		case err == nil:
			pu, _ := url.Parse(prefix)
			uu, uerr := url.Parse(u)
			if uerr != nil || pu == nil || uu.Scheme != pu.Scheme || !strings.EqualFold(uu.Host, pu.Host) || uu.User != nil {
				t.Fatalf("allowed %q for prefix %q", u, prefix)
			}
		case errors.Is(err, ErrBadKeyURLPrefix):
			if ValidateKeyURLPrefixes([]string{prefix}) == nil {
				t.Fatalf("prefix %q: CheckKeyURL says invalid, ValidateKeyURLPrefixes says valid", prefix)
			}
		case !errors.Is(err, ErrKeyURLNotAllowed):
			t.Fatalf("custom list: unexpected error %v", err)
		}
	})
}

func FuzzDecodeAndStringToSign(f *testing.F) {
	for _, v := range ossVectors {
		f.Add(v.in.Authorization, v.in.PubKeyURL, v.in.Path, v.in.RawQuery, v.in.Body)
	}
	f.Add(" aGVsbG8=\n", "中文", "/cb%2Fx/%E4%B8%AD%20", "a=%20&b", []byte("x"))
	f.Add("", "", "/%zz", "", []byte(nil))
	f.Add("====", "aGVs\nbG8=", "/%", "?", []byte("\n"))

	f.Fuzz(func(t *testing.T, auth, keyURL, path, query string, body []byte) {
		sig, err := DecodeAuthorization(auth)
		if err != nil {
			if !errors.Is(err, ErrBadAuthorization) {
				t.Fatalf("DecodeAuthorization: %v", err)
			}
		} else {
			// Strict decoding means the header is the canonical encoding
			// (apart from white space, and CR/LF which the decoder skips).
			canon := strings.NewReplacer("\r", "", "\n", "").Replace(strings.TrimSpace(auth))
			if len(sig) == 0 || base64.StdEncoding.EncodeToString(sig) != canon {
				t.Fatalf("DecodeAuthorization(%q) = %x is not canonical", auth, sig)
			}
		}
		if _, err := DecodeKeyURL(keyURL); err != nil && !errors.Is(err, ErrBadKeyURL) {
			t.Fatalf("DecodeKeyURL: %v", err)
		}

		sts, err := StringToSign(path, query, body)
		sum, derr := digest(path, query, body)
		if err != nil {
			if !errors.Is(err, ErrBadPath) || !errors.Is(derr, ErrBadPath) {
				t.Fatalf("StringToSign: %v, digest: %v", err, derr)
			}
			return
		}
		if derr != nil {
			t.Fatalf("digest fails where StringToSign works: %v", derr)
		}
		if md5.Sum(sts) != sum {
			t.Fatal("digest differs from MD5(StringToSign)")
		}
		if !bytes.HasSuffix(sts, append([]byte("\n"), body...)) {
			t.Fatal("string to sign does not end with newline and body")
		}
		decoded, _ := url.PathUnescape(path)
		wantPrefix := decoded
		if query != "" {
			wantPrefix += "?" + query
		}
		if !bytes.HasPrefix(sts, []byte(wantPrefix+"\n")) || len(sts) != len(wantPrefix)+1+len(body) {
			t.Fatal("string to sign has the wrong layout")
		}
	})
}

func FuzzParsePublicKey(f *testing.F) {
	f.Add([]byte(ossPubKeyPEM))
	for _, name := range []string{"key512.pub.pem", "key2048.pub.pem", "key2048.pkcs1.pem", "ec.pub.pem", "key1024.pem"} {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte("-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		pub, err := ParsePublicKey(data)
		if err != nil {
			if !errors.Is(err, ErrBadPublicKey) || pub != nil {
				t.Fatalf("ParsePublicKey = %v, %v", pub, err)
			}
			return
		}
		if n := pub.N.BitLen(); n < MinKeyBits || n > MaxKeyBits || pub.E < 3 || pub.E%2 == 0 || pub.N.Bit(0) == 0 {
			t.Fatalf("accepted a key outside the rules: %d bits, e=%d", n, pub.E)
		}
	})
}

func FuzzVerify(f *testing.F) {
	oss, err := ParsePublicKey([]byte(ossPubKeyPEM))
	if err != nil {
		f.Fatal(err)
	}
	priv := testPriv(f, "key1024.pem")
	for _, v := range ossVectors {
		f.Add(v.in.Path, v.in.RawQuery, v.in.Body, v.in.Authorization, v.in.PubKeyURL)
	}
	for _, v := range openSSLVectors {
		f.Add(v.path, v.rawQuery, []byte(v.body), string(readTestdata(f, "vectors/"+v.name+"-512.sig")), ossKeyURLHTTP)
	}
	f.Add("/%zz", "", []byte{}, "AAAA", "")
	f.Add("", "?", []byte("\x00"), "", "aHR0cDovL2dvc3NwdWJsaWMuYWxpY2RuLmNvbUBldmlsLmNvbS8=")

	f.Fuzz(func(t *testing.T, path, query string, body []byte, auth, keyURL string) {
		in := Input{Path: path, RawQuery: query, Body: body, Authorization: auth, PubKeyURL: keyURL}
		for _, err := range []error{Verify(in, oss), VerifyPEM(in, []byte(ossPubKeyPEM), nil), Verify(in, &priv.PublicKey)} {
			if err != nil && !isSentinel(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
		}

		// Round trip: whatever we can sign must verify, and only for the
		// exact bytes signed.
		sig, err := Sign(priv, path, query, body)
		if _, perr := StringToSign(path, query, body); perr != nil {
			if !errors.Is(err, ErrBadPath) {
				t.Fatalf("Sign with bad path: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		in.Authorization = sig
		if err := Verify(in, &priv.PublicKey); err != nil {
			t.Fatalf("own signature rejected: %v", err)
		}
		in.Body = append(append([]byte{}, body...), '!')
		if err := Verify(in, &priv.PublicKey); !errors.Is(err, ErrSignatureMismatch) {
			t.Fatalf("signature accepted for a different body: %v", err)
		}
	})
}
