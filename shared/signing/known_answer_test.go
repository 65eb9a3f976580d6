package signing

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// The vectors in this file are published by Alibaba in the official Go SDK
// v2's signer tests: github.com/aliyun/alibabacloud-oss-go-sdk-v2 v1.6.1,
// oss/signer/signer_test.go (test function named in each case). Credentials
// there are ak/sk (and token "token" for STS cases).

var (
	sdkStatic = Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"}
	sdkSTS    = Credentials{AccessKeyID: "ak", AccessKeySecret: "sk", SecurityToken: "token"}
)

func mustHTTPTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := http.ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestSignV1KnownAnswers(t *testing.T) {
	t.Parallel()
	base := func() http.Header {
		return http.Header{
			"Content-Md5":       {"eB5eJF1ptWaXm4bijSPyxw=="},
			"Content-Type":      {"text/html"},
			"X-Oss-Meta-Author": {"alice"},
			"X-Oss-Meta-Magic":  {"abracadabra"},
			"X-Oss-Date":        {"Wed, 28 Dec 2022 10:27:41 GMT"},
		}
	}
	dateOnly := func() http.Header { return http.Header{"X-Oss-Date": {"Wed, 28 Dec 2022 10:27:41 GMT"}} }
	tests := []struct {
		name     string
		req      Request
		wantSTS  string
		wantAuth string
	}{
		{
			name:     "TestV1AuthHeader case 1: object with x-oss-meta headers",
			req:      Request{Method: "PUT", Bucket: "examplebucket", Key: "nelson", Header: base()},
			wantSTS:  "PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson",
			wantAuth: "OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=",
		},
		{
			name:     "TestV1AuthHeader case 2: acl sub-resource",
			req:      Request{Method: "PUT", Bucket: "examplebucket", Key: "nelson", Header: base(), Query: url.Values{"acl": {""}}},
			wantSTS:  "PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson?acl",
			wantAuth: "OSS ak:/afkugFbmWDQ967j1vr6zygBLQk=",
		},
		{
			name:     "TestV1AuthHeader case 3: extra sub-resource, non-resource query ignored",
			req:      Request{Method: "GET", Bucket: "examplebucket", Header: dateOnly(), Query: url.Values{"resourceGroup": {""}, "non-resousce": {"null"}}, SubResources: []string{"resourceGroup"}},
			wantSTS:  "GET\n\n\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\n/examplebucket/?resourceGroup",
			wantAuth: "OSS ak:vkQmfuUDyi1uDi3bKt67oemssIs=",
		},
		{
			name:     "TestV1AuthHeader case 4: sub-resources sorted",
			req:      Request{Method: "GET", Bucket: "examplebucket", Header: dateOnly(), Query: url.Values{"resourceGroup": {""}, "acl": {""}}, SubResources: []string{"resourceGroup"}},
			wantSTS:  "GET\n\n\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\n/examplebucket/?acl&resourceGroup",
			wantAuth: "OSS ak:x3E5TgOvl/i7PN618s5mEvpJDYk=",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := tc.req
			// The SDK sets Date to the signing time; these vectors sign that value.
			req.Header.Set("Date", "Wed, 28 Dec 2022 10:27:41 GMT")
			got, err := SignV1(&req, sdkStatic, mustHTTPTime(t, "Wed, 28 Dec 2022 10:27:41 GMT"))
			if err != nil {
				t.Fatal(err)
			}
			if got.StringToSign != tc.wantSTS {
				t.Errorf("string to sign:\n got %q\nwant %q", got.StringToSign, tc.wantSTS)
			}
			if got.Authorization != tc.wantAuth || req.Header.Get("Authorization") != tc.wantAuth {
				t.Errorf("authorization = %q, want %q", got.Authorization, tc.wantAuth)
			}
		})
	}
}

func TestPresignV1KnownAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		creds   Credentials
		key     string
		expires string
		wantURL string
	}{
		{
			name: "TestV1AuthQuery case 1", creds: sdkStatic, key: "key", expires: "Sun, 12 Nov 2023 16:43:40 GMT",
			wantURL: "http://bucket.oss-cn-hangzhou.aliyuncs.com/key?Expires=1699807420&OSSAccessKeyId=ak&Signature=dcLTea%2BYh9ApirQ8o8dOPqtvJXQ%3D&versionId=versionId",
		},
		{
			name: "TestV1AuthQuery case 2: STS token and + in key", creds: sdkSTS, key: "key+123", expires: "Sun, 12 Nov 2023 16:56:44 GMT",
			wantURL: "http://bucket.oss-cn-hangzhou.aliyuncs.com/key%2B123?Expires=1699808204&OSSAccessKeyId=ak&Signature=jzKYRrM5y6Br0dRFPaTGOsbrDhY%3D&security-token=token&versionId=versionId",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := Request{Method: "GET", Bucket: "bucket", Key: tc.key, Query: url.Values{"versionId": {"versionId"}}}
			p, err := PresignV1(&req, tc.creds, mustHTTPTime(t, tc.expires))
			if err != nil {
				t.Fatal(err)
			}
			got := ObjectURL("http", "oss-cn-hangzhou.aliyuncs.com", "bucket", tc.key, VirtualHosted, p.RawQuery)
			if got != tc.wantURL {
				t.Errorf("url:\n got %s\nwant %s", got, tc.wantURL)
			}
		})
	}
}

