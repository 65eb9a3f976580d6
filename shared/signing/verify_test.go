package signing

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"
)

var (
	testCreds = Credentials{AccessKeyID: "LTAI5tTest", AccessKeySecret: "secret+/=~!中"}
	signedAt  = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
)

func putRequest() *Request {
	return &Request{
		Method: "PUT", Bucket: "dev-bucket", Key: "uploads/用户 1/a+b%~!.png", Region: "cn-hangzhou",
		Header: http.Header{"Content-Type": {"image/png"}, "X-Oss-Forbid-Overwrite": {"true"}},
	}
}

// received simulates what the server sees for a request signed as r:
// the headers and query as sent, then lets mutate tamper with it.
func received(r *Request, rawQuery string, mutate func(*Request)) *Request {
	q, _ := url.ParseQuery(rawQuery)
	got := &Request{Method: r.Method, Bucket: r.Bucket, Key: r.Key, Header: r.Header.Clone(), Query: q}
	if mutate != nil {
		mutate(got)
	}
	return got
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	type signer func() (req *Request, authorization, rawQuery string)
	headerV1 := func() (*Request, string, string) {
		r := putRequest()
		s, err := SignV1(r, testCreds, signedAt)
		if err != nil {
			t.Fatal(err)
		}
		return r, s.Authorization, ""
	}
	headerV4 := func() (*Request, string, string) {
		r := putRequest()
		s, err := SignV4(r, testCreds, signedAt)
		if err != nil {
			t.Fatal(err)
		}
		return r, s.Authorization, ""
	}
	urlV1 := func() (*Request, string, string) {
		r := putRequest()
		p, err := PresignV1(r, testCreds, signedAt.Add(10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return r, "", p.RawQuery
	}
	urlV4 := func() (*Request, string, string) {
		r := putRequest()
		p, err := PresignV4(r, testCreds, signedAt, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return r, "", p.RawQuery
	}
	kinds := map[string]signer{"header v1": headerV1, "header v4": headerV4, "url v1": urlV1, "url v4": urlV4}

	tests := []struct {
		name   string
		now    time.Time
		secret string
		mutate func(*Request)
		want   error // nil: accepted
		only   string
	}{
		{name: "valid", now: signedAt.Add(time.Minute)},
		{name: "wrong secret", now: signedAt, secret: "other", want: ErrSignatureMismatch},
		{name: "wrong method", now: signedAt, mutate: func(r *Request) { r.Method = "GET" }, want: ErrSignatureMismatch},
		{name: "other content type", now: signedAt, mutate: func(r *Request) { r.Header.Set("Content-Type", "text/html") }, want: ErrSignatureMismatch},
		{name: "missing content type", now: signedAt, mutate: func(r *Request) { r.Header.Del("Content-Type") }, want: ErrSignatureMismatch},
		{name: "forbid-overwrite dropped", now: signedAt, mutate: func(r *Request) { r.Header.Del("X-Oss-Forbid-Overwrite") }, want: ErrSignatureMismatch},
		{name: "key outside the signed one", now: signedAt, mutate: func(r *Request) { r.Key = "uploads/other.png" }, want: ErrSignatureMismatch},
		{name: "other bucket", now: signedAt, mutate: func(r *Request) { r.Bucket = "victim" }, want: ErrSignatureMismatch},
		{name: "extra sub-resource", now: signedAt, mutate: func(r *Request) { r.Query.Set("uploadId", "x") }, want: ErrSignatureMismatch},
		{name: "tampered signature", now: signedAt, mutate: func(r *Request) {
			if r.Query.Has("Signature") {
				r.Query.Set("Signature", "AAAA"+r.Query.Get("Signature")[4:])
			}
			if r.Query.Has("x-oss-signature") {
				r.Query.Set("x-oss-signature", "0000"+r.Query.Get("x-oss-signature")[4:])
			}
		}, want: ErrSignatureMismatch, only: "url"},
		{name: "expired", now: signedAt.Add(11 * time.Minute), want: ErrExpired, only: "url"},
		{name: "clock skew ahead", now: signedAt.Add(16 * time.Minute), want: ErrRequestTimeTooSkewed, only: "header"},
		{name: "clock skew behind", now: signedAt.Add(-16 * time.Minute), want: ErrRequestTimeTooSkewed, only: "header"},
		{name: "x-oss-date edited", now: signedAt, mutate: func(r *Request) { r.Header.Set("x-oss-date", FormatV4Date(signedAt.Add(time.Second))) }, want: ErrSignatureMismatch, only: "header v4"},
	}
	for kind, sign := range kinds {
		for _, tc := range tests {
			if tc.only != "" && !(kind == tc.only || len(tc.only) < len(kind) && kind[:len(tc.only)] == tc.only) {
				continue
			}
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				r, authz, rawQuery := sign()
				got := received(r, rawQuery, tc.mutate)
				var a *Auth
				var err error
				if authz != "" {
					a, err = ParseAuthorization(authz)
				} else {
					a, err = ParsePresignedQuery(got.Query)
				}
				if err != nil {
					t.Fatal(err)
				}
				secret := testCreds.AccessKeySecret
				if tc.secret != "" {
					secret = tc.secret
				}
				err = Verify(got, a, secret, tc.now)
				if tc.want == nil {
					if err != nil {
						t.Fatalf("Verify: %v", err)
					}
					return
				}
				if !errors.Is(err, tc.want) {
					t.Fatalf("Verify = %v, want %v", err, tc.want)
				}
				var m *MismatchError
				if errors.As(err, &m) && m.StringToSign == "" {
					t.Error("mismatch without the expected string to sign")
				}
			})
		}
	}
}

func TestParseAuthorization(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"v1", "OSS ak:c2ln", true},
		{"v4", "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=abcd", true},
		{"v4 doc spacing", "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request, AdditionalHeaders=host, Signature=abcd", true},
		{"empty", "", false},
		{"unknown scheme", "AWS4-HMAC-SHA256 Credential=x", false},
		{"v1 no colon", "OSS aksig", false},
		{"v1 empty signature", "OSS ak:", false},
		{"v4 missing signature", "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request", false},
		{"v4 empty additional headers", "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=,Signature=ab", false},
		{"v4 bad terminator", "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aws4_request,Signature=ab", false},
		{"v4 bad date", "OSS4-HMAC-SHA256 Credential=ak/2023121/cn-hangzhou/oss/aliyun_v4_request,Signature=ab", false},
		{"v4 unknown element", "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Foo=1,Signature=ab", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseAuthorization(tc.in)
			if tc.ok && err != nil {
				t.Fatalf("err = %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("err = %v, want ErrInvalidArgument", err)
			}
		})
	}
}

