package ossemu

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/shared/policy"
	"ossdirect/shared/signing"
)

// Principal ids of idCreds: the root account's uid, and the STS session
// as OSS names it (AssumedRoleId, "<role-id>:<session-name>").
const (
	rootID    = "1000000000000001"
	stsRoleID = "300000000000000001"
	stsID     = stsRoleID + ":alice"

	// adminAK is an STS key whose session policy allows only
	// oss:PutBucketCors and oss:GetBucketCors on the test bucket.
	adminAK    = "STS.NAdminKey0001"
	adminSK    = "admin-secret-0001"
	adminToken = "CAIS-admin-token"
)

// idCreds is testCreds with principal ids, plus the bucket-admin STS key.
type idCreds struct{ testCreds }

func (c idCreds) Lookup(ak, token string, now time.Time) (Principal, error) {
	if ak == adminAK && token == adminToken {
		return Principal{Secret: adminSK, ID: stsRoleID + ":admin", Allowed: func(action, resource string) bool {
			return (action == "oss:PutBucketCors" || action == "oss:GetBucketCors") && resource == "acs:oss:*:*:"+testBucket
		}}, nil
	}
	p, err := c.testCreds.Lookup(ak, token, now)
	if err == nil {
		switch ak {
		case rootAK:
			p.ID = rootID
		case stsAK:
			p.ID = stsID
		}
	}
	return p, err
}

// newConfigHarness is newHarness with idCreds.
func newConfigHarness(t *testing.T, opts ...func(*Config)) *harness {
	t.Helper()
	return newHarness(t, append([]func(*Config){func(c *Config) { c.Credentials = idCreds{} }}, opts...)...)
}

// bucketRequest builds a raw V4-signed bucket-level request
// (/<bucket>/?<query>) with body, as root.
func (h *harness) bucketRequest(method, query string, body []byte, header http.Header) *http.Request {
	h.t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+"/"+testBucket+"/?"+query, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	sr := &signing.Request{Method: method, Bucket: testBucket, Header: req.Header, Query: req.URL.Query(), Region: testRegion}
	if _, err := signing.SignV4(sr, rootCreds, time.Now()); err != nil {
		h.t.Fatal(err)
	}
	return req
}

// preflight sends an unsigned OPTIONS request like a browser's.
func (h *harness) preflight(t *testing.T, key, origin, method, headers string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodOptions, h.ts.URL+"/"+testBucket+"/"+key, nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", method)
	if headers != "" {
		req.Header.Set("Access-Control-Request-Headers", headers)
	}
	return do(t, req)
}

func bucket() *string { return oss.Ptr(testBucket) }

