package callback

import (
	"crypto"
	"crypto/rsa"
	"testing"
)

// BenchmarkVerify measures one full verification: base64 decoding, the
// path decoding and MD5 of the string to sign, and the RSA public-key
// operation. 512-bit uses a real OSS callback and OSS's key; 2048-bit uses
// an openssl vector. The crypto-rsa baseline runs crypto/rsa on the same
// 2048-bit input for comparison (it cannot run on the 512-bit key).
func BenchmarkVerify(b *testing.B) {
	oss, err := ParsePublicKey([]byte(ossPubKeyPEM))
	if err != nil {
		b.Fatal(err)
	}
	in512 := ossVectors[0].in

	pub2048 := testPub(b, "key2048.pub.pem")
	v := openSSLVectors[1] // "query"
	in2048 := Input{
		Path:          v.path,
		RawQuery:      v.rawQuery,
		Body:          []byte(v.body),
		Authorization: string(readTestdata(b, "vectors/query-2048.sig")),
	}

	for _, bc := range []struct {
		name string
		in   Input
		pub  *rsa.PublicKey
	}{
		{"512-bit", in512, oss},
		{"2048-bit", in2048, pub2048},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Verify(bc.in, bc.pub); err != nil {
					b.Fatal(err)
				}
			}
		})
	}

	b.Run("2048-bit-crypto-rsa-baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sig, err := DecodeAuthorization(in2048.Authorization)
			if err != nil {
				b.Fatal(err)
			}
			sum, err := digest(in2048.Path, in2048.RawQuery, in2048.Body)
			if err != nil {
				b.Fatal(err)
			}
			if err := rsa.VerifyPKCS1v15(pub2048, crypto.MD5, sum[:], sig); err != nil {
				b.Fatal(err)
			}
		}
	})
}
