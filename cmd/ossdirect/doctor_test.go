package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"ossdirect/internal/localcloud/devstack"
)

// doctor and setup from the functions' environment, against the local
// stack: doctor fails on the fresh bucket (no lifecycle, no overwrite
// protection) and says so in JSON; setup --dry-run writes nothing; setup
// writes the rules; doctor then passes and prints its checklist.
func TestDoctorAndSetupCommands(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	env := envOf(map[string]string{
		"OSS_BUCKET": s.Bucket, "OSS_REGION": s.Region, "OSS_ENDPOINT": s.OSS, "OSS_UPLOAD_HOST": s.OSS + "/" + s.Bucket,
		"AUTH_MODE": "none", "STS_ROLE_ARN": devstack.DevRoleARN, "STS_ENDPOINT": s.STS,
		"CALLBACK_URL": s.API + "/callback", "GRANT_SECRET": strings.Repeat("g", 48), "CORS_ALLOWED_ORIGINS": s.API,
		"ALIBABA_CLOUD_ACCESS_KEY_ID": devAK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": devSK,
	})
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := runWith(args, strings.NewReader(""), &out, &errb, env)
		return out.String(), errb.String(), code
	}
	type report struct {
		OK      bool `json:"ok"`
		Results []struct{ ID, Status, Fix string }
	}
	status := func(out string) (report, map[string]string) {
		var r report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("doctor --json: %v\n%s", err, out)
		}
		m := map[string]string{}
		for _, x := range r.Results {
			m[x.ID] = x.Status
		}
		return r, m
	}

	out, errOut, code := run("doctor", "--json")
	r, st := status(out)
	if code != exitDoctorFailed || r.OK || st["lifecycle"] != "fail" || st["overwrite"] != "fail" || st["endpoint"] != "pass" || st["cors"] != "pass" {
		t.Fatalf("doctor on a fresh bucket: exit %d, %v (stderr %s)", code, st, errOut)
	}
	out, _, code = run("setup", "--dry-run")
	if code != 0 || !strings.Contains(out, `"dryRun":true,"applied":false`) || !strings.Contains(out, `"config":"lifecycle"`) {
		t.Fatalf("setup --dry-run: exit %d, %s", code, out)
	}
	if out, _, code = run("doctor", "--json"); code != exitDoctorFailed {
		t.Fatalf("doctor after a dry run: exit %d, %s", code, out)
	}
	out, errOut, code = run("setup")
	if code != 0 || !strings.Contains(out, `"applied":true`) {
		t.Fatalf("setup: exit %d, %s %s", code, out, errOut)
	}
	out, errOut, code = run("doctor")
	if code != 0 || !strings.Contains(out, "✓ A lifecycle rule aborts") || !strings.Contains(out, "ready: every check passed") || strings.Contains(out, "\x1b[") {
		t.Fatalf("doctor after setup: exit %d\n%s%s", code, out, errOut)
	}
	// A bad variable is a usage error naming it; secrets are never echoed.
	bad := envOf(map[string]string{"OSS_BUCKET": "Bad_Bucket", "OSS_REGION": "cn-hangzhou", "AUTH_MODE": "none",
		"ALIBABA_CLOUD_ACCESS_KEY_ID": devAK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": devSK})
	var o, e bytes.Buffer
	if code := runWith([]string{"doctor"}, strings.NewReader(""), &o, &e, bad); code != exitUsage || !strings.Contains(e.String(), "OSS_BUCKET") || strings.Contains(e.String()+o.String(), devSK) {
		t.Fatalf("bad OSS_BUCKET: exit %d, %s%s", code, o.String(), e.String())
	}
}
