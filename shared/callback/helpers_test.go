package callback

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
)

// ossPubKeyPEM is OSS's callback public key v1, served at
// https://gosspublic.alicdn.com/callback_pub_key_v1.pem. It is a 512-bit
// RSA key in SPKI form. Source: the same bytes appear in
// cloudreve/Cloudreve pkg/filesystem/driver/oss/callback_test.go
// (commit 0d2e3cc7) and alphasnow/aliyun-oss-appserver-go callback_test.go
// (commit 62c8bb53).
const ossPubKeyPEM = `-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs
C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==
-----END PUBLIC KEY-----
`

// Header values of a callback naming OSS's documented key URLs.
var (
	ossKeyURLHTTPS = b64("https://gosspublic.alicdn.com/callback_pub_key_v1.pem")
	ossKeyURLHTTP  = b64("http://gosspublic.alicdn.com/callback_pub_key_v1.pem")
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// testPub parses testdata/<name> with ParsePublicKey.
func testPub(tb testing.TB, name string) *rsa.PublicKey {
	tb.Helper()
	pub, err := ParsePublicKey(readTestdata(tb, name))
	if err != nil {
		tb.Fatalf("ParsePublicKey(%s): %v", name, err)
	}
	return pub
}

// testPriv parses the PKCS #8 private key testdata/<name> (made by gen.sh).
func testPriv(tb testing.TB, name string) *rsa.PrivateKey {
	tb.Helper()
	block, _ := pem.Decode(readTestdata(tb, name))
	if block == nil {
		tb.Fatalf("%s: no pem block", name)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	priv, ok := k.(*rsa.PrivateKey)
	if !ok {
		tb.Fatalf("%s: %T is not an rsa key", name, k)
	}
	return priv
}

// rawSign applies the bare RSA private-key operation to an encoded message
// em of len k. It bypasses crypto/rsa so tests can sign malformed encodings
// and use 512-bit keys.
func rawSign(priv *rsa.PrivateKey, em []byte) []byte {
	m := new(big.Int).SetBytes(em)
	s := new(big.Int).Exp(m, priv.D, priv.N)
	return s.FillBytes(make([]byte, len(em)))
}
