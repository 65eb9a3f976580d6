package stsemu_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	sts "github.com/alibabacloud-go/sts-20150401/v2/client"
	"github.com/alibabacloud-go/tea/tea"

	"ossdirect/internal/localcloud/stsemu"
)

// TestRPCSignatureKnownAnswers pins StringToSignRPC and SignRPC to vectors
// computed outside this package.
func TestRPCSignatureKnownAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		method           string
		params           url.Values
		secret           string
		wantStringToSign string
		wantSignature    string
	}{
		{
			// The worked example of the Alibaba Cloud RPC signature
			// documentation ("Request signatures", ECS DescribeRegions,
			// https://www.alibabacloud.com/help/doc-detail/28139.htm family;
			// AccessKeySecret "testsecret"). Re-checked with Python's
			// hmac/hashlib/urllib.parse.quote(safe='-_.~').
			name:   "published ECS DescribeRegions example",
			method: "GET",
			params: url.Values{
				"AccessKeyId": {"testid"}, "Action": {"DescribeRegions"}, "Format": {"XML"},
				"SignatureMethod": {"HMAC-SHA1"}, "SignatureNonce": {"3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
				"SignatureVersion": {"1.0"}, "Timestamp": {"2016-02-23T12:46:24Z"}, "Version": {"2014-05-26"},
			},
			secret:           "testsecret",
			wantStringToSign: "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
			wantSignature:    "OLeaidS1JvxuMvnyHOwuJ+uX5qY=",
		},
		{
			// Hand-computed AssumeRole vector (Python 3: sort names,
			// quote(k, safe='-_.~') + "=" + quote(v, safe='-_.~') joined
			// by "&", then "POST&%2F&" + quote(that, safe='-_.~'),
			// base64(HMAC-SHA1(b"testsecret&", ...))). It exercises a
			// non-ASCII byte (ü -> %C3%BC), space (%20, never "+"), "+"
			// (%2B), "*" (%2A) and "~" (kept). The Signature parameter is
			// present and must be ignored. The string to sign is:
			//
			//	POST&%2F&AccessKeyId%3Dtestid%26Action%3DAssumeRole%26DurationSeconds%3D3600%26Format%3Djson
			//	%26Policy%3D%257B%2522Version%2522%253A%25221%2522%252C ... %2522acs%253Aoss%253A%252A%253A%252A
			//	%253Abucket%252F%25C3%25BC%2520dir%252Bx~%252F%252A%2522%255D%257D%255D%257D
			//	%26RoleArn%3Dacs%253Aram%253A%253A1234567890123456%253Arole%252Foss-uploader%26RoleSessionName%3Ds~1
			//	%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D0123456789abcdef0123456789abcdef
			//	%26SignatureVersion%3D1.0%26Timestamp%3D2024-03-05T12%253A00%253A00Z%26Version%3D2015-04-01
			//
			// (shown wrapped; it is one line).
			name:   "hand-computed AssumeRole with policy",
			method: "POST",
			params: url.Values{
				"AccessKeyId": {"testid"}, "Action": {"AssumeRole"}, "DurationSeconds": {"3600"}, "Format": {"json"},
				"Policy":          {`{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject"],"Resource":["acs:oss:*:*:bucket/ü dir+x~/*"]}]}`},
				"RoleArn":         {"acs:ram::1234567890123456:role/oss-uploader"},
				"RoleSessionName": {"s~1"}, "SignatureMethod": {"HMAC-SHA1"},
				"SignatureNonce": {"0123456789abcdef0123456789abcdef"}, "SignatureVersion": {"1.0"},
				"Timestamp": {"2024-03-05T12:00:00Z"}, "Version": {"2015-04-01"},
				"Signature": {"ignored"},
			},
			secret:           "testsecret",
			wantStringToSign: "POST&%2F&AccessKeyId%3Dtestid%26Action%3DAssumeRole%26DurationSeconds%3D3600%26Format%3Djson%26Policy%3D%257B%2522Version%2522%253A%25221%2522%252C%2522Statement%2522%253A%255B%257B%2522Effect%2522%253A%2522Allow%2522%252C%2522Action%2522%253A%255B%2522oss%253APutObject%2522%255D%252C%2522Resource%2522%253A%255B%2522acs%253Aoss%253A%252A%253A%252A%253Abucket%252F%25C3%25BC%2520dir%252Bx~%252F%252A%2522%255D%257D%255D%257D%26RoleArn%3Dacs%253Aram%253A%253A1234567890123456%253Arole%252Foss-uploader%26RoleSessionName%3Ds~1%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D0123456789abcdef0123456789abcdef%26SignatureVersion%3D1.0%26Timestamp%3D2024-03-05T12%253A00%253A00Z%26Version%3D2015-04-01",
			wantSignature:    "Nw8C2475fahHONunoKeCfJYRDoM=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := stsemu.StringToSignRPC(tt.method, tt.params); got != tt.wantStringToSign {
				t.Errorf("StringToSignRPC:\n got %s\nwant %s", got, tt.wantStringToSign)
			}
			if got := stsemu.SignRPC(tt.method, tt.params, tt.secret); got != tt.wantSignature {
				t.Errorf("SignRPC = %s, want %s", got, tt.wantSignature)
			}
		})
	}
}

// captured is one request as the SDK sent it.
type captured struct {
	method, path string
	query        url.Values
	body         []byte
	header       http.Header
}

