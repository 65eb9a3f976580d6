package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const pfAccount = "1234567890123456"

// pfInputs are a complete, valid set of make deploy's inputs.
func pfInputs() map[string]string {
	return map[string]string{
		"OSS_BUCKET": "photos-1", "OSS_REGION": "cn-hangzhou", "AUTH_MODE": "apikey",
		"API_KEYS":                 "web:0123456789abcdef0123",
		"FC_ROLE_ARN":              "acs:ram::" + pfAccount + ":role/ossdirect-fc",
		"STS_ROLE_ARN":             "acs:ram::" + pfAccount + ":role/ossdirect-upload",
		"ALIBABA_CLOUD_ACCOUNT_ID": pfAccount,
	}
}

func runPreflight(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	code = runWith(append([]string{"preflight"}, args...), strings.NewReader(""), &out, &errb, lookup)
	return out.String(), errb.String(), code
}

func TestPreflightPassesValidInputs(t *testing.T) {
	t.Parallel()
	out, errOut, code := runPreflight(t, pfInputs())
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if m := decode(t, out); m["ok"] != true || m["environmentLimit"] != float64(4096) {
		t.Errorf("stdout %s", out)
	}
}

// Each named broken input produces exactly one problem line, naming the
// input, and nothing on stdout; exit 1.
func TestPreflightNamesEachBrokenInput(t *testing.T) {
	t.Parallel()
	var profiles []string // valid profiles, together over FC's 4 KB
	for i := range 40 {
		profiles = append(profiles, fmt.Sprintf(`"profile-%02d": {"prefix": "uploads/profile-%02d/{sub}/{yyyy}/{mm}/", "maxSize": 1048576, "contentTypes": ["image/png"]}`, i, i))
	}
	big := "{" + strings.Join(profiles, ", ") + "}"
	tests := []struct {
		name  string
		edit  func(map[string]string)
		input string // the input the one message names
		want  string // in the message
	}{
		{"bucket missing", func(m map[string]string) { delete(m, "OSS_BUCKET") }, "OSS_BUCKET", "required"},
		{"bucket not a bucket name", func(m map[string]string) { m["OSS_BUCKET"] = "Photos_1" }, "OSS_BUCKET", "not a bucket name"},
		{"region malformed", func(m map[string]string) { m["OSS_REGION"] = "hangzhou" }, "OSS_REGION", "not a region id"},
		{"auth mode unknown", func(m map[string]string) { m["AUTH_MODE"] = "oauth"; delete(m, "API_KEYS") }, "AUTH_MODE", "want none, jwt or apikey"},
		{"jwt without a secret", func(m map[string]string) { m["AUTH_MODE"] = "jwt"; delete(m, "API_KEYS") }, "AUTH_MODE", "jwt needs JWT_HS256_SECRET or JWT_JWKS_URL"},
		{"api key too short", func(m map[string]string) { m["API_KEYS"] = "web:short" }, "API_KEYS", "entry 1"},
		{"profiles do not parse", func(m map[string]string) { m["UPLOAD_PROFILES"] = `{"p": {"prefix": "uploads/"}}` }, "UPLOAD_PROFILES", "maxSize"},
		{"environment over 4 KB", func(m map[string]string) { m["UPLOAD_PROFILES"] = big }, "UPLOAD_PROFILES", "over FC's 4096"},
		{"function role not an ARN", func(m map[string]string) { m["FC_ROLE_ARN"] = "ossdirect-fc" }, "FC_ROLE_ARN", "want a role ARN"},
		{"upload role in another account", func(m map[string]string) { m["STS_ROLE_ARN"] = "acs:ram::999:role/up" }, "STS_ROLE_ARN", "in account 999, the deployment in " + pfAccount},
		{"upload role is the function role", func(m map[string]string) { m["STS_ROLE_ARN"] = m["FC_ROLE_ARN"] }, "STS_ROLE_ARN", "is FC_ROLE_ARN"},
		{"account id missing", func(m map[string]string) { delete(m, "ALIBABA_CLOUD_ACCOUNT_ID") }, "ALIBABA_CLOUD_ACCOUNT_ID", "required"},
		{"account id not digits", func(m map[string]string) { m["ALIBABA_CLOUD_ACCOUNT_ID"] = "acme" }, "ALIBABA_CLOUD_ACCOUNT_ID", "digits only"},
		{"callback URL without grant secret", func(m map[string]string) { m["CALLBACK_URL"] = "https://cb.example.com/callback" }, "GRANT_SECRET", "required with CALLBACK_URL"},
		{"upload host over http", func(m map[string]string) { m["OSS_UPLOAD_HOST"] = "http://files.example.com" }, "OSS_UPLOAD_HOST", "want https://"},
		{"upload host on fcapp.run", func(m map[string]string) { m["OSS_UPLOAD_HOST"] = "https://x.cn-hangzhou.fcapp.run" }, "OSS_UPLOAD_HOST", "default domain"},
		{"function domain with a scheme", func(m map[string]string) {
			m["FUNCTION_DOMAIN"] = "https://api.example.com"
			m["FUNCTION_DOMAIN_CERT_ID"] = "1"
		}, "FUNCTION_DOMAIN", "domain name only"},
		{"function domain without certificate", func(m map[string]string) { m["FUNCTION_DOMAIN"] = "api.example.com" }, "FUNCTION_DOMAIN_CERT_ID", "required with FUNCTION_DOMAIN"},
		{"function domain on fcapp.run", func(m map[string]string) {
			m["FUNCTION_DOMAIN"] = "ossdirect.cn-hangzhou.fcapp.run"
			m["FUNCTION_DOMAIN_CERT_ID"] = "1"
		}, "FUNCTION_DOMAIN", "not a custom one"},
		{"trigger role not an ARN", func(m map[string]string) { m["OSS_TRIGGER_ROLE_ARN"] = "aliyunosseventnotificationrole" }, "OSS_TRIGGER_ROLE_ARN", "want a role ARN"},
		{"unrendered placeholder", func(m map[string]string) { m["OSS_BUCKET"] = "{{ bucket }}" }, "OSS_BUCKET", "placeholder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := pfInputs()
			tc.edit(env)
			out, errOut, code := runPreflight(t, env)
			if code != 1 || out != "" {
				t.Fatalf("exit %d, stdout %q; want 1 and nothing", code, out)
			}
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if len(lines) != 2 || !strings.Contains(lines[1], "1 problem(s)") || !strings.Contains(lines[1], "nothing was deployed") {
				t.Fatalf("want one problem line and the summary line:\n%s", errOut)
			}
			if prefix := "ossdirect preflight: " + tc.input + ": "; !strings.HasPrefix(lines[0], prefix) || !strings.Contains(lines[0], tc.want) {
				t.Errorf("got %q, want %q…%q", lines[0], prefix, tc.want)
			}
			for _, secret := range []string{env["API_KEYS"], env["JWT_HS256_SECRET"], env["GRANT_SECRET"]} {
				if len(secret) > 8 && strings.Contains(errOut, secret) {
					t.Errorf("a secret is in the output:\n%s", errOut)
				}
			}
		})
	}
}