// TestSDKBucketCors: the initial rule from Config.CORSOrigins, a
// PutBucketCors round trip, the CORS answers changing with the stored
// rules (preflights, actual requests, Vary), DeleteBucketCors.
func TestSDKBucketCors(t *testing.T) {
	t.Parallel()
	h := newConfigHarness(t)
	ctx := context.Background()
	c := h.root()

	t.Run("initial rule from CORSOrigins", func(t *testing.T) {
		got, err := c.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: bucket()})
		if err != nil {
			t.Fatal(err)
		}
		want := &oss.CORSConfiguration{
			CORSRules: []oss.CORSRule{{
				AllowedOrigins: []string{"http://app.example.com", "http://*.dev.example.com"},
				AllowedMethods: []string{"GET", "PUT", "POST", "DELETE", "HEAD"},
				AllowedHeaders: []string{"*"},
				ExposeHeaders:  []string{"ETag", "x-oss-request-id", "x-oss-hash-crc64ecma", "x-oss-version-id"},
				MaxAgeSeconds:  oss.Ptr(int64(600)),
			}},
			ResponseVary: oss.Ptr(true),
		}
		if !reflect.DeepEqual(got.CORSConfiguration, want) {
			t.Fatalf("GetBucketCors = %+v, want %+v", got.CORSConfiguration, want)
		}
		// The answers the emulator gave before rules were stored, exactly.
		wantHeaders := map[string]string{
			"Access-Control-Allow-Origin":   "http://feature-9.dev.example.com",
			"Access-Control-Allow-Methods":  "GET, PUT, POST, DELETE, HEAD",
			"Access-Control-Expose-Headers": "ETag, x-oss-request-id, x-oss-hash-crc64ecma, x-oss-version-id",
			"Access-Control-Max-Age":        "600",
			"Vary":                          "Origin",
		}
		resp, body := h.preflight(t, "a.png", "http://feature-9.dev.example.com", "PUT", "content-type,x-oss-date")
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Headers") != "content-type,x-oss-date" {
			t.Fatalf("preflight: %d %v %s", resp.StatusCode, resp.Header, body)
		}
		req := h.signedRequest(http.MethodPut, "cors/initial.txt", []byte("x"), nil, false, rootCreds, time.Now())
		req.Header.Set("Origin", "http://feature-9.dev.example.com")
		actual, _ := do(t, req)
		for _, r := range []*http.Response{resp, actual} {
			for k, v := range wantHeaders {
				if got := r.Header.Values(k); len(got) != 1 || got[0] != v {
					t.Errorf("%s %s: %s = %q, want %q", r.Request.Method, r.Request.URL.Path, k, got, v)
				}
			}
		}
	})

	const shop = "https://shop.example.org"
	cfg := &oss.CORSConfiguration{
		CORSRules: []oss.CORSRule{
			{AllowedOrigins: []string{shop}, AllowedMethods: []string{"PUT", "POST"},
				AllowedHeaders: []string{"content-type", "x-oss-*"}, ExposeHeaders: []string{"ETag", "x-oss-meta-owner"},
				MaxAgeSeconds: oss.Ptr(int64(120))},
			{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}},
		},
		ResponseVary: oss.Ptr(false),
	}
	if _, err := c.PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: bucket(), CORSConfiguration: cfg}); err != nil {
		t.Fatalf("PutBucketCors: %v", err)
	}
	got, err := c.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: bucket()})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.CORSConfiguration, cfg) {
		t.Fatalf("GetBucketCors = %+v, want %+v", got.CORSConfiguration, cfg)
	}

	t.Run("preflights follow the stored rules", func(t *testing.T) {
		tests := []struct {
			name, origin, method, headers string
			status                        int
			methods, expose, maxAge       string
		}{
			{"first rule, wildcard header", shop, "PUT", "content-type, x-oss-date,x-oss-security-token", 200, "PUT, POST", "ETag, x-oss-meta-owner", "120"},
			{"header names fold case", shop, "POST", "Content-Type, X-OSS-Meta-Owner", 200, "PUT, POST", "ETag, x-oss-meta-owner", "120"},
			{"second rule answers what the first does not allow", shop, "GET", "", 200, "GET", "", ""},
			{"header not allowed", shop, "PUT", "authorization", 403, "", "", ""},
			{"second rule allows no headers", "http://any.test", "GET", "range", 403, "", "", ""},
			{"the replaced origin is refused", "http://app.example.com", "PUT", "", 403, "", "", ""},
			{"method of no rule", shop, "DELETE", "", 403, "", "", ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := h.preflight(t, "a.png", tc.origin, tc.method, tc.headers)
				if resp.Header.Get("Vary") != "" {
					t.Errorf("Vary = %q with ResponseVary false", resp.Header.Get("Vary"))
				}
				if tc.status != 200 {
					e := wantError(t, resp, body, 403, "AccessForbidden")
					if !strings.Contains(e.Message, "not allowed") || resp.Header.Get("Access-Control-Allow-Origin") != "" {
						t.Errorf("refusal: %q, %v", e.Message, resp.Header)
					}
					return
				}
				hd := resp.Header
				if resp.StatusCode != 200 || hd.Get("Access-Control-Allow-Origin") != tc.origin || hd.Get("Access-Control-Allow-Methods") != tc.methods ||
					hd.Get("Access-Control-Allow-Headers") != tc.headers || hd.Get("Access-Control-Expose-Headers") != tc.expose ||
					hd.Get("Access-Control-Max-Age") != tc.maxAge {
					t.Errorf("%d %v", resp.StatusCode, hd)
				}
			})
		}
	})

	t.Run("actual requests expose the rule's headers", func(t *testing.T) {
		send := func(origin string) *http.Response {
			req := h.signedRequest(http.MethodPut, "cors/actual.txt", []byte("x"), nil, false, rootCreds, time.Now())
			req.Header.Set("Origin", origin)
			resp, body := do(t, req)
			if resp.StatusCode != 200 {
				t.Fatalf("PUT: %d %s", resp.StatusCode, body)
			}
			return resp
		}
		hd := send(shop).Header
		if hd.Get("Access-Control-Allow-Origin") != shop || hd.Get("Access-Control-Expose-Headers") != "ETag, x-oss-meta-owner" || hd.Get("Vary") != "" {
			t.Errorf("matched: %v", hd)
		}
		if hd := send("http://app.example.com").Header; hd.Get("Access-Control-Allow-Origin") != "" || hd.Get("Access-Control-Expose-Headers") != "" {
			t.Errorf("unmatched origin got CORS headers: %v", hd)
		}
	})

	t.Run("the official SDK's OptionObject", func(t *testing.T) {
		res, err := c.OptionObject(ctx, &oss.OptionObjectRequest{Bucket: bucket(), Key: oss.Ptr("a.png"),
			Origin: oss.Ptr(shop), AccessControlRequestMethod: oss.Ptr("PUT"), AccessControlRequestHeaders: oss.Ptr("content-type")})
		if err != nil {
			t.Fatal(err)
		}
		if oss.ToString(res.AccessControlAllowOrigin) != shop || oss.ToString(res.AccessControlExposeHeaders) != "ETag, x-oss-meta-owner" || res.AccessControlMaxAge == nil || *res.AccessControlMaxAge != 120 {
			t.Errorf("OptionObject = %+v", res)
		}
		_, err = c.OptionObject(ctx, &oss.OptionObjectRequest{Bucket: bucket(), Key: oss.Ptr("a.png"),
			Origin: oss.Ptr("http://evil.example.net"), AccessControlRequestMethod: oss.Ptr("PUT")})
		wantSDKError(t, err, 403, "AccessForbidden")
	})

	t.Run("ResponseVary true varies every response", func(t *testing.T) {
		vary := *cfg
		vary.ResponseVary = oss.Ptr(true)
		if _, err := c.PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: bucket(), CORSConfiguration: &vary}); err != nil {
			t.Fatal(err)
		}
		resp, _ := do(t, h.signedRequest(http.MethodGet, "cors/actual.txt", nil, nil, false, rootCreds, time.Now()))
		if resp.StatusCode != 200 || resp.Header.Get("Vary") != "Origin" {
			t.Errorf("no Origin: %d, Vary %q", resp.StatusCode, resp.Header.Get("Vary"))
		}
		resp, _ = h.preflight(t, "a.png", "http://evil.example.net", "PUT", "")
		if resp.StatusCode != 403 || resp.Header.Get("Vary") != "Origin" {
			t.Errorf("refused preflight: %d, Vary %q", resp.StatusCode, resp.Header.Get("Vary"))
		}
	})

	t.Run("DeleteBucketCors turns CORS off", func(t *testing.T) {
		for range 2 { // idempotent
			res, err := c.DeleteBucketCors(ctx, &oss.DeleteBucketCorsRequest{Bucket: bucket()})
			if err != nil || res.StatusCode != 204 {
				t.Fatalf("DeleteBucketCors: %v", err)
			}
		}
		_, err := c.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: bucket()})
		if se := wantSDKError(t, err, 404, "NoSuchCORSConfiguration"); se.Message != "The CORS Configuration does not exist." {
			t.Errorf("message %q", se.Message)
		}
		resp, body := h.preflight(t, "a.png", shop, "PUT", "")
		if e := wantError(t, resp, body, 403, "AccessForbidden"); !strings.Contains(e.Message, "CORS is not enabled") {
			t.Errorf("message %q", e.Message)
		}
		req := h.signedRequest(http.MethodGet, "cors/actual.txt", nil, nil, false, rootCreds, time.Now())
		req.Header.Set("Origin", shop)
		if resp, _ := do(t, req); resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("Vary") != "" {
			t.Errorf("actual request without CORS: %d %v", resp.StatusCode, resp.Header)
		}
	})

	t.Run("the other bucket keeps its own rule", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodOptions, h.ts.URL+"/other-bucket/a.png", nil)
		req.Header.Set("Origin", "http://app.example.com")
		req.Header.Set("Access-Control-Request-Method", "PUT")
		if resp, body := do(t, req); resp.StatusCode != 200 {
			t.Errorf("other-bucket preflight: %d %s", resp.StatusCode, body)
		}
	})
}

