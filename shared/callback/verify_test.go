package callback

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	priv := testPriv(t, "key2048.pem")
	pub := &priv.PublicKey
	other := testPub(t, "key1024.pub.pem")
	oss, err := ParsePublicKey([]byte(ossPubKeyPEM))
	if err != nil {
		t.Fatal(err)
	}

	const (
		path  = "/cb%2Fx/%E4%B8%AD%E6%96%87/a%20b"
		query = "uid=42&name=%E4%B8%AD&sp=a+b"
		body  = `{"bucket":"b","object":"中文/a b.png","size":5}`
	)
	sign := func(path, query, body string) string {
		t.Helper()
		s, err := Sign(priv, path, query, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := sign(path, query, body)
	goodNoQuery := sign(path, "", body)
	sig, _ := base64.StdEncoding.DecodeString(good)

	tests := []struct {
		name string
		in   Input
		pub  *rsa.PublicKey
		want error // nil for success
	}{
		{"valid", Input{Path: path, RawQuery: query, Body: []byte(body), Authorization: good}, pub, nil},
		{"valid without query", Input{Path: path, Body: []byte(body), Authorization: goodNoQuery}, pub, nil},
		{"valid with white space around authorization", Input{Path: path, RawQuery: query, Body: []byte(body), Authorization: " \t" + good + "\r\n"}, pub, nil},
		{"same path encoded differently", Input{Path: "/cb%2fx/%e4%b8%ad%e6%96%87/a%20b", RawQuery: query, Body: []byte(body), Authorization: good}, pub, nil},
		{"same path decoded where allowed", Input{Path: "/cb%2Fx/中文/a%20b", RawQuery: query, Body: []byte(body), Authorization: good}, pub, nil},
		{"real OSS vector", ossVectors[1].in, oss, nil},

		{"tampered body", Input{Path: path, RawQuery: query, Body: []byte(body + " "), Authorization: good}, pub, ErrSignatureMismatch},
		{"empty body", Input{Path: path, RawQuery: query, Authorization: good}, pub, ErrSignatureMismatch},
		{"tampered path", Input{Path: "/cb%2Fy/%E4%B8%AD%E6%96%87/a%20b", RawQuery: query, Body: []byte(body), Authorization: good}, pub, ErrSignatureMismatch},
		{"path double-encoded", Input{Path: "/cb%252Fx/%E4%B8%AD%E6%96%87/a%20b", RawQuery: query, Body: []byte(body), Authorization: good}, pub, ErrSignatureMismatch},
		{"space as plus in path", Input{Path: "/cb%2Fx/%E4%B8%AD%E6%96%87/a+b", RawQuery: query, Body: []byte(body), Authorization: good}, pub, ErrSignatureMismatch},
		{"tampered query", Input{Path: path, RawQuery: "uid=43&name=%E4%B8%AD&sp=a+b", Body: []byte(body), Authorization: good}, pub, ErrSignatureMismatch},
		{"query decoded", Input{Path: path, RawQuery: "uid=42&name=中&sp=a b", Body: []byte(body), Authorization: good}, pub, ErrSignatureMismatch},
		{"query with its question mark", Input{Path: path, RawQuery: "?" + query, Body: []byte(body), Authorization: good}, pub, ErrSignatureMismatch},
		{"query dropped", Input{Path: path, Body: []byte(body), Authorization: good}, pub, ErrSignatureMismatch},
		{"query added", Input{Path: path, RawQuery: query, Body: []byte(body), Authorization: goodNoQuery}, pub, ErrSignatureMismatch},
		{"wrong key", Input{Path: path, RawQuery: query, Body: []byte(body), Authorization: good}, other, ErrSignatureMismatch},
		{"OSS key for our signature", Input{Path: path, RawQuery: query, Body: []byte(body), Authorization: good}, oss, ErrSignatureMismatch},
		{"truncated signature", Input{Path: path, RawQuery: query, Body: []byte(body), Authorization: base64.StdEncoding.EncodeToString(sig[:len(sig)-1])}, pub, ErrSignatureMismatch},
		{"signature with extra byte", Input{Path: path, RawQuery: query, Body: []byte(body), Authorization: base64.StdEncoding.EncodeToString(append(append([]byte{}, sig...), 0))}, pub, ErrSignatureMismatch},
		{"signature with leading zero byte", Input{Path: path, RawQuery: query, Body: []byte(body), Authorization: base64.StdEncoding.EncodeToString(append([]byte{0}, sig...))}, pub, ErrSignatureMismatch},
		{"signature equal to modulus", Input{Path: path, Body: []byte(body), Authorization: base64.StdEncoding.EncodeToString(pub.N.Bytes())}, pub, ErrSignatureMismatch},
		{"signature all ones", Input{Path: path, Body: []byte(body), Authorization: base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, len(sig)))}, pub, ErrSignatureMismatch},
		{"signature zero", Input{Path: path, Body: []byte(body), Authorization: base64.StdEncoding.EncodeToString(make([]byte, len(sig)))}, pub, ErrSignatureMismatch},
		{"signature one", Input{Path: path, Body: []byte(body), Authorization: base64.StdEncoding.EncodeToString(new(big.Int).SetInt64(1).FillBytes(make([]byte, len(sig))))}, pub, ErrSignatureMismatch},

		{"missing authorization", Input{Path: path, RawQuery: query, Body: []byte(body)}, pub, ErrBadAuthorization},
		{"blank authorization", Input{Path: path, Body: []byte(body), Authorization: "   "}, pub, ErrBadAuthorization},
		{"bad base64", Input{Path: path, Body: []byte(body), Authorization: "not base64!"}, pub, ErrBadAuthorization},
		{"url-safe base64", Input{Path: path, RawQuery: query, Body: []byte(body), Authorization: base64.URLEncoding.EncodeToString(sig)}, pub, ErrBadAuthorization},
		{"unpadded base64", Input{Path: path, RawQuery: query, Body: []byte(body), Authorization: strings.TrimRight(good, "=") + "A"}, pub, ErrBadAuthorization},
		{"authorization with scheme", Input{Path: path, RawQuery: query, Body: []byte(body), Authorization: "OSS " + good}, pub, ErrBadAuthorization},
		{"oversized authorization", Input{Path: path, Body: []byte(body), Authorization: strings.Repeat("AAAA", 600)}, pub, ErrBadAuthorization},

		{"bad escape in path", Input{Path: "/cb%zz", Body: []byte(body), Authorization: good}, pub, ErrBadPath},
		{"truncated escape in path", Input{Path: "/cb%4", Body: []byte(body), Authorization: good}, pub, ErrBadPath},

		{"nil key", Input{Path: path, Body: []byte(body), Authorization: good}, nil, ErrBadPublicKey},
		{"key without modulus", Input{Path: path, Body: []byte(body), Authorization: good}, &rsa.PublicKey{E: 65537}, ErrBadPublicKey},
		{"256-bit key", Input{Path: path, Body: []byte(body), Authorization: good}, &rsa.PublicKey{N: oddBits(256), E: 65537}, ErrBadPublicKey},
		{"8200-bit key", Input{Path: path, Body: []byte(body), Authorization: good}, &rsa.PublicKey{N: oddBits(8200), E: 65537}, ErrBadPublicKey},
		{"exponent 1", Input{Path: path, Body: []byte(body), Authorization: good}, &rsa.PublicKey{N: pub.N, E: 1}, ErrBadPublicKey},
		{"even exponent", Input{Path: path, Body: []byte(body), Authorization: good}, &rsa.PublicKey{N: pub.N, E: 65536}, ErrBadPublicKey},
		{"even modulus", Input{Path: path, Body: []byte(body), Authorization: good}, &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 1024), E: 65537}, ErrBadPublicKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Verify(tt.in, tt.pub)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if a := strings.TrimSpace(tt.in.Authorization); len(a) > 8 && strings.Contains(err.Error(), a[:8]) {
				t.Errorf("error echoes the authorization value: %v", err)
			}
		})
	}
}

