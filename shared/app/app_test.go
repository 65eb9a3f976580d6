package app_test

import (
	"errors"
	"testing"

	"ossdirect/shared/api"
	"ossdirect/shared/app"
	"ossdirect/shared/config"
	"ossdirect/shared/credentials"
)

func testConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load(func(name string) (string, bool) {
		v, ok := map[string]string{
			"OSS_BUCKET": "dev-bucket", "OSS_REGION": "oss-cn-hangzhou", "AUTH_MODE": "none",
			"STS_ROLE_ARN": "acs:ram::1234567890123456:role/uploader", "STS_ENDPOINT": "http://127.0.0.1:9",
		}[name]
		return v, ok
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Credentials = credentials.NewStatic("id", "secret", "")
	return cfg
}

func TestBuild(t *testing.T) {
	t.Parallel()
	for _, fn := range api.Functions() {
		t.Run(fn.String(), func(t *testing.T) {
			t.Parallel()
			h, opts, err := app.Build(fn, testConfig(t), nil)
			if err != nil || h == nil {
				t.Fatalf("Build: %v", err)
			}
			if (opts.Events != nil) != (fn == api.CallbackFn) {
				t.Errorf("OSS event handler set: %v", opts.Events != nil)
			}
		})
	}
}

func TestBuildRefuses(t *testing.T) {
	t.Parallel()
	if _, _, err := app.Build(api.Function{}, testConfig(t), nil); err == nil {
		t.Error("zero Function: no error")
	}
	noCreds := testConfig(t)
	noCreds.Credentials = nil
	if _, _, err := app.Build(api.PostSignature, noCreds, nil); err == nil {
		t.Error("no credentials provider: no error")
	}
	noRole := testConfig(t)
	noRole.STS.RoleARN = ""
	if _, _, err := app.Build(api.STSToken, noRole, nil); !errors.Is(err, config.ErrInvalid) {
		t.Errorf("sts-token without STS_ROLE_ARN: err = %v, want config.ErrInvalid", err)
	}
	if _, _, err := app.Build(api.PresignedURL, noRole, nil); err != nil {
		t.Errorf("presigned-url needs no STS role: %v", err)
	}
}