// TestSDKBucketCorsRefusals: validation errors, authorization (RAM action
// names), V1 signing of the sub-resource.
func TestSDKBucketCorsRefusals(t *testing.T) {
	t.Parallel()
	h := newConfigHarness(t)
	ctx := context.Background()
	rule := func(mod func(*oss.CORSRule)) oss.CORSRule {
		r := oss.CORSRule{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}
		if mod != nil {
			mod(&r)
		}
		return r
	}
	tests := []struct {
		name   string
		rules  []oss.CORSRule
		code   string
		ec     string
		status int
	}{
		{"no rule", nil, "MalformedXML", "0034-00000002", 400},
		{"rule without origin", []oss.CORSRule{rule(func(r *oss.CORSRule) { r.AllowedOrigins = nil })}, "MalformedXML", "", 400},
		{"rule without method", []oss.CORSRule{rule(func(r *oss.CORSRule) { r.AllowedMethods = nil })}, "MalformedXML", "", 400},
		{"unknown method", []oss.CORSRule{rule(func(r *oss.CORSRule) { r.AllowedMethods = []string{"GET", "PATCH"} })}, "InvalidArgument", "0034-00000011", 400},
		{"two wildcards in an origin", []oss.CORSRule{rule(func(r *oss.CORSRule) { r.AllowedOrigins = []string{"http://*.*.example.com"} })}, "InvalidArgument", "", 400},
		{"two wildcards in a header", []oss.CORSRule{rule(func(r *oss.CORSRule) { r.AllowedHeaders = []string{"x-*-*"} })}, "InvalidArgument", "", 400},
		{"wildcard in an exposed header", []oss.CORSRule{rule(func(r *oss.CORSRule) { r.ExposeHeaders = []string{"x-oss-*"} })}, "InvalidArgument", "", 400},
		{"negative max age", []oss.CORSRule{rule(func(r *oss.CORSRule) { r.MaxAgeSeconds = oss.Ptr(int64(-1)) })}, "InvalidArgument", "", 400},
		{"eleven rules", slices.Repeat([]oss.CORSRule{rule(nil)}, 11), "InvalidArgument", "", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.root().PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: bucket(), CORSConfiguration: &oss.CORSConfiguration{CORSRules: tc.rules}})
			if se := wantSDKError(t, err, tc.status, tc.code); se.EC != tc.ec {
				t.Errorf("EC %q, want %q", se.EC, tc.ec)
			}
		})
	}
	t.Run("refusals keep the stored rules", func(t *testing.T) {
		got, err := h.root().GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: bucket()})
		if err != nil || len(got.CORSConfiguration.CORSRules) != 1 || got.CORSConfiguration.CORSRules[0].AllowedOrigins[0] != "http://app.example.com" {
			t.Fatalf("GetBucketCors = %+v, %v", got, err)
		}
	})
	t.Run("raw documents", func(t *testing.T) {
		good := []byte(`<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`)
		sum := md5.Sum(good)
		for _, rc := range []struct {
			name   string
			body   []byte
			md5    string
			status int
			code   string
		}{
			{"not XML", []byte("<CORSConfiguration"), "", 400, "MalformedXML"},
			{"wrong root", []byte("<LifecycleConfiguration/>"), "", 400, "MalformedXML"},
			{"empty body", nil, "", 400, "MalformedXML"},
			{"over 16 KB", append(good, bytes.Repeat([]byte(" "), 16<<10)...), "", 400, "MalformedXML"},
			{"wrong Content-MD5", good, base64.StdEncoding.EncodeToString(make([]byte, 16)), 400, "InvalidDigest"},
			{"right Content-MD5", good, base64.StdEncoding.EncodeToString(sum[:]), 200, ""},
		} {
			t.Run(rc.name, func(t *testing.T) {
				hdr := http.Header{}
				if rc.md5 != "" {
					hdr.Set("Content-MD5", rc.md5)
				}
				resp, body := do(t, h.bucketRequest(http.MethodPut, "cors", rc.body, hdr))
				if rc.code == "" {
					if resp.StatusCode != rc.status {
						t.Fatalf("%d %s", resp.StatusCode, body)
					}
					return
				}
				wantError(t, resp, body, rc.status, rc.code)
			})
		}
	})
	t.Run("HEAD on ?cors is 405", func(t *testing.T) {
		resp, body := do(t, h.bucketRequest(http.MethodHead, "cors", nil, nil))
		if resp.StatusCode != 405 {
			t.Errorf("HEAD ?cors: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("authorization", func(t *testing.T) {
		upload := h.client(false, stsAK, stsSK, stsToken)
		_, err := upload.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: bucket()})
		wantSDKError(t, err, 403, "AccessDenied")
		_, err = upload.DeleteBucketCors(ctx, &oss.DeleteBucketCorsRequest{Bucket: bucket()})
		wantSDKError(t, err, 403, "AccessDenied")
		_, err = h.client(false, "LTAIunknown", "x", "").GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: bucket()})
		wantSDKError(t, err, 403, "InvalidAccessKeyId")
		anon, _ := http.NewRequest(http.MethodGet, h.ts.URL+"/"+testBucket+"/?cors", nil)
		resp, body := do(t, anon)
		wantError(t, resp, body, 403, "AccessDenied")

		admin := h.client(false, adminAK, adminSK, adminToken)
		cfg := &oss.CORSConfiguration{CORSRules: []oss.CORSRule{rule(nil)}}
		if _, err := admin.PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: bucket(), CORSConfiguration: cfg}); err != nil {
			t.Fatalf("oss:PutBucketCors allowed: %v", err)
		}
		if _, err := admin.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: bucket()}); err != nil {
			t.Fatalf("oss:GetBucketCors allowed: %v", err)
		}
		_, err = admin.DeleteBucketCors(ctx, &oss.DeleteBucketCorsRequest{Bucket: bucket()})
		wantSDKError(t, err, 403, "AccessDenied")
		_, err = admin.GetBucketLifecycle(ctx, &oss.GetBucketLifecycleRequest{Bucket: bucket()})
		wantSDKError(t, err, 403, "AccessDenied")
		_, err = admin.PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: oss.Ptr("other-bucket"), CORSConfiguration: cfg})
		wantSDKError(t, err, 403, "AccessDenied")
	})
	t.Run("V1 signs the sub-resource", func(t *testing.T) {
		v1 := h.client(true, rootAK, rootSK, "")
		cfg := &oss.CORSConfiguration{CORSRules: []oss.CORSRule{rule(func(r *oss.CORSRule) { r.AllowedMethods = []string{"HEAD"} })}}
		if _, err := v1.PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: bucket(), CORSConfiguration: cfg}); err != nil {
			t.Fatal(err)
		}
		got, err := v1.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: bucket()})
		if err != nil || got.CORSConfiguration.CORSRules[0].AllowedMethods[0] != "HEAD" {
			t.Fatalf("%+v %v", got, err)
		}
		for _, call := range []func() error{
			func() error {
				_, err := v1.PutBucketLifecycle(ctx, &oss.PutBucketLifecycleRequest{Bucket: bucket(), LifecycleConfiguration: &oss.LifecycleConfiguration{Rules: []oss.LifecycleRule{
					{Status: oss.Ptr("Enabled"), Expiration: &oss.LifecycleRuleExpiration{Days: oss.Ptr(int32(1))}}}}})
				return err
			},
			func() error {
				_, err := v1.GetBucketLifecycle(ctx, &oss.GetBucketLifecycleRequest{Bucket: bucket()})
				return err
			},
			func() error {
				_, err := v1.PutBucketOverwriteConfig(ctx, &oss.PutBucketOverwriteConfigRequest{Bucket: bucket(), OverwriteConfiguration: &oss.OverwriteConfiguration{}})
				return err
			},
			func() error {
				_, err := v1.DeleteBucketOverwriteConfig(ctx, &oss.DeleteBucketOverwriteConfigRequest{Bucket: bucket()})
				return err
			},
		} {
			if err := call(); err != nil {
				t.Errorf("V1: %v", err)
			}
		}
	})
}

