#!/bin/sh
# gen.sh regenerates the openssl test keys and signature vectors used by
# callback_test.go. openssl is an implementation independent of this
# package, so these vectors check both StringToSign (the .tosign files are
# built here from the already-decoded path) and the RSA/MD5 verification.
#
# Run from this directory:  sh gen.sh
# Tested with OpenSSL 3.0.19. Keys are kept when present so that re-running
# only rewrites the vectors; delete key*.pem to make new keys.
#
# Commands, for reference:
#   openssl genrsa -out keyN.pem N                         (PKCS #8 private key)
#   openssl rsa -in keyN.pem -pubout -out keyN.pub.pem     (SPKI "PUBLIC KEY")
#   openssl rsa -in keyN.pem -RSAPublicKey_out -out ...    (PKCS #1 "RSA PUBLIC KEY")
#   openssl dgst -md5 -sign keyN.pem -out sig.bin file     (RSASSA-PKCS1-v1_5 over MD5)
set -eu

for bits in 512 1024 2048; do
	if [ ! -f "key$bits.pem" ]; then
		openssl genrsa -out "key$bits.pem" "$bits" 2>/dev/null
	fi
	openssl rsa -in "key$bits.pem" -pubout -out "key$bits.pub.pem" 2>/dev/null
done
openssl rsa -in key2048.pem -RSAPublicKey_out -out key2048.pkcs1.pem 2>/dev/null
# Test-only keys: readable so that any checkout can run the tests.
chmod 644 key*.pem
if [ ! -f ec.pub.pem ]; then
	openssl ecparam -name prime256v1 -genkey -noout -out ec.tmp.pem
	openssl ec -in ec.tmp.pem -pubout -out ec.pub.pem 2>/dev/null
	rm -f ec.tmp.pem
fi

mkdir -p vectors
rm -f vectors/*

# vec NAME BITS SIGNED_PATH_AND_QUERY BODY
# SIGNED_PATH_AND_QUERY is written as OSS signs it: path already decoded,
# query raw with its "?". The matching raw request (encoded path, query
# without "?") is in the test table in callback_test.go.
vec() {
	printf '%s\n%s' "$3" "$4" >"vectors/$1.tosign"
	openssl dgst -md5 -sign "key$2.pem" -out vectors/sig.bin "vectors/$1.tosign"
	base64 -w0 <vectors/sig.bin >"vectors/$1.sig"
	rm -f vectors/sig.bin
}

for bits in 512 2048; do
	vec "plain-$bits" "$bits" '/callback' 'bucket=b&object=a.txt&size=5'
	vec "query-$bits" "$bits" '/callback?uid=42&token=a%2Bb' '{"bucket":"b","object":"a.txt","size":5}'
	vec "encoded-$bits" "$bits" '/cb/x/中文/a b' 'object=%E4%B8%AD%E6%96%87.png'
	vec "encoded-query-$bits" "$bits" '/cb/x/中文?name=%E4%B8%AD&sp=a%20b' 'size=1'
	vec "plus-$bits" "$bits" '/a+b+' 'x=1'
	vec "empty-body-$bits" "$bits" '/callback' ''
done
