package doctor_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/internal/doctor"
	"ossdirect/internal/localcloud/devstack"
	"ossdirect/shared/api"
	"ossdirect/shared/config"
	"ossdirect/shared/credentials"
	"ossdirect/shared/ossclient"
	"ossdirect/shared/upload"
)

const pageOrigin = "http://page.test"

// startStack runs a local stack whose bucket starts as a fresh OSS bucket
// does, except for the page's CORS rule (the local stack's own).
func startStack(t *testing.T, cfg devstack.Config) *devstack.Stack {
	t.Helper()
	cfg.Addr, cfg.OSSAddr, cfg.STSAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.Dir = t.TempDir()
	cfg.CORSOrigins = []string{pageOrigin}
	s, err := devstack.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("closing the stack: %v", err)
		}
	})
	return s
}

// configFor is the functions' configuration of the stack, as doctor gets it.
func configFor(t *testing.T, s *devstack.Stack) doctor.Config {
	t.Helper()
	profiles, err := upload.ParseProfiles([]byte(devstack.DefaultProfiles()))
	if err != nil {
		t.Fatal(err)
	}
	return doctor.Config{App: &config.Config{
		Bucket: s.Bucket, Region: s.Region, Endpoint: s.OSS, UploadHost: s.OSS + "/" + s.Bucket, Profiles: profiles,
		STS:         config.STS{RoleARN: devstack.DevRoleARN, Endpoint: s.STS},
		CallbackURL: s.API + api.CallbackFn.Path(), CORSOrigins: []string{pageOrigin},
		Credentials: credentials.NewStatic(devstack.DevAccessKeyID, devstack.DevAccessKeySecret, ""),
	}}
}

func sdk(t *testing.T, cfg doctor.Config) *oss.Client {
	t.Helper()
	c, err := ossclient.NewSDK(ossclient.Config{Bucket: cfg.App.Bucket, Region: cfg.App.Region, Endpoint: cfg.App.Endpoint, Credentials: cfg.App.Credentials})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func result(t *testing.T, rep *doctor.Report, id string) doctor.Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no result %q", id)
	return doctor.Result{}
}

// want checks one result's status and that its detail and fix say what
// they must.
func want(t *testing.T, rep *doctor.Report, id string, status doctor.Status, detail, fix string) {
	t.Helper()
	r := result(t, rep, id)
	if r.Status != status || !strings.Contains(r.Detail, detail) || !strings.Contains(r.Fix, fix) {
		t.Errorf("%s: %s %q (fix %q)\nwant %s with %q (fix with %q)", id, r.Status, r.Detail, r.Fix, status, detail, fix)
	}
}

func statuses(rep *doctor.Report) map[string]doctor.Status {
	m := map[string]doctor.Status{}
	for _, r := range rep.Results {
		m[r.ID] = r.Status
	}
	return m
}