// TestSDKBucketLifecycle: round trip (rule IDs generated when missing,
// elements the emulator does not interpret kept), NoSuchLifecycle,
// validation.
func TestSDKBucketLifecycle(t *testing.T) {
	t.Parallel()
	h := newConfigHarness(t)
	ctx := context.Background()
	c := h.root()
	get := func() (*oss.LifecycleConfiguration, error) {
		res, err := c.GetBucketLifecycle(ctx, &oss.GetBucketLifecycleRequest{Bucket: bucket()})
		if err != nil {
			return nil, err
		}
		return res.LifecycleConfiguration, nil
	}
	_, err := get()
	if se := wantSDKError(t, err, 404, "NoSuchLifecycle"); se.Message != "No Row found in Lifecycle Table." {
		t.Errorf("message %q", se.Message)
	}

	cfg := &oss.LifecycleConfiguration{Rules: []oss.LifecycleRule{
		{ID: oss.Ptr("tmp"), Prefix: oss.Ptr("tmp/"), Status: oss.Ptr("Enabled"),
			Expiration: &oss.LifecycleRuleExpiration{Days: oss.Ptr(int32(3))}},
		{ID: oss.Ptr("parts"), Prefix: oss.Ptr(""), Status: oss.Ptr("Enabled"),
			AbortMultipartUpload: &oss.LifecycleRuleAbortMultipartUpload{Days: oss.Ptr(int32(1))}},
		{ID: oss.Ptr("old-logs"), Prefix: oss.Ptr("logs/"), Status: oss.Ptr("Disabled"),
			Expiration:  &oss.LifecycleRuleExpiration{CreatedBeforeDate: oss.Ptr("2024-01-01T00:00:00.000Z")},
			Filter:      &oss.LifecycleRuleFilter{Nots: []oss.LifecycleRuleNot{{Prefix: oss.Ptr("logs/keep/")}}, ObjectSizeGreaterThan: oss.Ptr(int64(500))},
			Transitions: []oss.LifecycleRuleTransition{{Days: oss.Ptr(int32(30)), StorageClass: oss.StorageClassIA}},
			Tags:        []oss.Tag{{Key: oss.Ptr("k"), Value: oss.Ptr("v")}}},
		{ID: oss.Ptr("old-parts"), Prefix: oss.Ptr("logs/"), Status: oss.Ptr("Enabled"),
			AbortMultipartUpload: &oss.LifecycleRuleAbortMultipartUpload{CreatedBeforeDate: oss.Ptr("2024-01-01T00:00:00.000Z")}},
	}}
	// "parts" and "old-parts" overlap with the same action.
	_, err = c.PutBucketLifecycle(ctx, &oss.PutBucketLifecycleRequest{Bucket: bucket(), LifecycleConfiguration: cfg})
	wantSDKError(t, err, 400, "InvalidArgument")
	if _, err := c.PutBucketLifecycle(ctx, &oss.PutBucketLifecycleRequest{Bucket: bucket(), LifecycleConfiguration: cfg,
		AllowSameActionOverlap: oss.Ptr("true")}); err != nil {
		t.Fatalf("PutBucketLifecycle: %v", err)
	}
	got, err := get()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, cfg) {
		t.Fatalf("GetBucketLifecycle =\n%+v\nwant\n%+v", got, cfg)
	}

	t.Run("a rule without ID gets one", func(t *testing.T) {
		noID := &oss.LifecycleConfiguration{Rules: []oss.LifecycleRule{{Prefix: oss.Ptr("x/"), Status: oss.Ptr("Enabled"),
			Expiration: &oss.LifecycleRuleExpiration{Days: oss.Ptr(int32(7))}}}}
		if _, err := c.PutBucketLifecycle(ctx, &oss.PutBucketLifecycleRequest{Bucket: bucket(), LifecycleConfiguration: noID}); err != nil {
			t.Fatal(err)
		}
		got, err := get()
		if err != nil || len(got.Rules) != 1 || len(oss.ToString(got.Rules[0].ID)) != 36 {
			t.Fatalf("%+v %v", got, err)
		}
	})

	rule := func(id, prefix string, mod func(*oss.LifecycleRule)) oss.LifecycleRule {
		r := oss.LifecycleRule{ID: oss.Ptr(id), Prefix: oss.Ptr(prefix), Status: oss.Ptr("Enabled"),
			Expiration: &oss.LifecycleRuleExpiration{Days: oss.Ptr(int32(1))}}
		if mod != nil {
			mod(&r)
		}
		return r
	}
	tests := []struct {
		name    string
		rules   []oss.LifecycleRule
		overlap string
		code    string
	}{
		{"no rules", nil, "", "MalformedXML"},
		{"no action", []oss.LifecycleRule{rule("a", "a/", func(r *oss.LifecycleRule) { r.Expiration = nil })}, "", "MalformedXML"},
		{"status in lower case", []oss.LifecycleRule{rule("a", "a/", func(r *oss.LifecycleRule) { r.Status = oss.Ptr("enabled") })}, "", "MalformedXML"},
		{"no status", []oss.LifecycleRule{rule("a", "a/", func(r *oss.LifecycleRule) { r.Status = nil })}, "", "MalformedXML"},
		{"repeated ID", []oss.LifecycleRule{rule("a", "a/", nil), rule("a", "b/", nil)}, "", "MalformedXML"},
		{"ID over 255 characters", []oss.LifecycleRule{rule(strings.Repeat("i", 256), "a/", nil)}, "", "MalformedXML"},
		{"days and date", []oss.LifecycleRule{rule("a", "a/", func(r *oss.LifecycleRule) {
			r.Expiration.CreatedBeforeDate = oss.Ptr("2024-01-01T00:00:00.000Z")
		})}, "", "MalformedXML"},
		{"empty expiration", []oss.LifecycleRule{rule("a", "a/", func(r *oss.LifecycleRule) { r.Expiration = &oss.LifecycleRuleExpiration{} })}, "", "MalformedXML"},
		{"zero days", []oss.LifecycleRule{rule("a", "a/", func(r *oss.LifecycleRule) { r.Expiration.Days = oss.Ptr(int32(0)) })}, "", "MalformedXML"},
		{"date not at midnight", []oss.LifecycleRule{rule("a", "a/", func(r *oss.LifecycleRule) {
			r.Expiration = &oss.LifecycleRuleExpiration{CreatedBeforeDate: oss.Ptr("2024-01-01T12:00:00.000Z")}
		})}, "", "MalformedXML"},
		{"abort with delete marker", []oss.LifecycleRule{rule("a", "a/", func(r *oss.LifecycleRule) {
			r.AbortMultipartUpload = &oss.LifecycleRuleAbortMultipartUpload{Days: oss.Ptr(int32(1))}
			r.Expiration = nil
		}), rule("b", "b/", func(r *oss.LifecycleRule) {
			r.Expiration = &oss.LifecycleRuleExpiration{Days: oss.Ptr(int32(1)), ExpiredObjectDeleteMarker: oss.Ptr(true)}
		})}, "", "MalformedXML"},
		{"overlapping prefixes, same action", []oss.LifecycleRule{rule("a", "a/", nil), rule("b", "a/b/", nil)}, "", "InvalidArgument"},
		{"overlapping prefixes allowed by header", []oss.LifecycleRule{rule("a", "a/", nil), rule("b", "a/b/", nil)}, "true", ""},
		{"overlapping prefixes, different actions", []oss.LifecycleRule{rule("a", "a/", nil), rule("b", "", func(r *oss.LifecycleRule) {
			r.Expiration, r.AbortMultipartUpload = nil, &oss.LifecycleRuleAbortMultipartUpload{Days: oss.Ptr(int32(2))}
		})}, "", ""},
		{"transition only", []oss.LifecycleRule{rule("a", "a/", func(r *oss.LifecycleRule) {
			r.Expiration, r.Transitions = nil, []oss.LifecycleRuleTransition{{Days: oss.Ptr(int32(30)), StorageClass: oss.StorageClassArchive}}
		})}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := &oss.PutBucketLifecycleRequest{Bucket: bucket(), LifecycleConfiguration: &oss.LifecycleConfiguration{Rules: tc.rules}}
			if tc.overlap != "" {
				req.AllowSameActionOverlap = oss.Ptr(tc.overlap)
			}
			_, err := c.PutBucketLifecycle(ctx, req)
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantSDKError(t, err, 400, tc.code)
		})
	}

	for range 2 {
		res, err := c.DeleteBucketLifecycle(ctx, &oss.DeleteBucketLifecycleRequest{Bucket: bucket()})
		if err != nil || res.StatusCode != 204 {
			t.Fatalf("DeleteBucketLifecycle: %v", err)
		}
	}
	_, err = get()
	wantSDKError(t, err, 404, "NoSuchLifecycle")
	_, err = h.client(false, stsAK, stsSK, stsToken).PutBucketLifecycle(ctx, &oss.PutBucketLifecycleRequest{Bucket: bucket(), LifecycleConfiguration: cfg})
	wantSDKError(t, err, 403, "AccessDenied")
}