// oddBits returns an odd number with exactly n bits.
func oddBits(n int) *big.Int {
	x := new(big.Int).Lsh(big.NewInt(1), uint(n-1))
	return x.Or(x, big.NewInt(1))
}

func TestStringToSign(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, query, body string
		want                    string
	}{
		{"no query", "/callback", "", "a=1", "/callback\na=1"},
		{"query gets its question mark", "/callback", "a=1&b=2", "x", "/callback?a=1&b=2\nx"},
		{"query is not decoded", "/cb", "name=%E4%B8%AD&sp=a+b%20c", "", "/cb?name=%E4%B8%AD&sp=a+b%20c\n"},
		{"encoded slash is decoded once", "/cb%2Fx", "", "", "/cb/x\n"},
		{"double encoding is decoded once", "/cb%252Fx", "", "", "/cb%2Fx\n"},
		{"chinese", "/%E4%B8%AD%E6%96%87/%e6%96%87", "", "", "/中文/文\n"},
		{"space as %20", "/a%20b", "", "", "/a b\n"},
		{"plus stays plus", "/a+b%2B", "", "", "/a+b+\n"},
		{"question mark in path", "/a%3Fb", "c", "", "/a?b?c\n"},
		{"newline in path", "/a%0Ab", "", "", "/a\nb\n"},
		{"empty everything", "", "", "", "\n"},
		{"body verbatim", "/", "", "line1\r\nline2\x00", "/\nline1\r\nline2\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := StringToSign(tt.path, tt.query, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("StringToSign = %q, want %q", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"/%", "/%4", "/%zz", "/%%41", "/%G0"} {
		t.Run("bad escape "+bad, func(t *testing.T) {
			t.Parallel()
			if _, err := StringToSign(bad, "", nil); !errors.Is(err, ErrBadPath) {
				t.Fatalf("StringToSign(%q) = %v, want ErrBadPath", bad, err)
			}
		})
	}
}

func TestDecodeHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header string
		want   string
		err    error // for DecodeAuthorization and DecodeKeyURL alike
	}{
		{"plain", "aGVsbG8=", "hello", nil},
		{"surrounding white space", " \taGVsbG8=\r\n", "hello", nil},
		{"empty", "", "", errBadHeader},
		{"blank", " \t ", "", errBadHeader},
		{"garbage", "!!!!", "", errBadHeader},
		{"utf-8 (cloudreve case)", "中文", "", errBadHeader},
		{"unpadded", "aGVsbG8", "", errBadHeader},
		{"url alphabet", "-_-_", "", errBadHeader},
		{"non-canonical padding bits", "aGVsbG9=", "", errBadHeader},
		{"only padding", "====", "", errBadHeader},
		{"inner space", "aGVs bG8=", "", errBadHeader},
		{"too long", strings.Repeat("AAAA", 1024), "", errBadHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gotAuth, errAuth := DecodeAuthorization(tt.header)
			gotURL, errURL := DecodeKeyURL(tt.header)
			if tt.err == nil {
				if errAuth != nil || string(gotAuth) != tt.want {
					t.Errorf("DecodeAuthorization = %q, %v; want %q", gotAuth, errAuth, tt.want)
				}
				if errURL != nil || gotURL != tt.want {
					t.Errorf("DecodeKeyURL = %q, %v; want %q", gotURL, errURL, tt.want)
				}
				return
			}
			if !errors.Is(errAuth, ErrBadAuthorization) {
				t.Errorf("DecodeAuthorization = %v, want ErrBadAuthorization", errAuth)
			}
			if !errors.Is(errURL, ErrBadKeyURL) {
				t.Errorf("DecodeKeyURL = %v, want ErrBadKeyURL", errURL)
			}
		})
	}
}

// errBadHeader marks cases where both decoders must fail.
var errBadHeader = errors.New("bad header")

