// Package credenv isolates credentials-go's default chain in tests: every
// source but the environment variables points at nothing, so a test sees
// only the credentials it sets (and never the machine's).
package credenv

import "testing"

// Isolate clears the chain's other sources for the rest of t, through
// t.Setenv: callers cannot be parallel.
func Isolate(t testing.TB) {
	t.Setenv("HOME", t.TempDir()) // no ~/.aliyun/config.json, no ~/.alibabacloud/credentials
	for k, v := range map[string]string{
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
		"ALIBABA_CLOUD_CLI_PROFILE_DISABLED":  "true",
		"ALIBABA_CLOUD_ECS_METADATA":          "",
		"ALIBABA_CLOUD_OIDC_PROVIDER_ARN":     "",
		"ALIBABA_CLOUD_OIDC_TOKEN_FILE":       "",
		"ALIBABA_CLOUD_ROLE_ARN":              "",
		"ALIBABA_CLOUD_CREDENTIALS_URI":       "",
		"ALIBABA_CLOUD_CREDENTIALS_FILE":      "",
		"ALIBABA_CLOUD_CONFIG_FILE":           "",
		"ALIBABA_CLOUD_PROFILE":               "",
		"ALIBABA_CLOUD_ACCESS_KEY_ID":         "",
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET":     "",
		"ALIBABA_CLOUD_SECURITY_TOKEN":        "",
	} {
		t.Setenv(k, v)
	}
}