// TestSDKBucketOverwriteConfig: round trip, NoSuch*, validation.
func TestSDKBucketOverwriteConfig(t *testing.T) {
	t.Parallel()
	h := newConfigHarness(t)
	ctx := context.Background()
	c := h.root()
	get := func() (*oss.OverwriteConfiguration, error) {
		res, err := c.GetBucketOverwriteConfig(ctx, &oss.GetBucketOverwriteConfigRequest{Bucket: bucket()})
		if err != nil {
			return nil, err
		}
		return res.OverwriteConfiguration, nil
	}
	_, err := get()
	wantSDKError(t, err, 404, "NoSuchOverwriteConfiguration")

	cfg := &oss.OverwriteConfiguration{Rules: []oss.OverwriteRule{
		{ID: oss.Ptr("txt"), Action: oss.Ptr("forbid"), Prefix: oss.Ptr("a/"), Suffix: oss.Ptr(".txt"),
			Principals: &oss.OverwritePrincipals{Principals: []string{rootID, stsRoleID + ":*"}}},
		{ID: oss.Ptr("all"), Action: oss.Ptr("forbid"), Suffix: oss.Ptr(".lock")},
	}}
	if _, err := c.PutBucketOverwriteConfig(ctx, &oss.PutBucketOverwriteConfigRequest{Bucket: bucket(), OverwriteConfiguration: cfg}); err != nil {
		t.Fatal(err)
	}
	got, err := get()
	if err != nil || !reflect.DeepEqual(got, cfg) {
		t.Fatalf("GetBucketOverwriteConfig = %+v, %v; want %+v", got, err, cfg)
	}

	rule := func(id string) oss.OverwriteRule {
		return oss.OverwriteRule{ID: oss.Ptr(id), Action: oss.Ptr("forbid"), Prefix: oss.Ptr("p/")}
	}
	tests := []struct {
		name  string
		rules []oss.OverwriteRule
		code  string
	}{
		{"action other than forbid", []oss.OverwriteRule{{ID: oss.Ptr("a"), Action: oss.Ptr("allow")}}, "MalformedXML"},
		{"no action", []oss.OverwriteRule{{ID: oss.Ptr("a")}}, "MalformedXML"},
		{"repeated ID", []oss.OverwriteRule{rule("a"), rule("a")}, "MalformedXML"},
		{"101 rules", slices.Repeat([]oss.OverwriteRule{{Action: oss.Ptr("forbid")}}, 101), "MalformedXML"},
		{"prefix over 1023 characters", []oss.OverwriteRule{{Action: oss.Ptr("forbid"), Prefix: oss.Ptr(strings.Repeat("p", 1024))}}, "MalformedXML"},
		{"empty principal", []oss.OverwriteRule{{Action: oss.Ptr("forbid"), Principals: &oss.OverwritePrincipals{Principals: []string{""}}}}, "MalformedXML"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.PutBucketOverwriteConfig(ctx, &oss.PutBucketOverwriteConfigRequest{Bucket: bucket(),
				OverwriteConfiguration: &oss.OverwriteConfiguration{Rules: tc.rules}})
			wantSDKError(t, err, 400, tc.code)
		})
	}
	if got, err := get(); err != nil || !reflect.DeepEqual(got, cfg) {
		t.Fatalf("after refusals: %+v, %v", got, err)
	}

	t.Run("IDs are generated; no rules is a configuration", func(t *testing.T) {
		two := &oss.OverwriteConfiguration{Rules: []oss.OverwriteRule{{Action: oss.Ptr("forbid")}, {Action: oss.Ptr("forbid")}}}
		if _, err := c.PutBucketOverwriteConfig(ctx, &oss.PutBucketOverwriteConfigRequest{Bucket: bucket(), OverwriteConfiguration: two}); err != nil {
			t.Fatal(err)
		}
		got, err := get()
		if err != nil || len(got.Rules) != 2 || len(oss.ToString(got.Rules[0].ID)) != 36 || oss.ToString(got.Rules[0].ID) == oss.ToString(got.Rules[1].ID) {
			t.Fatalf("%+v %v", got, err)
		}
		if _, err := c.PutBucketOverwriteConfig(ctx, &oss.PutBucketOverwriteConfigRequest{Bucket: bucket(), OverwriteConfiguration: &oss.OverwriteConfiguration{}}); err != nil {
			t.Fatal(err)
		}
		if got, err := get(); err != nil || len(got.Rules) != 0 {
			t.Fatalf("%+v %v", got, err)
		}
	})
	for range 2 {
		res, err := c.DeleteBucketOverwriteConfig(ctx, &oss.DeleteBucketOverwriteConfigRequest{Bucket: bucket()})
		if err != nil || res.StatusCode != 204 {
			t.Fatalf("DeleteBucketOverwriteConfig: %v", err)
		}
	}
	_, err = get()
	wantSDKError(t, err, 404, "NoSuchOverwriteConfiguration")
	_, err = h.client(false, stsAK, stsSK, stsToken).GetBucketOverwriteConfig(ctx, &oss.GetBucketOverwriteConfigRequest{Bucket: bucket()})
	wantSDKError(t, err, 403, "AccessDenied")
}

