package preflight_test

import (
	"slices"
	"strings"
	"testing"

	"ossdirect/internal/preflight"
)

func valid() preflight.Inputs {
	return preflight.Inputs{
		"OSS_BUCKET": "photos-1", "OSS_REGION": "cn-hangzhou", "AUTH_MODE": "none",
		"FC_ROLE_ARN":              "acs:ram::1234567890123456:role/fc",
		"STS_ROLE_ARN":             "acs:ram::1234567890123456:role/upload",
		"ALIBABA_CLOUD_ACCOUNT_ID": "1234567890123456",
	}
}

func names(ps []preflight.Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// The application's options: the account comes from the credentials, and
// CALLBACK_URL is derived, so GRANT_SECRET is required and room is kept
// for the URL.
func TestCheckWithDerivedCallbackURL(t *testing.T) {
	t.Parallel()
	opts := preflight.Options{CallbackURLDerived: true, AccountFromCredentials: true}
	in := valid()
	delete(in, "ALIBABA_CLOUD_ACCOUNT_ID")
	if got := names(preflight.Check(in, opts)); !slices.Equal(got, []string{"GRANT_SECRET"}) {
		t.Errorf("problems %v, want only GRANT_SECRET", got)
	}
	in["GRANT_SECRET"] = strings.Repeat("g", 32)
	if ps := preflight.Check(in, opts); len(ps) != 0 {
		t.Errorf("problems %v", ps)
	}
	if d, plain := preflight.EnvSize(in, opts), preflight.EnvSize(in, preflight.Options{}); d-plain != preflight.CallbackURLReserve-len("CALLBACK_URL") {
		t.Errorf("EnvSize %d with a derived CALLBACK_URL, %d without", d, plain)
	}
}

func TestFromManifest(t *testing.T) {
	t.Parallel()
	doc := `
vars:
  env: &env
    OSS_BUCKET: photos-1
    UPLOAD_PROFILES: ${vars.presets.small}
    RATE_LIMIT_BURST: 20
  deploy: &deploy
    FC_ROLE_ARN: "acs:ram::1:role/fc"
  inputs:
    <<: [*env, *deploy]
  presets:
    small: '{"small": {"prefix": "uploads/", "maxSize": 10}}'
`
	in, err := preflight.FromManifest([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if in["UPLOAD_PROFILES"] != `{"small": {"prefix": "uploads/", "maxSize": 10}}` || in["RATE_LIMIT_BURST"] != "20" || in["FC_ROLE_ARN"] != "acs:ram::1:role/fc" || in["OSS_BUCKET"] != "photos-1" {
		t.Errorf("inputs %v", in)
	}
	for name, bad := range map[string]string{
		"no vars.inputs":     "vars: {env: {}}\n",
		"dangling reference": "vars:\n  inputs:\n    UPLOAD_PROFILES: ${vars.presets.none}\n",
		"not a string":       "vars:\n  inputs:\n    OSS_BUCKET: [a, b]\n",
	} {
		if _, err := preflight.FromManifest([]byte(bad)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// A secret kept in Serverless Devs' secret store, ${secret('name')}, is
// resolved at deploy time: preflight takes it as set and well formed.
func TestCheckAcceptsSecretReferences(t *testing.T) {
	t.Parallel()
	in := valid()
	in["AUTH_MODE"], in["API_KEYS"], in["GRANT_SECRET"] = "apikey", "${secret('apiKeys')}", "${secret('grantSecret')}"
	in["CALLBACK_URL"] = "https://cb.example.com/callback"
	if ps := preflight.Check(in, preflight.Options{}); len(ps) != 0 {
		t.Errorf("problems %v", ps)
	}
	in["OSS_BUCKET"] = "${env('BUCKET')}"
	if got := names(preflight.Check(in, preflight.Options{})); !slices.Equal(got, []string{"OSS_BUCKET"}) {
		t.Errorf("problems %v, want the unrendered OSS_BUCKET only", got)
	}
}

// OSS_UPLOAD_HOST may be one of OSS's own endpoints; FC's default domain
// and plain http are refused.
func TestCheckUploadHost(t *testing.T) {
	t.Parallel()
	for host, ok := range map[string]bool{
		"https://photos-1.oss-cn-hangzhou.aliyuncs.com": true,
		"https://photos-1.oss-accelerate.aliyuncs.com":  true,
		"https://files.example.com":                     true,
		"http://127.0.0.1:9000/dev-bucket":              true,
		"http://files.example.com":                      false,
		"https://x.cn-hangzhou.fcapp.run":               false,
		"https://203.0.113.7":                           true, // config.Load's rules; doctor warns for mini-programs
	} {
		in := valid()
		in["OSS_UPLOAD_HOST"] = host
		if got := len(preflight.Check(in, preflight.Options{})) == 0; got != ok {
			t.Errorf("%s: accepted %v, want %v (%v)", host, got, ok, preflight.Check(in, preflight.Options{}))
		}
	}
}
