package upload_test

import (
	"encoding/base64"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"ossdirect/internal/testsupport/golden"
	"ossdirect/shared/policy"
	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
)

var (
	staticCreds = signing.Credentials{AccessKeyID: "LTAI5tExampleKey", AccessKeySecret: "exampleSecret"}
	stsCreds    = signing.Credentials{AccessKeyID: "STS.NExampleKey", AccessKeySecret: "exampleSecret", SecurityToken: "CAIS+token/=="}
)

const region = "cn-hangzhou"

func grantFor(t testing.TB, profile string, req upload.Request) *upload.Grant {
	t.Helper()
	p := profiles(t)[profile]
	g, err := p.Grant(req, fixedNow, upload.GrantOptions{Bucket: "examplebucket", Rand: uuidBytes()})
	if err != nil {
		t.Fatalf("Grant: %v", err)
	}
	return g
}

// signedPolicy is the policy pf's form sends.
func signedPolicy(t testing.TB, pf *upload.PostForm) *policy.Policy {
	t.Helper()
	p, err := policy.ParseBase64(pf.Fields["policy"])
	if err != nil {
		t.Fatalf("policy field: %v", err)
	}
	return p
}

func conditionStrings(p *policy.Policy) []string {
	var out []string
	for _, c := range p.Conditions {
		out = append(out, c.String())
	}
	return out
}