// TestOverwriteConfigEnforced: a matching rule refuses the second
// PutObject, PostObject, CompleteMultipartUpload and CopyObject of a key
// with 409 FileAlreadyExists, for the principals it names; others may
// overwrite; deleting the configuration lifts it.
func TestOverwriteConfigEnforced(t *testing.T) {
	t.Parallel()
	h := newConfigHarness(t)
	ctx := context.Background()
	root := h.root()
	sts := h.client(false, stsAK, stsSK, stsToken)
	cfg := &oss.OverwriteConfiguration{Rules: []oss.OverwriteRule{
		{ID: oss.Ptr("locked"), Action: oss.Ptr("forbid"), Prefix: oss.Ptr("locked/"), Suffix: oss.Ptr(".txt")},
		{ID: oss.Ptr("alice-sessions"), Action: oss.Ptr("forbid"), Prefix: oss.Ptr(stsPrefix + "keep/"),
			Principals: &oss.OverwritePrincipals{Principals: []string{stsRoleID + ":*"}}},
	}}
	if _, err := root.PutBucketOverwriteConfig(ctx, &oss.PutBucketOverwriteConfigRequest{Bucket: bucket(), OverwriteConfiguration: cfg}); err != nil {
		t.Fatal(err)
	}
	put := func(c *oss.Client, key, data string) error {
		_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket(), Key: oss.Ptr(key), Body: strings.NewReader(data)})
		return err
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	t.Run("PutObject", func(t *testing.T) {
		must(put(root, "locked/a.txt", "one"))
		wantSDKError(t, put(root, "locked/a.txt", "two"), 409, "FileAlreadyExists")
		if got := h.object("locked/a.txt"); string(got) != "one" {
			t.Errorf("object = %q", got)
		}
		for _, key := range []string{"locked/a.png", "open/a.txt"} { // suffix or prefix differs
			must(put(root, key, "one"))
			must(put(root, key, "two"))
		}
	})
	t.Run("PostObject", func(t *testing.T) {
		post := func(key string) (*http.Response, []byte) {
			fields := handForm(t, true, rootCreds, time.Now(), func(b *policy.Builder) { b.StartsWith("key", "") }, map[string]string{"key": key})
			return do(t, h.postRequest(sortedFields(fields), fileField([]byte("posted"), "text/plain"), nil))
		}
		if resp, body := post("locked/post.txt"); resp.StatusCode != 204 {
			t.Fatalf("first post: %d %s", resp.StatusCode, body)
		}
		resp, body := post("locked/post.txt")
		wantError(t, resp, body, 409, "FileAlreadyExists")
	})
	t.Run("CompleteMultipartUpload", func(t *testing.T) {
		key := "locked/a.txt"
		init, err := root.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: bucket(), Key: oss.Ptr(key)})
		must(err)
		part, err := root.UploadPart(ctx, &oss.UploadPartRequest{Bucket: bucket(), Key: oss.Ptr(key), UploadId: init.UploadId, PartNumber: 1, Body: strings.NewReader("parts")})
		must(err)
		_, err = root.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: bucket(), Key: oss.Ptr(key), UploadId: init.UploadId,
			CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: []oss.UploadPart{{PartNumber: 1, ETag: part.ETag}}}})
		wantSDKError(t, err, 409, "FileAlreadyExists")
		if got := h.object(key); string(got) != "one" {
			t.Errorf("object = %q", got)
		}
	})
	t.Run("CopyObject", func(t *testing.T) {
		_, err := root.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: bucket(), Key: oss.Ptr("locked/a.txt"), SourceKey: oss.Ptr("open/a.txt")})
		wantSDKError(t, err, 409, "FileAlreadyExists")
		_, err = root.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: bucket(), Key: oss.Ptr("locked/copy.txt"), SourceKey: oss.Ptr("open/a.txt")})
		must(err) // a new key is not an overwrite
	})
	t.Run("principals", func(t *testing.T) {
		key := stsPrefix + "keep/photo.png"
		must(put(sts, key, "one"))
		wantSDKError(t, put(sts, key, "two"), 409, "FileAlreadyExists")
		must(put(root, key, "root may")) // the root account is not a listed principal
		wantSDKError(t, put(sts, key, "three"), 409, "FileAlreadyExists")
		if got := h.object(key); string(got) != "root may" {
			t.Errorf("object = %q", got)
		}
		must(put(sts, stsPrefix+"elsewhere.png", "one"))
		must(put(sts, stsPrefix+"elsewhere.png", "two"))
	})
	t.Run("deleting the configuration lifts it", func(t *testing.T) {
		_, err := root.DeleteBucketOverwriteConfig(ctx, &oss.DeleteBucketOverwriteConfigRequest{Bucket: bucket()})
		must(err)
		must(put(root, "locked/a.txt", "two"))
		must(put(sts, stsPrefix+"keep/photo.png", "two"))
	})
}