func setup(t *testing.T, cfg doctor.Config) []doctor.Change {
	t.Helper()
	plan, err := doctor.Plan(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if err := doctor.Apply(t.Context(), cfg, plan); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return plan
}

// A fresh local stack is a bucket as a user first deploys it: reachable,
// CORS for the page, but no lifecycle rule and no overwrite protection for
// STS clients. Setup's plan writes nothing until applied; applied, doctor
// goes green, and a second plan is empty.
func TestDoctorThenSetupOnTheLocalStack(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{})
	cfg := configFor(t, s)
	rep := doctor.Run(t.Context(), cfg)
	for id, st := range map[string]doctor.Status{
		"endpoint": doctor.StatusPass, "upload-host": doctor.StatusPass, "clock": doctor.StatusPass,
		"signature-v4": doctor.StatusPass, "signature-v1": doctor.StatusPass, "cors": doctor.StatusPass,
		"lifecycle": doctor.StatusFail, "overwrite": doctor.StatusFail, "sts": doctor.StatusPass,
		"callback": doctor.StatusPass, "miniprogram": doctor.StatusWarn,
	} {
		if got := statuses(rep)[id]; got != st {
			r := result(t, rep, id)
			t.Errorf("%s: %s (%s), want %s", id, got, r.Detail, st)
		}
	}
	if rep.OK {
		t.Error("report OK with failures")
	}
	want(t, rep, "lifecycle", doctor.StatusFail, `no rule aborts incomplete multipart uploads under "uploads/"`, "ossdirect setup")
	want(t, rep, "overwrite", doctor.StatusFail, `"uploads/"`, "ossdirect setup")
	want(t, rep, "sts", doctor.StatusPass, "refused one outside (AccessDenied)", "")
	want(t, rep, "callback", doctor.StatusPass, "answers JSON", "")
	want(t, rep, "miniprogram", doctor.StatusWarn, "uploadFile: "+s.OSS, "custom domains")
	if len(rep.Results) != len(doctor.Checks) {
		t.Errorf("%d results for %d checks", len(rep.Results), len(doctor.Checks))
	}

	plan, err := doctor.Plan(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var configs []string
	for _, c := range plan {
		configs = append(configs, c.Config)
	}
	if !slices.Equal(configs, []string{"lifecycle", "overwrite"}) {
		t.Errorf("plan changes %v, want lifecycle and overwrite", configs)
	}
	// A plan alone (setup --dry-run) writes nothing.
	if _, err := sdk(t, cfg).GetBucketLifecycle(t.Context(), &oss.GetBucketLifecycleRequest{Bucket: oss.Ptr(s.Bucket)}); !strings.Contains(errString(err), "NoSuchLifecycle") {
		t.Errorf("after Plan only: %v, want NoSuchLifecycle", err)
	}
	if err := doctor.Apply(t.Context(), cfg, plan); err != nil {
		t.Fatal(err)
	}
	rep = doctor.Run(t.Context(), cfg)
	if !rep.OK {
		t.Errorf("after setup: %v", statuses(rep))
	}
	want(t, rep, "lifecycle", doctor.StatusPass, "aborted", "")
	want(t, rep, "overwrite", doctor.StatusPass, "forbidden", "")
	if plan, err := doctor.Plan(t.Context(), cfg); err != nil || len(plan) != 0 {
		t.Errorf("second plan %+v, %v: want nothing to do", plan, err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Each broken set-up is reported with its fix; setup fixes the
// bucket-side ones and keeps the rules the bucket had.
func TestDoctorNamesBrokenSetUps(t *testing.T) {
	t.Parallel()
	type env struct {
		s   *devstack.Stack
		cfg doctor.Config
	}
	tests := []struct {
		name  string
		stack devstack.Config
		// breakIt changes the stack or the configuration.
		breakIt func(t *testing.T, e *env)
		check   func(t *testing.T, rep *doctor.Report)
		// afterSetup, when set, runs setup and checks again.
		afterSetup func(t *testing.T, e *env, rep *doctor.Report)
	}{
		{
			name: "CORS rule without ETag",
			breakIt: func(t *testing.T, e *env) {
				_, err := sdk(t, e.cfg).PutBucketCors(t.Context(), &oss.PutBucketCorsRequest{Bucket: oss.Ptr(e.s.Bucket),
					CORSConfiguration: &oss.CORSConfiguration{CORSRules: []oss.CORSRule{{AllowedOrigins: []string{"*"},
						AllowedMethods: []string{"GET", "PUT", "POST", "DELETE", "HEAD"}, AllowedHeaders: []string{"*"}}}}})
				if err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, rep *doctor.Report) {
				want(t, rep, "cors", doctor.StatusFail, "lacks exposed header ETag, exposed header x-oss-request-id", "ossdirect setup --page-origin "+pageOrigin)
			},
			afterSetup: func(t *testing.T, e *env, rep *doctor.Report) {
				want(t, rep, "cors", doctor.StatusPass, pageOrigin, "")
				r, err := sdk(t, e.cfg).GetBucketCors(t.Context(), &oss.GetBucketCorsRequest{Bucket: oss.Ptr(e.s.Bucket)})
				if err != nil {
					t.Fatal(err)
				}
				rules := r.CORSConfiguration.CORSRules
				if len(rules) != 2 || !slices.Equal(rules[0].AllowedOrigins, []string{pageOrigin}) || !slices.Equal(rules[1].AllowedOrigins, []string{"*"}) {
					t.Errorf("rules after setup %+v: want ossdirect's first, then the bucket's own", rules)
				}
			},
		},
		{
			name: "no CORS",
			breakIt: func(t *testing.T, e *env) {
				if _, err := sdk(t, e.cfg).DeleteBucketCors(t.Context(), &oss.DeleteBucketCorsRequest{Bucket: oss.Ptr(e.s.Bucket)}); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, rep *doctor.Report) {
				want(t, rep, "cors", doctor.StatusFail, "the bucket has no CORS rules", "ossdirect setup --page-origin "+pageOrigin)
			},
			afterSetup: func(t *testing.T, e *env, rep *doctor.Report) {
				want(t, rep, "cors", doctor.StatusPass, pageOrigin, "")
			},
		},
		{
			name:    "clock 20 minutes off",
			breakIt: func(t *testing.T, e *env) { e.s.OSSEmulator().SetClockOffset(20 * time.Minute) },
			check: func(t *testing.T, rep *doctor.Report) {
				want(t, rep, "clock", doctor.StatusFail, "about -20m0s off OSS's", "NTP")
			},
		},
		{
			name:    "endpoint that takes only V1",
			breakIt: func(t *testing.T, e *env) { e.s.OSSEmulator().SetRefuseV4(true) },
			check: func(t *testing.T, rep *doctor.Report) {
				want(t, rep, "signature-v4", doctor.StatusFail, "refused where V1 works", "takes only V1")
				want(t, rep, "endpoint", doctor.StatusPass, "reached bucket", "")
			},
		},
		{
			name:    "V1 refused (new account)",
			breakIt: func(t *testing.T, e *env) { e.s.OSSEmulator().SetRefuseV1(true) },
			check: func(t *testing.T, rep *doctor.Report) {
				want(t, rep, "signature-v1", doctor.StatusWarn, "V1 signatures are refused", "native route")
				want(t, rep, "signature-v4", doctor.StatusPass, "accepted", "")
			},
		},
		{
			name: "V1 refused and a profile signs V1",
			breakIt: func(t *testing.T, e *env) {
				e.s.OSSEmulator().SetRefuseV1(true)
				p := e.cfg.App.Profiles["default"]
				p.SignatureVersion = upload.SignatureV1
				e.cfg.App.Profiles["default"] = p
			},
			check: func(t *testing.T, rep *doctor.Report) {
				want(t, rep, "signature-v1", doctor.StatusFail, "profile default sign V1", `"signatureVersion": "v4"`)
			},
		},
		{
			name:    "default endpoint forbidden to a new account",
			breakIt: func(t *testing.T, e *env) { e.s.OSSEmulator().SetPublicEndpointForbidden(true) },
			check: func(t *testing.T, rep *doctor.Report) {
				want(t, rep, "endpoint", doctor.StatusFail, "PublicEndpointForbidden", "bind a custom domain")
				want(t, rep, "upload-host", doctor.StatusFail, "PublicEndpointForbidden", "OSS_UPLOAD_HOST")
			},
		},
		{
			name: "lifecycle rules of the bucket's own are kept",
			breakIt: func(t *testing.T, e *env) {
				_, err := sdk(t, e.cfg).PutBucketLifecycle(t.Context(), &oss.PutBucketLifecycleRequest{Bucket: oss.Ptr(e.s.Bucket),
					LifecycleConfiguration: &oss.LifecycleConfiguration{Rules: []oss.LifecycleRule{{ID: oss.Ptr("tmp-expiry"),
						Prefix: oss.Ptr("tmp/"), Status: oss.Ptr("Enabled"), Expiration: &oss.LifecycleRuleExpiration{Days: oss.Ptr(int32(1))}}}}})
				if err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, rep *doctor.Report) {
				want(t, rep, "lifecycle", doctor.StatusFail, "no rule aborts incomplete multipart uploads", "existing rules are kept")
			},
			afterSetup: func(t *testing.T, e *env, rep *doctor.Report) {
				want(t, rep, "lifecycle", doctor.StatusPass, "aborted", "")
				r, err := sdk(t, e.cfg).GetBucketLifecycle(t.Context(), &oss.GetBucketLifecycleRequest{Bucket: oss.Ptr(e.s.Bucket)})
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, rule := range r.LifecycleConfiguration.Rules {
					ids = append(ids, oss.ToString(rule.ID))
				}
				if !slices.Equal(ids, []string{"tmp-expiry", doctor.AbortRuleID, doctor.EventsRuleID, doctor.RecordsRuleID}) {
					t.Errorf("rules after setup %v", ids)
				}
			},
		},
		{
			name: "overwrite rules of the bucket's own are kept",
			breakIt: func(t *testing.T, e *env) {
				_, err := sdk(t, e.cfg).PutBucketOverwriteConfig(t.Context(), &oss.PutBucketOverwriteConfigRequest{Bucket: oss.Ptr(e.s.Bucket),
					OverwriteConfiguration: &oss.OverwriteConfiguration{Rules: []oss.OverwriteRule{{ID: oss.Ptr("keep-logs"), Action: oss.Ptr("forbid"), Prefix: oss.Ptr("logs/")}}}})
				if err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, rep *doctor.Report) {
				want(t, rep, "overwrite", doctor.StatusFail, "can be replaced", "existing rules are kept")
			},
			afterSetup: func(t *testing.T, e *env, rep *doctor.Report) {
				want(t, rep, "overwrite", doctor.StatusPass, "forbidden", "")
				r, err := sdk(t, e.cfg).GetBucketOverwriteConfig(t.Context(), &oss.GetBucketOverwriteConfigRequest{Bucket: oss.Ptr(e.s.Bucket)})
				if err != nil {
					t.Fatal(err)
				}
				if rules := r.OverwriteConfiguration.Rules; len(rules) != 2 || oss.ToString(rules[0].ID) != "keep-logs" {
					t.Errorf("rules after setup %+v: want keep-logs kept first", rules)
				}
			},
		},
		{
			name:  "STS role that cannot be assumed",
			stack: devstack.Config{STSRoles: []string{devstack.DevRoleARN}},
			breakIt: func(t *testing.T, e *env) {
				e.cfg.App.STS.RoleARN = "acs:ram::" + devstack.DevAccountID + ":role/never-created"
			},
			check: func(t *testing.T, rep *doctor.Report) {
				want(t, rep, "sts", doctor.StatusFail, "EntityNotExist.Role", "the role must exist")
			},
		},
		{
			name:    "callback URL unreachable",
			breakIt: func(t *testing.T, e *env) { e.cfg.App.CallbackURL = closedURL(t) + "/callback" },
			check: func(t *testing.T, rep *doctor.Report) {
				want(t, rep, "callback", doctor.StatusFail, "connection refused", "reachable")
			},
		},
		{
			name: "callback server answering HTML",
			breakIt: func(t *testing.T, e *env) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(http.StatusNotFound)
					w.Write([]byte("<h1>Not Found</h1>"))
				}))
				t.Cleanup(srv.Close)
				e.cfg.App.CallbackURL = srv.URL + "/callback"
			},
			check: func(t *testing.T, rep *doctor.Report) {
				want(t, rep, "callback", doctor.StatusFail, "203 CallbackFailed", "ossdirect's callback function")
			},
		},
		{
			name: "callback certificate not from a public CA",
			breakIt: func(t *testing.T, e *env) {
				srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusForbidden)
					w.Write([]byte(`{"code":"Forbidden"}`))
				}))
				srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
				srv.StartTLS()
				t.Cleanup(srv.Close)
				e.cfg.App.CallbackURL = srv.URL + "/callback"
			},
			check: func(t *testing.T, rep *doctor.Report) {
				want(t, rep, "callback", doctor.StatusFail, "not signed by a public CA", "public CA")
			},
		},
		{
			name: "callback URL not HTTPS",
			breakIt: func(t *testing.T, e *env) {
				e.cfg.App.CallbackURL = "http://callback.example.com/callback"
			},
			check: func(t *testing.T, rep *doctor.Report) {
				want(t, rep, "callback", doctor.StatusFail, "is not HTTPS", "HTTPS")
			},
		},
		{
			name: "mini-program on FC's default domain",
			breakIt: func(t *testing.T, e *env) {
				e.cfg.FunctionURLs = []string{"https://post-signature-abc.cn-hangzhou.fcapp.run"}
				e.cfg.App.UploadHost = "https://localhost:1" // refused at once: no DNS, no network
			},
			check: func(t *testing.T, rep *doctor.Report) {
				want(t, rep, "miniprogram", doctor.StatusWarn, "fcapp.run is FC's default domain", "custom domains")
				want(t, rep, "miniprogram", doctor.StatusWarn, "uploadFile: https://localhost:1", "")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startStack(t, tt.stack)
			e := &env{s: s, cfg: configFor(t, s)}
			tt.breakIt(t, e)
			rep := doctor.Run(t.Context(), e.cfg)
			tt.check(t, rep)
			if rep.OK {
				t.Error("report OK for a broken set-up")
			}
			if tt.afterSetup != nil {
				setup(t, e.cfg)
				tt.afterSetup(t, e, doctor.Run(t.Context(), e.cfg))
			}
		})
	}
}

// closedURL is a loopback URL nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	return u
}
