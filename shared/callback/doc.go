// Package callback verifies the upload callbacks that Alibaba Cloud OSS
// POSTs to an application server after PutObject, PostObject or
// CompleteMultipartUpload, and signs callbacks the same way for the local
// OSS emulator.
//
// # Wire format
//
// Reference: https://www.alibabacloud.com/help/en/oss/developer-reference/callback
// (section "Verify the signature"), and the project digest
// reference/oss-protocol.md §6.
//
// OSS signs each callback with RSA PKCS #1 v1.5 over an MD5 digest and sends
// two headers:
//
//	authorization:     base64(signature)
//	x-oss-pub-key-url: base64(URL of the PEM public key)
//
// The signed bytes are (see [StringToSign]):
//
//	url_decode(path) [ "?" raw_query ] "\n" body
//
// The path is percent-decoded exactly once; the query is copied raw (not
// decoded) with its leading "?", or left out when the request has none.
//
// A verifier must only trust a key whose URL starts with an allowed prefix;
// OSS documents http://gosspublic.alicdn.com/ and
// https://gosspublic.alicdn.com/ ([DefaultKeyURLPrefixes]). [CheckKeyURL]
// implements that allow-list.
//
// # 512-bit keys
//
// OSS's callback key (callback_pub_key_v1.pem) is a 512-bit RSA key, and
// crypto/rsa refuses keys under 1024 bits since Go 1.24 (GODEBUG
// rsa1024min). This package therefore performs the RSA public-key operation
// itself with math/big and compares the complete PKCS #1 v1.5 encoding in
// constant time. It never changes GODEBUG. [Sign] does use crypto/rsa and so
// needs a key of at least 1024 bits (the emulator uses 2048).
//
// # What it deliberately does not do
//
//   - Verification never touches the network: [Verify] takes a parsed key
//     and [VerifyPEM] takes PEM bytes. [Input.KeyURL] tells the caller which
//     URL it may fetch; [KeyCache] fetches and caches keys from such URLs
//     (no redirects, bounded time and size, one fetch for concurrent callers)
//     and is the only code here that does I/O.
//   - It does not read request bodies: the caller reads the body (with a
//     size limit) and passes the bytes.
//   - It does not parse the callback body or write the reply to OSS.
//   - It cannot detect replays: OSS signs no timestamp or nonce, so a
//     captured callback verifies forever. Deduplicate on the callback's
//     content (bucket, object, etag) if that matters.
package callback
