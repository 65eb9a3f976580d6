package callback

import (
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/subtle"
	"math/big"
)

// Input is what one OSS callback request contributes to verification. Build
// it with [FromRequest], or by hand when the request arrives in another shape
// (for example an FC HTTP trigger event).
type Input struct {
	// Path is the request path exactly as received, still percent-encoded
	// (for example "/cb%2Fx"). It is decoded once while verifying. Do not
	// pass url.URL.Path: it is already decoded, and "/a%252F" would then be
	// decoded twice.
	Path string
	// RawQuery is the query as received, without the leading "?" and not
	// decoded (url.URL.RawQuery). Empty when the request had no query.
	RawQuery string
	// Body is the complete request body.
	Body []byte
	// Authorization is the value of the authorization header: the base64
	// signature.
	Authorization string
	// PubKeyURL is the value of the x-oss-pub-key-url header: the base64
	// public key URL.
	PubKeyURL string
}

// KeyURL decodes in.PubKeyURL and checks it against the allow-list (nil or
// empty means [DefaultKeyURLPrefixes]). It returns the URL the caller may
// fetch the PEM key from, or an error wrapping [ErrBadKeyURL],
// [ErrKeyURLNotAllowed] or [ErrBadKeyURLPrefix].
func (in Input) KeyURL(allowed []string) (string, error) {
	u, err := DecodeKeyURL(in.PubKeyURL)
	if err != nil {
		return "", err
	}
	if err := CheckKeyURL(u, allowed); err != nil {
		return "", err
	}
	return u, nil
}

// Verify checks that in.Authorization is a valid OSS callback signature by
// pub over in.Path, in.RawQuery and in.Body (see [StringToSign]). It returns
// nil on success, or an error wrapping [ErrBadPublicKey] (pub is nil or
// outside 512..8192 bits), [ErrBadAuthorization], [ErrBadPath] or
// [ErrSignatureMismatch].
//
// Verify does not look at in.PubKeyURL: the caller vouches for pub. Use
// [VerifyPEM], or check [Input.KeyURL] first, when the key comes from the
// URL in the request.
//
// The RSA operation is done here with math/big rather than crypto/rsa so
// that OSS's 512-bit key works without changing GODEBUG; see the package
// documentation.
func Verify(in Input, pub *rsa.PublicKey) error {
	if err := checkPublicKey(pub); err != nil {
		return err
	}
	sig, err := DecodeAuthorization(in.Authorization)
	if err != nil {
		return err
	}
	sum, err := digest(in.Path, in.RawQuery, in.Body)
	if err != nil {
		return err
	}
	return verifyPKCS1v15MD5(pub, sum, sig)
}

// VerifyPEM checks the request's key URL against the allow-list (nil or
// empty means [DefaultKeyURLPrefixes]), parses pemKey with [ParsePublicKey]
// and then runs [Verify]. pemKey must be the key served at that URL (or a
// cached copy of it); VerifyPEM cannot tell where the bytes came from. The
// key URL is checked first, so a callback naming a foreign key fails with
// [ErrKeyURLNotAllowed] whatever pemKey holds.
func VerifyPEM(in Input, pemKey []byte, allowed []string) error {
	if _, err := in.KeyURL(allowed); err != nil {
		return err
	}
	pub, err := ParsePublicKey(pemKey)
	if err != nil {
		return err
	}
	return Verify(in, pub)
}

// md5DigestInfo is the DER prefix of DigestInfo{md5, NULL, OCTET STRING(16)}
// (RFC 8017 §9.2, note 1).
var md5DigestInfo = []byte{
	0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
	0x02, 0x05, 0x05, 0x00, 0x04, 0x10,
}

// verifyPKCS1v15MD5 implements RSASSA-PKCS1-v1_5-VERIFY (RFC 8017 §8.2.2)
// for MD5. It may assume checkPublicKey(pub) passed, so k is at least 64
// bytes and the encoding fits. Instead of parsing the decrypted block it
// builds the one valid encoding
//
//	0x00 0x01 0xff…0xff 0x00 DigestInfo(MD5) hash
//
// and compares all k bytes in constant time.
func verifyPKCS1v15MD5(pub *rsa.PublicKey, hashed [md5.Size]byte, sig []byte) error {
	k := (pub.N.BitLen() + 7) / 8
	if len(sig) != k {
		return errorf(ErrSignatureMismatch, "signature is %d bytes, key needs %d", len(sig), k)
	}
	if pub.N.BitLen() >= 1024 {
		// crypto/rsa takes keys of 1024 bits and more, and its constant-time
		// Montgomery arithmetic is several times faster than math/big's
		// generic Exp; OSS's own 512-bit key takes the path below.
		if err := rsa.VerifyPKCS1v15(pub, crypto.MD5, hashed[:], sig); err != nil {
			return errorf(ErrSignatureMismatch, "signature does not verify under the key")
		}
		return nil
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return errorf(ErrSignatureMismatch, "signature is not smaller than the modulus")
	}
	m := s.Exp(s, big.NewInt(int64(pub.E)), pub.N)
	em := m.FillBytes(make([]byte, k))

	want := make([]byte, k)
	want[1] = 0x01
	tLen := len(md5DigestInfo) + md5.Size
	for i := 2; i < k-tLen-1; i++ {
		want[i] = 0xff
	}
	copy(want[k-tLen:], md5DigestInfo)
	copy(want[k-md5.Size:], hashed[:])

	if subtle.ConstantTimeCompare(em, want) != 1 {
		return errorf(ErrSignatureMismatch, "signature does not verify under the key")
	}
	return nil
}