func TestParsePublicKey(t *testing.T) {
	t.Parallel()
	spki2048 := readTestdata(t, "key2048.pub.pem")
	pkcs1 := readTestdata(t, "key2048.pkcs1.pem")
	want2048 := testPriv(t, "key2048.pem").PublicKey

	marshal := func(typ string, pub *rsa.PublicKey) []byte {
		t.Helper()
		var der []byte
		if typ == "PUBLIC KEY" {
			var err error
			if der, err = x509.MarshalPKIXPublicKey(pub); err != nil {
				t.Fatal(err)
			}
		} else {
			der = x509.MarshalPKCS1PublicKey(pub)
		}
		return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	}

	t.Run("accepted", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name string
			pem  []byte
			bits int
		}{
			{"OSS v1 key (SPKI, 512 bits)", []byte(ossPubKeyPEM), 512},
			{"openssl SPKI 2048", spki2048, 2048},
			{"openssl PKCS1 2048", pkcs1, 2048},
			{"openssl SPKI 512", readTestdata(t, "key512.pub.pem"), 512},
			{"surrounding white space", append(append([]byte("\n\n  "), spki2048...), "\n\n"...), 2048},
			{"CRLF line endings", bytes.ReplaceAll(spki2048, []byte("\n"), []byte("\r\n")), 2048},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				pub, err := ParsePublicKey(tt.pem)
				if err != nil {
					t.Fatal(err)
				}
				if pub.N.BitLen() != tt.bits {
					t.Fatalf("got %d bits, want %d", pub.N.BitLen(), tt.bits)
				}
				if tt.bits == 2048 && !pub.Equal(&want2048) {
					t.Fatal("key differs from testdata/key2048.pem")
				}
			})
		}
	})

	t.Run("rejected", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name string
			pem  []byte
		}{
			{"nil", nil},
			{"blank", []byte(" \n")},
			{"garbage", []byte("hello")},
			{"EC key", readTestdata(t, "ec.pub.pem")},
			{"private key", readTestdata(t, "key2048.pem")},
			{"certificate type", bytes.ReplaceAll(spki2048, []byte("PUBLIC KEY"), []byte("CERTIFICATE"))},
			{"PKCS1 bytes labelled PUBLIC KEY", bytes.ReplaceAll(pkcs1, []byte("RSA PUBLIC KEY"), []byte("PUBLIC KEY"))},
			{"SPKI bytes labelled RSA PUBLIC KEY", bytes.ReplaceAll(spki2048, []byte("PUBLIC KEY"), []byte("RSA PUBLIC KEY"))},
			{"empty block", []byte("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n")},
			{"two blocks", append(append([]byte{}, spki2048...), []byte(ossPubKeyPEM)...)},
			{"trailing data", append(append([]byte{}, spki2048...), "junk"...)},
			{"leading data", append([]byte("junk\n"), spki2048...)},
			{"pem headers", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{1}})},
			{"corrupted base64", bytes.Replace([]byte(ossPubKeyPEM), []byte("MFww"), []byte("MF!w"), 1)},
			{"256-bit key SPKI", marshal("PUBLIC KEY", &rsa.PublicKey{N: oddBits(256), E: 65537})},
			{"511-bit key PKCS1", marshal("RSA PUBLIC KEY", &rsa.PublicKey{N: oddBits(511), E: 65537})},
			{"8200-bit key SPKI", marshal("PUBLIC KEY", &rsa.PublicKey{N: oddBits(8200), E: 65537})},
			{"even modulus", marshal("PUBLIC KEY", &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 1023), E: 65537})},
			{"exponent 1", marshal("RSA PUBLIC KEY", &rsa.PublicKey{N: want2048.N, E: 1})},
			{"even exponent", marshal("RSA PUBLIC KEY", &rsa.PublicKey{N: want2048.N, E: 4})},
			{"oversized input", append(append([]byte{}, spki2048...), bytes.Repeat([]byte(" "), maxPEMLen)...)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				pub, err := ParsePublicKey(tt.pem)
				if !errors.Is(err, ErrBadPublicKey) {
					t.Fatalf("ParsePublicKey = %v, %v; want ErrBadPublicKey", pub, err)
				}
			})
		}
	})
}

