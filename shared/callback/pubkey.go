package callback

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
)

const (
	// MinKeyBits is the smallest RSA modulus accepted. OSS's own callback
	// key (callback_pub_key_v1.pem) has 512 bits.
	MinKeyBits = 512
	// MaxKeyBits is the largest RSA modulus accepted; it bounds the cost of
	// one verification.
	MaxKeyBits = 8192

	// maxPEMLen bounds the PEM input to ParsePublicKey.
	maxPEMLen = 64 << 10
)

// ParsePublicKey parses one PEM-encoded RSA public key, as served at the
// x-oss-pub-key-url. It accepts a "PUBLIC KEY" block (PKIX
// SubjectPublicKeyInfo, which is what OSS serves) and an "RSA PUBLIC KEY"
// block (PKCS #1). Only white space may surround the block, and the block
// may carry no PEM headers. The key must be RSA, with a modulus of
// [MinKeyBits] to [MaxKeyBits] bits that is odd, and an odd public exponent
// of at least 3. Every failure wraps [ErrBadPublicKey].
func ParsePublicKey(pemKey []byte) (*rsa.PublicKey, error) {
	if len(pemKey) > maxPEMLen {
		return nil, errorf(ErrBadPublicKey, "pem is longer than %d bytes", maxPEMLen)
	}
	trimmed := bytes.TrimSpace(pemKey)
	if len(trimmed) == 0 {
		return nil, errorf(ErrBadPublicKey, "pem is empty")
	}
	block, rest := pem.Decode(trimmed)
	if block == nil {
		return nil, errorf(ErrBadPublicKey, "no pem block found")
	}
	if !bytes.HasPrefix(trimmed, []byte("-----BEGIN ")) {
		return nil, errorf(ErrBadPublicKey, "unexpected data before the pem block")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errorf(ErrBadPublicKey, "unexpected data after the pem block")
	}
	if len(block.Headers) != 0 {
		return nil, errorf(ErrBadPublicKey, "pem headers are not allowed")
	}

	var pub *rsa.PublicKey
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, errorf(ErrBadPublicKey, "invalid PKIX public key: %v", err)
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, errorf(ErrBadPublicKey, "not an rsa key (%T)", k)
		}
		pub = rk
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, errorf(ErrBadPublicKey, "invalid PKCS #1 public key: %v", err)
		}
		pub = k
	default:
		return nil, errorf(ErrBadPublicKey, `pem block type is not "PUBLIC KEY" or "RSA PUBLIC KEY"`)
	}
	if err := checkPublicKey(pub); err != nil {
		return nil, err
	}
	return pub, nil
}

// checkPublicKey applies ParsePublicKey's rules on size and shape to a key
// that may have come from anywhere. Errors wrap ErrBadPublicKey.
func checkPublicKey(pub *rsa.PublicKey) error {
	switch {
	case pub == nil || pub.N == nil:
		return errorf(ErrBadPublicKey, "nil key")
	case pub.N.Sign() <= 0:
		return errorf(ErrBadPublicKey, "modulus is not positive")
	case pub.N.BitLen() < MinKeyBits || pub.N.BitLen() > MaxKeyBits:
		return errorf(ErrBadPublicKey, "%d-bit modulus is outside %d..%d bits", pub.N.BitLen(), MinKeyBits, MaxKeyBits)
	case pub.N.Bit(0) == 0:
		return errorf(ErrBadPublicKey, "modulus is even")
	case pub.E < 3 || pub.E%2 == 0:
		return errorf(ErrBadPublicKey, "public exponent must be odd and at least 3")
	}
	return nil
}