// Several problems are all reported, one line each, in the order of the
// required inputs first.
func TestPreflightReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, errOut, code := runPreflight(t, map[string]string{"AUTH_MODE": "none", "FC_ROLE_ARN": "x"})
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(errOut), "\n") {
		rest, ok := strings.CutPrefix(l, "ossdirect preflight: ")
		if name, _, ok2 := strings.Cut(rest, ": "); ok && ok2 && !strings.Contains(name, " ") {
			names = append(names, name)
		}
	}
	want := []string{"OSS_BUCKET", "OSS_REGION", "STS_ROLE_ARN", "ALIBABA_CLOUD_ACCOUNT_ID", "FC_ROLE_ARN"}
	if !slices.Equal(names, want) {
		t.Errorf("problems for %v, want %v:\n%s", names, want, errOut)
	}
}

// --after turns s info -o json's output into the four URLs, the CORS
// rule for the page origins and the mini-program entries; without custom
// domains it says *.fcapp.run cannot go in a mini-program.
func TestPreflightAfterSummarizesTheDeploy(t *testing.T) {
	t.Parallel()
	deployed := map[string]any{}
	for _, fn := range []string{"post-signature", "presigned-url", "sts-token", "callback"} {
		deployed[strings.ReplaceAll(fn, "-", "_")] = map[string]any{"region": "cn-hangzhou", "functionName": "ossdirect-" + fn,
			"url": map[string]string{"system_url": "https://ossdirect-" + fn + "-abcdefghij.cn-hangzhou.fcapp.run"}}
	}
	deployed["domain"] = map[string]any{"domainName": "api.example.com", "url": "https://api.example.com"} // another component's shape
	doc, _ := json.MarshalIndent(deployed, "", "  ")
	file := filepath.Join(t.TempDir(), "deploy.txt")
	os.WriteFile(file, append([]byte("⌛  Steps for [deploy] of [ossdirect]\n✔ [callback] completed (1.2s)\n"), doc...), 0o644)

	env := pfInputs()
	out, errOut, code := runPreflight(t, env, "--after", file, "--page-origin", "https://app.example.com")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var got struct {
		Functions   map[string]string `json:"functions"`
		CallbackURL string            `json:"callbackUrl"`
		CORS        struct {
			AllowedOrigins []string `json:"AllowedOrigins"`
			AllowedMethods []string `json:"AllowedMethods"`
			ExposeHeaders  []string `json:"ExposeHeaders"`
		} `json:"cors"`
		MiniProgram struct {
			Request    []string `json:"request"`
			UploadFile []string `json:"uploadFile"`
		} `json:"miniProgram"`
		Notes []string `json:"notes"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(got.Functions) != 4 || got.Functions["sts-token"] != "https://ossdirect-sts-token-abcdefghij.cn-hangzhou.fcapp.run" {
		t.Errorf("functions %v", got.Functions)
	}
	if got.CallbackURL != got.Functions["callback"] {
		t.Errorf("callbackUrl %q, want the callback function's URL", got.CallbackURL)
	}
	if !slices.Equal(got.CORS.AllowedOrigins, []string{"https://app.example.com"}) || !slices.Contains(got.CORS.ExposeHeaders, "ETag") || !slices.Contains(got.CORS.AllowedMethods, "POST") {
		t.Errorf("cors %+v", got.CORS)
	}
	if !slices.Equal(got.MiniProgram.UploadFile, []string{"https://photos-1.oss-cn-hangzhou.aliyuncs.com"}) || len(got.MiniProgram.Request) != 5 {
		t.Errorf("miniProgram %+v", got.MiniProgram)
	}
	if !strings.Contains(strings.Join(got.Notes, "\n"), "FC's default domain") {
		t.Errorf("notes %q do not say fcapp.run cannot go in a mini-program", got.Notes)
	}

	// With the template's custom domain the URLs are on it.
	env = maps.Clone(env)
	env["FUNCTION_DOMAIN"], env["OSS_UPLOAD_HOST"] = "api.example.com", "https://files.example.com"
	out, _, code = runPreflight(t, env, "--after", file)
	if code != 0 || !strings.Contains(out, `"post-signature":"https://api.example.com/post-signature"`) || !strings.Contains(out, `"request":["https://api.example.com","https://files.example.com"]`) {
		t.Errorf("exit %d, with a custom domain:\n%s", code, out)
	}
}
