package conformance_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"ossdirect/internal/localcloud/devstack"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"ossdirect/internal/conformance"
	"ossdirect/internal/localcloud/ossemu"
	"ossdirect/internal/localcloud/ossemu/notify"
	"ossdirect/internal/localcloud/stsemu"
	"ossdirect/shared/signing"
)

// Fake keys for the emulators; they open nothing anywhere else.
const (
	emuAccessKeyID     = "LTAI5tConformanceFake01"
	emuAccessKeySecret = "conformance-fake-secret-01"
	emuBucket          = "conformance"
	emuRegion          = "cn-hangzhou"
	emuRoleARN         = "acs:ram::1234567890123456:role/conformance"
	emuOrigin          = "http://app.example.com"
)

// misbehaveEnv selects ossemu.Config.IgnorePolicyConditions (comma
// separated) for TestEmulator: set only by TestSuiteCatchesMisbehaviour
// for the child it runs.
const misbehaveEnv = "OSSDIRECT_CONFORMANCE_MISBEHAVE"

var callbackKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// TestEmulator runs the suite against the OSS emulator, with the STS
// emulator for the session-policy cases and the emulator's callback sender
// posting to a loopback EchoHandler.
func TestEmulator(t *testing.T) {
	authority, err := stsemu.NewAuthority(stsemu.AuthorityConfig{AccessKeyID: emuAccessKeyID, AccessKeySecret: emuAccessKeySecret})
	if err != nil {
		t.Fatal(err)
	}
	// Same root identity, clock two hours back: its tokens have expired.
	past, err := stsemu.NewAuthority(stsemu.AuthorityConfig{AccessKeyID: emuAccessKeyID, AccessKeySecret: emuAccessKeySecret,
		Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	stsSrv, err := stsemu.New(stsemu.Config{Authority: authority})
	if err != nil {
		t.Fatal(err)
	}
	stsTS := httptest.NewServer(stsSrv)
	t.Cleanup(stsTS.Close)
	echo := httptest.NewServer(conformance.EchoHandler())
	t.Cleanup(echo.Close)

	key, err := callbackKey()
	if err != nil {
		t.Fatal(err)
	}
	sender := &notify.Sender{Key: key, Timeout: 5 * time.Second}
	var ignore []string
	if v := os.Getenv(misbehaveEnv); v != "" {
		ignore = strings.Split(v, ",")
		t.Logf("MISBEHAVING emulator: IgnorePolicyConditions %q", ignore)
	}
	dir := t.TempDir()
	srv, err := ossemu.New(ossemu.Config{
		Dir:                    dir,
		Buckets:                []string{emuBucket},
		Region:                 emuRegion,
		Credentials:            devstack.Trusted(ossemu.StaticCredentials{emuAccessKeyID: emuAccessKeySecret}, authority),
		CORSOrigins:            []string{emuOrigin},
		Callbacks:              sender,
		IgnorePolicyConditions: ignore,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	sender.PubKeyURL = srv.KeyURL(ts.URL)

	conformance.Run(t, conformance.Target{
		Name:            "emulator",
		Endpoint:        ts.URL,
		PathStyle:       true,
		Bucket:          emuBucket,
		Region:          emuRegion,
		AccessKeyID:     emuAccessKeyID,
		AccessKeySecret: emuAccessKeySecret,
		STS: &conformance.STS{
			Endpoint: stsTS.URL,
			RoleARN:  emuRoleARN,
			Expired: func(_ context.Context, sessionPolicy string) (signing.Credentials, error) {
				p, err := stsemu.ParsePolicy(sessionPolicy)
				if err != nil {
					return signing.Credentials{}, err
				}
				c, err := past.Issue(emuRoleARN, "conformance", p, 15*time.Minute, time.Time{})
				return signing.Credentials{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken}, err
			},
		},
		Callback:   &conformance.Callback{URL: echo.URL + "/cb", KeyURLPrefixes: []string{srv.KeyURLPrefix(ts.URL)}},
		CORSOrigin: emuOrigin,
		// What the emulator's per-case checks used to add: no temporary
		// file and no multipart upload left behind once the suite cleaned up.
		Cleanup: func() {
			for _, sub := range []string{"tmp", "uploads"} {
				left, err := os.ReadDir(filepath.Join(dir, ".ossemu", sub))
				if err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Error(err)
				}
				if len(left) != 0 {
					t.Errorf("emulator: %d entries left in .ossemu/%s after the suite", len(left), sub)
				}
			}
		},
	})
}

// TestLive runs the suite against the real bucket the OSSDIRECT_LIVE_*
// variables name (docs/CONFORMANCE.md).
func TestLive(t *testing.T) {
	target, ok := conformance.FromEnv()
	if !ok {
		t.Skip("no live bucket: set " + conformance.EnvEndpoint + ", " + conformance.EnvBucket + ", " + conformance.EnvRegion + ", " +
			conformance.EnvAccessKeyID + " and " + conformance.EnvAccessKeySecret + " (docs/CONFORMANCE.md)")
	}
	conformance.Run(t, target)
}

// TestSuiteCatchesMisbehaviour proves the suite can fail: it re-runs this
// test binary's TestEmulator (PostObject area only, to stay fast) against
// an emulator that ignores one policy condition, and expects the child to
// fail, naming the case and the condition that was not enforced.
func TestSuiteCatchesMisbehaviour(t *testing.T) {
	if os.Getenv(misbehaveEnv) != "" {
		t.Skip("this is the misbehaving child")
	}
	tests := []struct {
		ignore    string
		wantFails []string // cases that must fail
		wantRule  string
	}{
		{ignore: "content-length-range",
			wantFails: []string{"TestEmulator/PostObject/refused/post_size_too_big", "TestEmulator/PostObject/refused/post_size_far_too_big", "TestEmulator/PostObject/refused/post_size_too_small"},
			wantRule:  `rule not enforced: policy condition ["content-length-range", 10, 1000]`},
		{ignore: "starts-with $key",
			wantFails: []string{"TestEmulator/PostObject/refused/post_key_outside_starts-with"},
			wantRule:  `rule not enforced: policy condition ["starts-with", "$key", …]`},
	}
	failLine := regexp.MustCompile(`--- FAIL: (\S+)`)
	for _, tc := range tests {
		t.Run(tc.ignore, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run", "^TestEmulator$/^PostObject$", "-test.count=1", "-test.timeout=5m")
			cmd.Env = append(os.Environ(), misbehaveEnv+"="+tc.ignore)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Fatalf("the suite PASSED against an emulator ignoring %q (err %v); output:\n%s", tc.ignore, err, out)
			}
			failed := map[string]bool{}
			for _, m := range failLine.FindAllStringSubmatch(string(out), -1) {
				failed[m[1]] = true
			}
			for _, name := range tc.wantFails {
				if !failed[name] {
					t.Errorf("ignoring %q: %s did not fail; failures: %v\n%s", tc.ignore, name, failed, out)
				}
			}
			if !strings.Contains(string(out), tc.wantRule) {
				t.Errorf("ignoring %q: the output does not name the condition (%s):\n%s", tc.ignore, tc.wantRule, out)
			}
			// Only the cases about that condition (and their parents) fail.
			for name := range failed {
				if name == "TestEmulator" || name == "TestEmulator/PostObject" || name == "TestEmulator/PostObject/refused" {
					continue
				}
				want := false
				for _, w := range tc.wantFails {
					want = want || name == w
				}
				if !want {
					t.Errorf("ignoring %q also failed %s:\n%s", tc.ignore, name, out)
				}
			}
		})
	}
}

// TestFromEnv: the five required variables, the defaults, and no target
// when one is missing.
func TestFromEnv(t *testing.T) {
	for _, name := range []string{conformance.EnvEndpoint, conformance.EnvBucket, conformance.EnvRegion, conformance.EnvAccessKeyID,
		conformance.EnvAccessKeySecret, conformance.EnvSTSEndpoint, conformance.EnvSTSRoleARN, conformance.EnvCallbackURL, conformance.EnvCORSOrigin} {
		t.Setenv(name, "")
	}
	if _, ok := conformance.FromEnv(); ok {
		t.Fatal("FromEnv with nothing set reported a target")
	}
	t.Setenv(conformance.EnvEndpoint, "oss-cn-shanghai.aliyuncs.com")
	t.Setenv(conformance.EnvBucket, "my-bucket")
	t.Setenv(conformance.EnvRegion, "oss-cn-shanghai")
	t.Setenv(conformance.EnvAccessKeyID, "LTAIfake")
	if _, ok := conformance.FromEnv(); ok {
		t.Fatal("FromEnv without a secret reported a target")
	}
	t.Setenv(conformance.EnvAccessKeySecret, "fake-secret")
	got, ok := conformance.FromEnv()
	if !ok || got.Endpoint != "https://oss-cn-shanghai.aliyuncs.com" || got.Region != "cn-shanghai" || got.PathStyle || got.STS != nil || got.Callback != nil {
		t.Fatalf("FromEnv = %+v, %v", got, ok)
	}
	t.Setenv(conformance.EnvSTSRoleARN, "acs:ram::1:role/r")
	t.Setenv(conformance.EnvCallbackURL, "https://cb.example.com/c")
	got, _ = conformance.FromEnv()
	if got.STS == nil || got.STS.Endpoint != "sts.cn-shanghai.aliyuncs.com" || got.STS.RoleARN != "acs:ram::1:role/r" || got.Callback == nil || got.Callback.URL != "https://cb.example.com/c" {
		t.Fatalf("FromEnv with STS and callback = %+v", got)
	}
}
