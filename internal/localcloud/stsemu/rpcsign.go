package stsemu

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
)

// StringToSignRPC returns the string the legacy Alibaba Cloud RPC ("POP")
// signature signs, SignatureMethod HMAC-SHA1, SignatureVersion 1.0, as the
// official Go SDK builds it (darabonba-openapi utils buildRpcStringToSign)
// and as documented in "Request signatures" for RPC APIs
// (https://www.alibabacloud.com/help/doc-detail/28139.htm):
//
//	CanonicalizedQueryString = pct(name1) "=" pct(value1) "&" pct(name2) "=" pct(value2) ...
//	StringToSign             = METHOD "&" pct("/") "&" pct(CanonicalizedQueryString)
//
// where the parameters are every request parameter except "Signature",
// sorted by name (byte order), and pct is RFC 3986 percent-encoding of the
// UTF-8 bytes: A–Z a–z 0–9 "-" "_" "." "~" are kept, every other byte
// becomes "%XX" in upper-case hex (so space is "%20" and "*" is "%2A").
// pct("/") is "%2F". A parameter with several values contributes each
// value, in order.
//
// method is used as given ("GET" or "POST").
func StringToSignRPC(method string, params url.Values) string {
	names := make([]string, 0, len(params))
	for name := range params {
		if name != "Signature" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var canon strings.Builder
	for _, name := range names {
		for _, v := range params[name] {
			if canon.Len() > 0 {
				canon.WriteByte('&')
			}
			canon.WriteString(percentEncode(name))
			canon.WriteByte('=')
			canon.WriteString(percentEncode(v))
		}
	}
	return method + "&%2F&" + percentEncode(canon.String())
}

// SignRPC returns the RPC signature of params:
// base64(HMAC-SHA1(accessKeySecret + "&", StringToSignRPC(method, params))).
func SignRPC(method string, params url.Values, accessKeySecret string) string {
	return signString(StringToSignRPC(method, params), accessKeySecret)
}

func signString(stringToSign, accessKeySecret string) string {
	mac := hmac.New(sha1.New, []byte(accessKeySecret+"&"))
	mac.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// percentEncode is RFC 3986 percent-encoding with the unreserved set
// A–Z a–z 0–9 - _ . ~ and upper-case hex.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0x0F])
	}
	return b.String()
}
