package upload_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"ossdirect/shared/policy"
	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
)

// A form shaped like the seed clients' (Alibaba's server-signature samples):
// key = dir + file name, policy, OSSAccessKeyId, signature, optionally
// success_action_status — nothing else.
func TestLegacyPostFormAcceptsSeedShapedForms(t *testing.T) {
	t.Parallel()
	g := grantFor(t, "docs", upload.Request{Subject: "u1"})
	pf, err := g.LegacyPostForm(staticCreds, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := signing.VerifyPostV1(staticCreds.AccessKeySecret, pf.Fields["policy"], pf.Fields["Signature"]); err != nil {
		t.Fatal(err)
	}
	p, err := policy.ParseBase64(pf.Fields["policy"])
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		fields map[string]string
		size   int64
		ok     bool
	}{
		{"mini-program sample", map[string]string{"key": g.Dir + "a.png", "policy": pf.Fields["policy"], "OSSAccessKeyId": staticCreds.AccessKeyID, "signature": pf.Fields["Signature"]}, 10, true},
		{"web sample with status and name", map[string]string{"key": g.Dir + "a.png", "name": "a.png", "success_action_status": "200"}, 10, true},
		{"key outside dir", map[string]string{"key": "other/a.png"}, 10, false},
		{"too large", map[string]string{"key": g.Dir + "a.png"}, g.MaxSize + 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := p.Evaluate(policy.Form{Fields: tc.fields, Bucket: g.Bucket, Size: tc.size}, fixedNow)
			if (err == nil) != tc.ok {
				t.Fatalf("Evaluate = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestCallbackVarsArePinned(t *testing.T) {
	t.Parallel()
	g := grantFor(t, "images", upload.Request{Subject: "u1", Filename: "a.png"})
	g.CallbackParam = base64.StdEncoding.EncodeToString([]byte(`{"callbackUrl":"https://api.example.com/callback","callbackBody":"s=${x:subject}"}`))
	g.CallbackVars = map[string]string{"x:subject": "u1", "x:profile": "images"}
	pf, err := g.PostForm(staticCreds, "v4", region, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if pf.Fields["x:subject"] != "u1" || pf.Fields["x:profile"] != "images" {
		t.Fatalf("fields = %v", pf.Fields)
	}
	form := map[string]string{}
	for k, v := range pf.Fields {
		form[k] = v
	}
	if err := signedPolicy(t, pf).Evaluate(policy.Form{Fields: form, Bucket: g.Bucket, Size: 10}, fixedNow); err != nil {
		t.Fatalf("the form as issued: %v", err)
	}
	form["x:subject"] = "someone-else"
	var v *policy.Violation
	if err := signedPolicy(t, pf).Evaluate(policy.Form{Fields: form, Bucket: g.Bucket, Size: 10}, fixedNow); !errors.As(err, &v) || v.Code != policy.CodeAccessDenied {
		t.Fatalf("a changed x:subject: %v, want AccessDenied", err)
	}

	h, err := g.PutHeaders()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(h["x-oss-callback-var"])
	if err != nil {
		t.Fatal(err)
	}
	var vars map[string]string
	if err := json.Unmarshal(raw, &vars); err != nil || vars["x:subject"] != "u1" || vars["x:profile"] != "images" {
		t.Fatalf("x-oss-callback-var = %s (%v)", raw, err)
	}
}