func TestFromRequest(t *testing.T) {
	t.Parallel()
	body := []byte("size=1")
	withHeaders := func(r *http.Request) *http.Request {
		r.Header.Set("authorization", "c2ln")
		r.Header.Set("x-oss-pub-key-url", ossKeyURLHTTPS)
		return r
	}
	mustURL := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	tests := []struct {
		name      string
		req       *http.Request
		wantPath  string
		wantQuery string
		wantErr   error
	}{
		{"server request", withHeaders(httptest.NewRequest("POST", "/cb%2Fx/%E4%B8%AD?a=%20&b", nil)), "/cb%2Fx/%E4%B8%AD", "a=%20&b", nil},
		{"server request without query", withHeaders(httptest.NewRequest("POST", "/cb%252Fx", nil)), "/cb%252Fx", "", nil},
		{"server request with empty query", withHeaders(httptest.NewRequest("POST", "/cb?", nil)), "/cb", "", nil},
		{"absolute-form target", withHeaders(httptest.NewRequest("POST", "http://app.example/cb%2Fx?q=1", nil)), "/cb%2Fx", "q=1", nil},
		{"client request uses escaped path", withHeaders(&http.Request{URL: mustURL("http://h/cb%2Fx/a%20b?q=%2B"), Header: http.Header{}}), "/cb%2Fx/a%20b", "q=%2B", nil},
		{"nil request", nil, "", "", ErrBadPath},
		{"no url", &http.Request{}, "", "", ErrBadPath},
		{"unparsable request uri", &http.Request{URL: &url.URL{}, RequestURI: "http://[::1/x"}, "", "", ErrBadPath},
		{"repeated authorization", func() *http.Request {
			r := withHeaders(httptest.NewRequest("POST", "/cb", nil))
			r.Header.Add("Authorization", "c2ln")
			return r
		}(), "", "", ErrBadAuthorization},
		{"repeated key url", func() *http.Request {
			r := withHeaders(httptest.NewRequest("POST", "/cb", nil))
			r.Header.Add("X-Oss-Pub-Key-Url", ossKeyURLHTTP)
			return r
		}(), "", "", ErrBadKeyURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, err := FromRequest(tt.req, body)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("FromRequest = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Input{Path: tt.wantPath, RawQuery: tt.wantQuery, Body: body, Authorization: "c2ln", PubKeyURL: ossKeyURLHTTPS}
			if in.Path != want.Path || in.RawQuery != want.RawQuery || !bytes.Equal(in.Body, want.Body) ||
				in.Authorization != want.Authorization || in.PubKeyURL != want.PubKeyURL {
				t.Fatalf("FromRequest = %+v\nwant          %+v", in, want)
			}
		})
	}
}

// TestFromRequestOverHTTP sends signed callbacks through a real net/http
// server on loopback and verifies them from what the server received, as a
// callback handler would.
func TestFromRequestOverHTTP(t *testing.T) {
	t.Parallel()
	priv := testPriv(t, "key2048.pem")
	pemKey := readTestdata(t, "key2048.pub.pem")
	allowed := []string{"http://127.0.0.1:1/keys/"}
	keyURL := b64("http://127.0.0.1:1/keys/pub.pem")

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		in, err := FromRequest(r, body)
		if err == nil {
			err = VerifyPEM(in, pemKey, allowed)
		}
		if err != nil {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, err.Error())
			return
		}
		_, _ = io.WriteString(w, `{"Status":"OK"}`)
	}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name, path, query, body string
	}{
		{"plain", "/callback", "", "bucket=b&size=1"},
		{"query", "/callback", "uid=42&x=%2B+", "size=1"},
		{"encoded slash", "/cb%2Fx", "", "size=1"},
		{"chinese and space", "/cb/%E4%B8%AD%E6%96%87/a%20b", "n=%E4%B8%AD", `{"object":"中文"}`},
		{"encoded percent", "/cb%252F", "", "size=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			auth, err := Sign(priv, tt.path, tt.query, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			target := srv.URL + tt.path
			if tt.query != "" {
				target += "?" + tt.query
			}
			for _, tamper := range []bool{false, true} {
				body := tt.body
				if tamper {
					body += "&x=1"
				}
				req, err := http.NewRequest("POST", target, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("authorization", auth)
				req.Header.Set("x-oss-pub-key-url", keyURL)
				res, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				msg, _ := io.ReadAll(res.Body)
				_ = res.Body.Close()
				want := http.StatusOK
				if tamper {
					want = http.StatusForbidden
				}
				if res.StatusCode != want {
					t.Fatalf("tamper=%v: status %d (%s), want %d", tamper, res.StatusCode, msg, want)
				}
			}
		})
	}
}