// TestRPCSignatureMatchesSDK captures what the official STS SDK sends for
// fixed inputs (it adds its own Timestamp and SignatureNonce) and checks
// that SignRPC, recomputed over the captured parameters, equals the
// Signature the SDK computed, and that darabonba's own signer agrees.
func TestRPCSignatureMatchesSDK(t *testing.T) {
	t.Parallel()
	const secret = "sdk-capture-secret"
	tests := []struct {
		name string
		req  sts.AssumeRoleRequest
	}{
		{name: "minimal", req: sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1")}},
		{name: "all fields with awkward characters", req: sts.AssumeRoleRequest{
			RoleArn:         tea.String(testRole),
			RoleSessionName: tea.String("a.b@c-d_e"),
			DurationSeconds: tea.Int64(1800),
			Policy:          tea.String(`{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:*", "Resource": "acs:oss:*:*:b/ü dir+x~'!()/*"}]}`),
			ExternalId:      tea.String("ext:id/with=chars"),
			SourceIdentity:  tea.String("alice@example.com"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var (
				mu  sync.Mutex
				got *captured
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				got = &captured{method: r.Method, path: r.URL.Path, query: r.URL.Query(), body: body, header: r.Header.Clone()}
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"RequestId":"R","AssumedRoleUser":{"Arn":"a","AssumedRoleId":"i"},"Credentials":{"AccessKeyId":"STS.x","AccessKeySecret":"s","SecurityToken":"t","Expiration":"2030-01-01T00:00:00Z"}}`)
			}))
			t.Cleanup(srv.Close)
			if _, err := assumeRole(newSDKClient(t, srv, sdkCreds{id: "capture-id", secret: secret}), &tt.req); err != nil {
				t.Fatalf("AssumeRole: %v", err)
			}
			mu.Lock()
			c := got
			mu.Unlock()
			if c == nil {
				t.Fatal("no request captured")
			}

			// The wire format reference/fc3.md §5.2 describes.
			if c.method != "POST" || c.path != "/" || len(c.body) != 0 {
				t.Errorf("request = %s %s with %d body bytes, want POST / with an empty body", c.method, c.path, len(c.body))
			}
			if a := c.header.Get("x-acs-action"); a != "AssumeRole" {
				t.Errorf("x-acs-action = %q", a)
			}
			for name, want := range map[string]string{
				"Action": "AssumeRole", "Version": "2015-04-01", "Format": "json", "AccessKeyId": "capture-id",
				"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
				"RoleArn": tea.StringValue(tt.req.RoleArn), "RoleSessionName": tea.StringValue(tt.req.RoleSessionName),
			} {
				if v := c.query.Get(name); v != want {
					t.Errorf("query %s = %q, want %q", name, v, want)
				}
			}
			for _, name := range []string{"Timestamp", "SignatureNonce", "Signature"} {
				if c.query.Get(name) == "" {
					t.Errorf("query lacks %s", name)
				}
			}
			if tt.req.Policy != nil && c.query.Get("Policy") != *tt.req.Policy {
				t.Errorf("Policy arrived as %q", c.query.Get("Policy"))
			}

			sent := c.query.Get("Signature")
			if mine := stsemu.SignRPC(c.method, c.query, secret); mine != sent {
				t.Errorf("SignRPC = %s, SDK sent %s\nstring to sign: %s", mine, sent, stsemu.StringToSignRPC(c.method, c.query))
			}
			// darabonba's signer on the same parameters (Signature excluded,
			// as the SDK signs before adding it).
			m := make(map[string]*string)
			for k, v := range c.query {
				if k != "Signature" {
					m[k] = tea.String(v[0])
				}
			}
			if theirs := tea.StringValue(openapiutil.GetRPCSignature(m, tea.String(c.method), tea.String(secret))); theirs != sent {
				t.Errorf("darabonba GetRPCSignature = %s, SDK sent %s", theirs, sent)
			}
		})
	}
}

// TestStringToSignRPCEncoding checks percent-encoding details on single
// parameters against literal expectations.
func TestStringToSignRPCEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value, wantCanonValue string
	}{
		{name: "unreserved kept", value: "AZaz09-_.~", wantCanonValue: "AZaz09-_.~"},
		{name: "space is %20", value: "a b", wantCanonValue: "a%20b"},
		{name: "star is %2A", value: "*", wantCanonValue: "%2A"},
		{name: "plus is %2B", value: "+", wantCanonValue: "%2B"},
		{name: "slash and colon", value: "/:", wantCanonValue: "%2F%3A"},
		{name: "UTF-8 bytes upper-case hex", value: "é", wantCanonValue: "%C3%A9"},
		{name: "empty value", value: "", wantCanonValue: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := stsemu.StringToSignRPC("GET", url.Values{"K": {tt.value}})
			// The canonical "K=<enc>" is itself percent-encoded once more.
			want := "GET&%2F&K%3D" + strings.ReplaceAll(tt.wantCanonValue, "%", "%25")
			if got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
	// Sorting is by name, byte order: upper case before lower case.
	got := stsemu.StringToSignRPC("GET", url.Values{"b": {"1"}, "B": {"2"}, "a": {"3"}})
	if want := "GET&%2F&B%3D2%26a%3D3%26b%3D1"; got != want {
		t.Errorf("sort: got %s, want %s", got, want)
	}
}