// sdkV4Request is the request every V4 vector in signer_test.go signs.
func sdkV4Request(contentType string, additional ...string) Request {
	q := url.Values{}
	q.Add("param1", "value1")
	q.Add("+param1", "value3")
	q.Add("|param1", "value4")
	q.Add("+param2", "")
	q.Add("|param2", "")
	q.Add("param2", "")
	return Request{
		Method: "PUT", Bucket: "bucket", Key: "1234+-/123/1.txt", Region: "cn-hangzhou", Product: "oss",
		Header: http.Header{
			"X-Oss-Head1":  {"value"},
			"Abc":          {"value"},
			"Zabc":         {"value"},
			"Xyz":          {"value"},
			"Content-Type": {contentType},
		},
		Query:             q,
		AdditionalHeaders: additional,
	}
}

func TestSignV4KnownAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		creds    Credentials
		unix     int64
		req      Request
		wantAuth string
	}{
		{
			name: "TestV4AuthHeader", creds: sdkStatic, unix: 1702743657, req: sdkV4Request("text/plain"),
			wantAuth: "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe",
		},
		{
			name: "TestV4AuthHeaderToken", creds: sdkSTS, unix: 1702784856, req: sdkV4Request("text/plain"),
			wantAuth: "OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request,Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea",
		},
		{
			name: "TestV4AuthHeaderWithAdditionalHeaders", creds: sdkStatic, unix: 1702747512, req: sdkV4Request("text/plain", "ZAbc", "abc"),
			wantAuth: "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f",
		},
		{
			name: "TestV4AuthHeaderWithAdditionalHeaders: default-signed and absent names dropped", creds: sdkStatic, unix: 1702747512,
			req:      sdkV4Request("text/plain", "x-oss-no-exist", "ZAbc", "x-oss-head1", "abc"),
			wantAuth: "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := tc.req
			req.Header.Set("x-oss-content-sha256", UnsignedPayload)
			got, err := SignV4(&req, tc.creds, time.Unix(tc.unix, 0))
			if err != nil {
				t.Fatal(err)
			}
			if got.Authorization != tc.wantAuth || req.Header.Get("Authorization") != tc.wantAuth {
				t.Errorf("authorization:\n got %s\nwant %s", got.Authorization, tc.wantAuth)
			}
		})
	}
}

func TestPresignV4KnownAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		creds          Credentials
		sign, expires  int64
		req            Request
		wantDate       string
		wantSignature  string
		wantAdditional string
	}{
		{
			name: "TestV4AuthQuery", creds: sdkStatic, sign: 1702781677, expires: 1702782276,
			req: sdkV4Request("application/octet-stream"), wantDate: "20231217T025437Z",
			wantSignature: "a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe",
		},
		{
			name: "TestV4AuthQueryToken", creds: sdkSTS, sign: 1702785388, expires: 1702785987,
			req: sdkV4Request("application/octet-stream"), wantDate: "20231217T035628Z",
			wantSignature: "3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5",
		},
		{
			name: "TestV4AuthQueryWithAdditionalHeaders", creds: sdkStatic, sign: 1702783809, expires: 1702784408,
			req: sdkV4Request("application/octet-stream", "ZAbc", "abc"), wantDate: "20231217T033009Z",
			wantSignature: "6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7", wantAdditional: "abc;zabc",
		},
		{
			name: "TestV4AuthQueryWithAdditionalHeaders: default-signed and absent names dropped", creds: sdkStatic, sign: 1702783809, expires: 1702784408,
			req: sdkV4Request("application/octet-stream", "x-oss-no-exist", "abc", "x-oss-head1", "ZAbc"), wantDate: "20231217T033009Z",
			wantSignature: "6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7", wantAdditional: "abc;zabc",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := tc.req
			p, err := PresignV4(&req, tc.creds, time.Unix(tc.sign, 0), time.Duration(tc.expires-tc.sign)*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			q, err := url.ParseQuery(p.RawQuery)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range map[string]string{
				"x-oss-signature-version":  "OSS4-HMAC-SHA256",
				"x-oss-date":               tc.wantDate,
				"x-oss-expires":            "599",
				"x-oss-credential":         "ak/20231217/cn-hangzhou/oss/aliyun_v4_request",
				"x-oss-signature":          tc.wantSignature,
				"x-oss-additional-headers": tc.wantAdditional,
				"x-oss-security-token":     tc.creds.SecurityToken,
			} {
				if got := q.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

// SignatureV1 and SignatureV4 sign a string to sign as it is: over the
// SDK vectors' strings to sign they give the vectors' signatures.
func TestSignatureKnownAnswers(t *testing.T) {
	t.Parallel()
	const stsV1 = "PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson"
	if got := SignatureV1("sk", stsV1); got != "kSHKmLxlyEAKtZPkJhG9bZb5k7M=" { // TestV1AuthHeader case 1
		t.Errorf("SignatureV1 = %s", got)
	}
	at := time.Unix(1702743657, 0) // TestV4AuthHeader
	req := sdkV4Request("text/plain")
	req.Header.Set("x-oss-content-sha256", UnsignedPayload)
	req.Header.Set("x-oss-date", FormatV4Date(at))
	sts := StringToSignV4(at, "cn-hangzhou", "oss", CanonicalRequestV4(&req, nil))
	if got := SignatureV4("sk", at, "cn-hangzhou", "oss", sts); got != "e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe" {
		t.Errorf("SignatureV4 = %s", got)
	}
}
