package callback

import (
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"encoding/base64"
	"hash"
	"io"
	"net/url"
)

// StringToSign returns the bytes OSS signs for a callback:
//
//	url_decode(path) [ "?" rawQuery ] "\n" body
//
// path is the request path as sent, still percent-encoded (for example
// "/cb%2Fx/%E4%B8%AD%20a"); it is decoded exactly once with
// url.PathUnescape, so "+" stays "+" and "%2F" becomes "/". A bad escape
// yields an error wrapping [ErrBadPath]. rawQuery is the query without its
// leading "?" and is copied as is, not decoded; when it is empty neither it
// nor the "?" is added. body is copied verbatim.
//
// Verify and Sign hash the same bytes without building this slice; the
// function exists to show (and log, in a debugging session) what is signed.
func StringToSign(path, rawQuery string, body []byte) ([]byte, error) {
	p, err := decodePath(path)
	if err != nil {
		return nil, err
	}
	n := len(p) + 1 + len(body)
	if rawQuery != "" {
		n += 1 + len(rawQuery)
	}
	b := make([]byte, 0, n)
	b = append(b, p...)
	if rawQuery != "" {
		b = append(b, '?')
		b = append(b, rawQuery...)
	}
	b = append(b, '\n')
	b = append(b, body...)
	return b, nil
}

// digest returns MD5(StringToSign(path, rawQuery, body)) without building
// the string to sign.
func digest(path, rawQuery string, body []byte) ([md5.Size]byte, error) {
	var sum [md5.Size]byte
	p, err := decodePath(path)
	if err != nil {
		return sum, err
	}
	h := md5.New()
	writeString(h, p)
	if rawQuery != "" {
		writeString(h, "?")
		writeString(h, rawQuery)
	}
	writeString(h, "\n")
	h.Write(body) // hash.Hash.Write never fails
	h.Sum(sum[:0])
	return sum, nil
}

func writeString(h hash.Hash, s string) {
	_, _ = io.WriteString(h, s) // hash.Hash.Write never fails
}

func decodePath(path string) (string, error) {
	p, err := url.PathUnescape(path)
	if err != nil {
		// url.EscapeError quotes only the bad escape, e.g. "%zz".
		return "", errorf(ErrBadPath, "%v", err)
	}
	return p, nil
}

// Sign signs a callback the way OSS does and returns the value of the
// authorization header: base64 of the RSA PKCS #1 v1.5 signature over
// MD5(StringToSign(path, rawQuery, body)). The local OSS emulator uses it.
//
// Signing goes through crypto/rsa, which refuses keys under 1024 bits; use a
// key of 2048 bits or more. An undecodable path yields an error wrapping
// [ErrBadPath]; any other failure wraps [ErrSign].
func Sign(priv *rsa.PrivateKey, path, rawQuery string, body []byte) (string, error) {
	if priv == nil {
		return "", errorf(ErrSign, "nil private key")
	}
	sum, err := digest(path, rawQuery, body)
	if err != nil {
		return "", err
	}
	// PKCS #1 v1.5 signing is deterministic; crypto/rsa ignores the reader.
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.MD5, sum[:])
	if err != nil {
		return "", errorf(ErrSign, "%v", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}