func TestParsePresignedQueryRefuses(t *testing.T) {
	t.Parallel()
	good := url.Values{
		"x-oss-signature-version": {AlgorithmV4},
		"x-oss-credential":        {"ak/20231216/cn-hangzhou/oss/aliyun_v4_request"},
		"x-oss-date":              {"20231216T010203Z"},
		"x-oss-expires":           {"600"},
		"x-oss-signature":         {"ab"},
	}
	tests := []struct {
		name string
		edit func(url.Values)
	}{
		{"expires too long", func(q url.Values) { q.Set("x-oss-expires", "604801") }},
		{"expires absolute timestamp", func(q url.Values) { q.Set("x-oss-expires", "1141889120") }},
		{"expires zero", func(q url.Values) { q.Set("x-oss-expires", "0") }},
		{"date not on credential day", func(q url.Values) { q.Set("x-oss-date", "20231217T010203Z") }},
		{"missing signature", func(q url.Values) { q.Del("x-oss-signature") }},
		{"wrong version", func(q url.Values) { q.Set("x-oss-signature-version", "OSS2") }},
		{"v1 missing Expires", func(q url.Values) {
			clear(q)
			q.Set("OSSAccessKeyId", "ak")
			q.Set("Signature", "c2ln")
		}},
		{"v1 Expires not a number", func(q url.Values) {
			clear(q)
			q.Set("OSSAccessKeyId", "ak")
			q.Set("Signature", "c2ln")
			q.Set("Expires", "tomorrow")
		}},
	}
	if a, err := ParsePresignedQuery(good); err != nil || a.Expires != time.Date(2023, 12, 16, 1, 12, 3, 0, time.UTC) {
		t.Fatalf("good query: %v %+v", err, a)
	}
	if a, err := ParsePresignedQuery(url.Values{"uploadId": {"x"}}); a != nil || err != nil {
		t.Fatalf("unsigned query: %v %v", a, err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := cloneValues(good)
			tc.edit(q)
			if _, err := ParsePresignedQuery(q); !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("err = %v, want ErrInvalidArgument", err)
			}
		})
	}
}

func TestPresignV4RefusesExpiry(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{0, 500 * time.Millisecond, -time.Second, MaxPresignExpiresV4 + time.Second} {
		if _, err := PresignV4(putRequest(), testCreds, signedAt, d); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("expires %v: err = %v, want ErrInvalidArgument", d, err)
		}
	}
	if _, err := PresignV4(putRequest(), testCreds, signedAt, MaxPresignExpiresV4); err != nil {
		t.Errorf("7 days: %v", err)
	}
}

func TestSigningKeyV4Cache(t *testing.T) {
	t.Parallel()
	a := SigningKeyV4("cache-secret", signedAt, "cn-hangzhou", "oss")
	b := SigningKeyV4("cache-secret", signedAt.Add(time.Hour), "cn-hangzhou", "oss")
	if &a[0] != &b[0] {
		t.Error("same day, region and product: key was derived again")
	}
	if want := deriveKeyV4("cache-secret", "20261123", "cn-hangzhou", "oss"); string(a) != string(want) {
		t.Error("cached key differs from a fresh derivation")
	}
	if c := SigningKeyV4("cache-secret", signedAt.Add(24*time.Hour), "cn-hangzhou", "oss"); string(c) == string(a) {
		t.Error("next day returned the same key")
	}
	if c := SigningKeyV4("cache-secret", signedAt, "cn-beijing", "oss"); string(c) == string(a) {
		t.Error("other region returned the same key")
	}
}