// TestOverwriteRuleMatching covers the rule filters without HTTP.
func TestOverwriteRuleMatching(t *testing.T) {
	t.Parallel()
	root, sts, anon := &Principal{ID: rootID}, &Principal{ID: stsID}, &Principal{}
	tests := []struct {
		name       string
		rule       overwriteRule
		key        string
		p          *Principal
		wantForbid bool
	}{
		{"no filters forbids everything", overwriteRule{}, "x", anon, true},
		{"prefix and suffix", overwriteRule{Prefix: oss.Ptr("a/"), Suffix: oss.Ptr(".txt")}, "a/b.txt", root, true},
		{"suffix differs", overwriteRule{Prefix: oss.Ptr("a/"), Suffix: oss.Ptr(".txt")}, "a/b.png", root, false},
		{"star in a prefix is literal", overwriteRule{Prefix: oss.Ptr("a*")}, "ab", root, false},
		{"principal listed", overwriteRule{Principals: &overwritePrincipals{[]string{rootID}}}, "x", root, true},
		{"principal not listed", overwriteRule{Principals: &overwritePrincipals{[]string{rootID}}}, "x", sts, false},
		{"session wildcard", overwriteRule{Principals: &overwritePrincipals{[]string{stsRoleID + ":*"}}}, "x", sts, true},
		{"principal star matches everyone", overwriteRule{Principals: &overwritePrincipals{[]string{"*"}}}, "x", anon, true},
		{"a principal without id matches only star", overwriteRule{Principals: &overwritePrincipals{[]string{"*:*"}}}, "x", anon, false},
		{"empty principals list is everyone", overwriteRule{Principals: &overwritePrincipals{}}, "x", sts, true},
	}
	for _, tc := range tests {
		if got := tc.rule.forbids(tc.key, tc.p); got != tc.wantForbid {
			t.Errorf("%s: forbids = %v", tc.name, got)
		}
	}
	for _, m := range []struct {
		pattern, s string
		want       bool
	}{{"a*c", "abc", true}, {"a*c", "ac", true}, {"a*c", "ab", false}, {"*", "", true}, {"a*b*c", "aXbYc", true}, {"a*b*c", "acb", false}, {"ab", "ab", true}} {
		if got := wildcardMatch(m.pattern, m.s); got != m.want {
			t.Errorf("wildcardMatch(%q, %q) = %v", m.pattern, m.s, got)
		}
	}
}