func TestPostForm(t *testing.T) {
	t.Parallel()
	const cb = "eyJjYWxsYmFja1VybCI6Imh0dHA6Ly9leGFtcGxlLmNvbS9jYiJ9"
	uuidKey := "images/u1/2024/03/05/" + fixedUUID + ".png"
	cred := func(ak string) string { return ak + "/20240305/cn-hangzhou/oss/aliyun_v4_request" }
	tests := []struct {
		name       string
		profile    string
		req        upload.Request
		callback   string
		creds      signing.Credentials
		version    string
		wantFields map[string]string // "" values are checked for presence only
		wantConds  []string
	}{
		{
			name: "V4 static, uuid naming, pinned type, callback", profile: "images",
			req: upload.Request{Subject: "u1", Filename: "cat.png", Size: 100}, callback: cb,
			creds: staticCreds, version: "v4",
			wantFields: map[string]string{
				"key": uuidKey, "policy": "", "x-oss-signature-version": "OSS4-HMAC-SHA256",
				"x-oss-credential": cred(staticCreds.AccessKeyID), "x-oss-date": "20240305T233000Z", "x-oss-signature": "",
				"success_action_status": "200", "Content-Type": "image/png", "x-oss-content-type": "image/png",
				"x-oss-forbid-overwrite": "true", "callback": cb,
			},
			wantConds: []string{
				`["eq", "$bucket", "examplebucket"]`,
				`["eq", "$x-oss-signature-version", "OSS4-HMAC-SHA256"]`,
				`["eq", "$x-oss-credential", "` + cred(staticCreds.AccessKeyID) + `"]`,
				`["eq", "$x-oss-date", "20240305T233000Z"]`,
				`["content-length-range", 100, 100]`,
				`["eq", "$key", "` + uuidKey + `"]`,
				`["eq", "$content-type", "image/png"]`,
				`["eq", "$x-oss-content-type", "image/png"]`,
				`["eq", "$x-oss-forbid-overwrite", "true"]`,
				`["eq", "$success_action_status", "200"]`,
				`["eq", "$callback", "` + cb + `"]`,
			},
		},
		{
			name: "V4 temporary credentials", profile: "images",
			req: upload.Request{Subject: "u1", Filename: "cat.png"}, callback: cb,
			creds: stsCreds, version: "",
			wantFields: map[string]string{
				"key": uuidKey, "policy": "", "x-oss-signature-version": "OSS4-HMAC-SHA256",
				"x-oss-credential": cred(stsCreds.AccessKeyID), "x-oss-date": "20240305T233000Z", "x-oss-signature": "",
				"x-oss-security-token":  stsCreds.SecurityToken,
				"success_action_status": "200", "Content-Type": "image/png", "x-oss-content-type": "image/png",
				"x-oss-forbid-overwrite": "true", "callback": cb,
			},
			wantConds: []string{
				`["eq", "$bucket", "examplebucket"]`,
				`["eq", "$x-oss-signature-version", "OSS4-HMAC-SHA256"]`,
				`["eq", "$x-oss-credential", "` + cred(stsCreds.AccessKeyID) + `"]`,
				`["eq", "$x-oss-date", "20240305T233000Z"]`,
				`["eq", "$x-oss-security-token", "` + stsCreds.SecurityToken + `"]`,
				`["content-length-range", 1, 1000]`,
				`["eq", "$key", "` + uuidKey + `"]`,
				`["eq", "$content-type", "image/png"]`,
				`["eq", "$x-oss-content-type", "image/png"]`,
				`["eq", "$x-oss-forbid-overwrite", "true"]`,
				`["eq", "$success_action_status", "200"]`,
				`["eq", "$callback", "` + cb + `"]`,
			},
		},
		{
			name: "V1 static, client naming, in list, overwrite allowed", profile: "docs",
			req: upload.Request{Subject: "u1"}, creds: staticCreds, version: "",
			wantFields: map[string]string{
				"policy": "", "OSSAccessKeyId": staticCreds.AccessKeyID, "Signature": "",
				"success_action_status": "200",
			},
			wantConds: []string{
				`["eq", "$bucket", "examplebucket"]`,
				`["content-length-range", 1, 1000]`,
				`["starts-with", "$key", "docs/u1/"]`,
				`["in", "$content-type", ["application/pdf", "text/plain"]]`,
				`["eq", "$success_action_status", "200"]`,
			},
		},
		{
			name: "V1 temporary credentials, client naming with filename", profile: "docs",
			req: upload.Request{Subject: "u1", Filename: "a.pdf"}, creds: stsCreds, version: "V1",
			wantFields: map[string]string{
				"key": "docs/u1/a.pdf", "policy": "", "OSSAccessKeyId": stsCreds.AccessKeyID, "Signature": "",
				"x-oss-security-token": stsCreds.SecurityToken, "success_action_status": "200",
				"Content-Type": "application/pdf", "x-oss-content-type": "application/pdf",
			},
			wantConds: []string{
				`["eq", "$bucket", "examplebucket"]`,
				`["content-length-range", 1, 1000]`,
				`["starts-with", "$key", "docs/u1/"]`,
				`["eq", "$content-type", "application/pdf"]`,
				`["eq", "$x-oss-content-type", "application/pdf"]`,
				`["eq", "$success_action_status", "200"]`,
			},
		},
		{
			name: "V4, any type allowed", profile: "anydocs",
			req: upload.Request{Subject: "u1"}, creds: staticCreds, version: "v4",
			wantFields: map[string]string{
				"policy": "", "x-oss-signature-version": "OSS4-HMAC-SHA256",
				"x-oss-credential": cred(staticCreds.AccessKeyID), "x-oss-date": "20240305T233000Z", "x-oss-signature": "",
				"success_action_status": "200", "x-oss-forbid-overwrite": "true",
			},
			wantConds: []string{
				`["eq", "$bucket", "examplebucket"]`,
				`["eq", "$x-oss-signature-version", "OSS4-HMAC-SHA256"]`,
				`["eq", "$x-oss-credential", "` + cred(staticCreds.AccessKeyID) + `"]`,
				`["eq", "$x-oss-date", "20240305T233000Z"]`,
				`["content-length-range", 1, 1000]`,
				`["starts-with", "$key", "any/u1/"]`,
				`["eq", "$x-oss-forbid-overwrite", "true"]`,
				`["eq", "$success_action_status", "200"]`,
			},
		},
		{
			name: "V1, wildcard content type", profile: "gallery",
			req: upload.Request{Subject: "u1"}, creds: staticCreds, version: "v1",
			wantFields: map[string]string{
				"policy": "", "OSSAccessKeyId": staticCreds.AccessKeyID, "Signature": "",
				"success_action_status": "200", "x-oss-forbid-overwrite": "true",
			},
			wantConds: []string{
				`["eq", "$bucket", "examplebucket"]`,
				`["content-length-range", 1, 1000]`,
				`["starts-with", "$key", "gallery/u1/"]`,
				`["starts-with", "$content-type", "image/"]`,
				`["eq", "$x-oss-forbid-overwrite", "true"]`,
				`["eq", "$success_action_status", "200"]`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := grantFor(t, tt.profile, tt.req)
			g.CallbackParam = tt.callback
			pf, err := g.PostForm(tt.creds, tt.version, region, fixedNow)
			if err != nil {
				t.Fatalf("PostForm: %v", err)
			}
			if got, want := slices.Sorted(maps.Keys(pf.Fields)), slices.Sorted(maps.Keys(tt.wantFields)); !slices.Equal(got, want) {
				t.Errorf("fields = %q\n want %q", got, want)
			}
			for k, want := range tt.wantFields {
				if want != "" && pf.Fields[k] != want {
					t.Errorf("field %s = %q, want %q", k, pf.Fields[k], want)
				}
			}
			pol := signedPolicy(t, pf)
			if got := conditionStrings(pol); !slices.Equal(got, tt.wantConds) {
				t.Errorf("conditions:\n got %q\nwant %q", got, tt.wantConds)
			}
			if !pf.Expiration.Equal(g.Expiration) || !pol.Expiration.Equal(g.Expiration) {
				t.Errorf("Expiration = %v / %v, want %v", pf.Expiration, pol.Expiration, g.Expiration)
			}

			// The policy field is exactly what policy.Policy marshals its
			// conditions to, and the signature verifies.
			want, _ := pol.Base64()
			if pf.Fields["policy"] != want {
				t.Error("policy field is not the Base64 of its policy as policy.Policy writes it")
			}
			if sig, ok := pf.Fields["x-oss-signature"]; ok {
				if err := signing.VerifyPostV4(tt.creds.AccessKeySecret, fixedNow, region, pf.Fields["policy"], sig); err != nil {
					t.Errorf("V4 signature does not verify: %v", err)
				}
			} else if err := signing.VerifyPostV1(tt.creds.AccessKeySecret, pf.Fields["policy"], pf.Fields["Signature"]); err != nil {
				t.Errorf("V1 signature does not verify: %v", err)
			}

			// Every field the form sends satisfies the policy, as parsed back
			// from the wire.
			parsed, err := policy.ParseBase64(pf.Fields["policy"])
			if err != nil {
				t.Fatalf("ParseBase64: %v", err)
			}
			form := policy.Form{Fields: maps.Clone(pf.Fields), Bucket: "examplebucket", Size: g.MaxSize}
			if _, ok := form.Fields["key"]; !ok {
				form.Fields["key"] = g.Dir + "client-name.pdf"
			}
			if _, ok := form.Fields["Content-Type"]; !ok && len(g.ContentTypes) > 0 {
				form.Fields["Content-Type"] = strings.Replace(g.ContentTypes[0], "*", "png", 1)
			}
			if err := parsed.Evaluate(form, fixedNow); err != nil {
				t.Errorf("the form does not satisfy its own policy: %v", err)
			}
		})
	}
}

// TestPostFormPolicyRefuses checks that the policy, evaluated as OSS would,
// refuses every way a client might widen the grant.
func TestPostFormPolicyRefuses(t *testing.T) {
	t.Parallel()
	g := grantFor(t, "images", upload.Request{Subject: "u1", Filename: "cat.png"})
	g.CallbackParam = "Y2I="
	pf, err := g.PostForm(stsCreds, "v4", region, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	client := grantFor(t, "docs", upload.Request{Subject: "u1"})
	cpf, err := client.PostForm(staticCreds, "v1", "", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		pf      *upload.PostForm
		edit    func(f map[string]string)
		size    int64
		now     time.Time
		bucket  string
		wantErr error
	}{
		{"key changed", pf, func(f map[string]string) { f["key"] = "images/u1/other.png" }, 10, fixedNow, "", policy.ErrConditionFailed},
		{"key outside dir", cpf, func(f map[string]string) { f["key"] = "docs/u2/a.pdf" }, 10, fixedNow, "", policy.ErrConditionFailed},
		{"too large", pf, nil, 1001, fixedNow, "", policy.ErrEntityTooLarge},
		{"empty file", pf, nil, 0, fixedNow, "", policy.ErrEntityTooSmall},
		{"content type changed", pf, func(f map[string]string) { f["Content-Type"] = "text/html" }, 10, fixedNow, "", policy.ErrConditionFailed},
		{"content type override", pf, func(f map[string]string) { f["x-oss-content-type"] = "text/html" }, 10, fixedNow, "", policy.ErrConditionFailed},
		{"content type not in list", cpf, func(f map[string]string) { f["key"] = "docs/u1/a.html"; f["content-type"] = "text/html" }, 10, fixedNow, "", policy.ErrConditionFailed},
		{"content type missing", cpf, func(f map[string]string) { f["key"] = "docs/u1/a.pdf" }, 10, fixedNow, "", policy.ErrConditionFailed},
		{"overwrite protection dropped", pf, func(f map[string]string) { delete(f, "x-oss-forbid-overwrite") }, 10, fixedNow, "", policy.ErrConditionFailed},
		{"overwrite protection disabled", pf, func(f map[string]string) { f["x-oss-forbid-overwrite"] = "false" }, 10, fixedNow, "", policy.ErrConditionFailed},
		{"callback dropped", pf, func(f map[string]string) { delete(f, "callback") }, 10, fixedNow, "", policy.ErrConditionFailed},
		{"status changed", pf, func(f map[string]string) { f["success_action_status"] = "201" }, 10, fixedNow, "", policy.ErrConditionFailed},
		{"security token changed", pf, func(f map[string]string) { f["x-oss-security-token"] = "other" }, 10, fixedNow, "", policy.ErrConditionFailed},
		{"date changed", pf, func(f map[string]string) { f["x-oss-date"] = "20240306T000000Z" }, 10, fixedNow, "", policy.ErrConditionFailed},
		{"other bucket", pf, nil, 10, fixedNow, "otherbucket", policy.ErrConditionFailed},
		{"expired", pf, nil, 10, g.Expiration.Add(time.Second), "", policy.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := policy.ParseBase64(tt.pf.Fields["policy"])
			if err != nil {
				t.Fatal(err)
			}
			fields := maps.Clone(tt.pf.Fields)
			if tt.edit != nil {
				tt.edit(fields)
			}
			bucket := tt.bucket
			if bucket == "" {
				bucket = "examplebucket"
			}
			err = p.Evaluate(policy.Form{Fields: fields, Bucket: bucket, Size: tt.size}, tt.now)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Evaluate = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestPostFormErrors(t *testing.T) {
	t.Parallel()
	base := func() *upload.Grant {
		g := grantFor(t, "images", upload.Request{Subject: "u1", Filename: "cat.png"})
		g.CallbackParam = "Y2I="
		return g
	}
	tests := []struct {
		name    string
		edit    func(g *upload.Grant)
		creds   signing.Credentials
		version string
		region  string
		now     time.Time
		wantErr error
	}{
		{"bucket missing", func(g *upload.Grant) { g.Bucket = "" }, staticCreds, "v4", region, fixedNow, upload.ErrInvalidOption},
		{"bucket invalid", func(g *upload.Grant) { g.Bucket = "Bad_Bucket" }, staticCreds, "v4", region, fixedNow, upload.ErrInvalidOption},
		{"no access key", nil, signing.Credentials{AccessKeySecret: "s"}, "v4", region, fixedNow, upload.ErrInvalidOption},
		{"no secret", nil, signing.Credentials{AccessKeyID: "a"}, "v4", region, fixedNow, upload.ErrInvalidOption},
		{"V4 without region", nil, staticCreds, "v4", "", fixedNow, upload.ErrInvalidOption},
		{"unknown version", nil, staticCreds, "v2", region, fixedNow, upload.ErrInvalidOption},
		{"grant expired", nil, staticCreds, "v4", region, fixedNow.Add(10 * time.Minute), upload.ErrGrantExpired},
		{"callback required", func(g *upload.Grant) { g.CallbackParam = "" }, staticCreds, "v4", region, fixedNow, upload.ErrCallbackRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := base()
			if tt.edit != nil {
				tt.edit(g)
			}
			_, err := g.PostForm(tt.creds, tt.version, tt.region, tt.now)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("PostForm error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestPostFormRegionPrefix(t *testing.T) {
	t.Parallel()
	g := grantFor(t, "files", upload.Request{Filename: "a.txt"})
	pf, err := g.PostForm(staticCreds, "v4", "oss-cn-hangzhou", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if want := staticCreds.AccessKeyID + "/20240305/cn-hangzhou/oss/aliyun_v4_request"; pf.Fields["x-oss-credential"] != want {
		t.Errorf("x-oss-credential = %q, want %q", pf.Fields["x-oss-credential"], want)
	}
}

func TestPostFormPolicyGolden(t *testing.T) {
	t.Parallel()
	g := grantFor(t, "images", upload.Request{Subject: "u1", Filename: "cat.png", Size: 100})
	g.CallbackParam = "Y2I="
	pf, err := g.PostForm(stsCreds, "v4", region, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	got, err := base64.StdEncoding.DecodeString(pf.Fields["policy"])
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "post-v4-sts.policy.golden.json", got)
}

func TestPutHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		profile  string
		req      upload.Request
		callback string
		want     map[string]string
		wantErr  error
	}{
		{"pinned type and overwrite protection", "files", upload.Request{Filename: "a.txt"}, "",
			map[string]string{"Content-Type": "text/plain", "x-oss-forbid-overwrite": "true"}, nil},
		{"callback", "images", upload.Request{Subject: "u", Filename: "a.png"}, "Y2I=",
			map[string]string{"Content-Type": "image/png", "x-oss-forbid-overwrite": "true", "x-oss-callback": "Y2I="}, nil},
		{"no type, overwrite allowed", "docs", upload.Request{Subject: "u"}, "", map[string]string{}, nil},
		{"callback required", "images", upload.Request{Subject: "u", Filename: "a.png"}, "", nil, upload.ErrCallbackRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := grantFor(t, tt.profile, tt.req)
			g.CallbackParam = tt.callback
			got, err := g.PutHeaders()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("PutHeaders error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && !maps.Equal(got, tt.want) {
				t.Errorf("PutHeaders = %v, want %v", got, tt.want)
			}
		})
	}
}
