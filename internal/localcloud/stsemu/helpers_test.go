package stsemu_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	sts "github.com/alibabacloud-go/sts-20150401/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"

	"ossdirect/internal/localcloud/stsemu"
)

const (
	rootID     = "LTAI5tEmulatorRootKey01"
	rootSecret = "emulator-root-secret-0123456789abcdef"
	testRole   = "acs:ram::1234567890123456:role/oss-uploader"
	// uploadPolicy is the session policy upload.Grant.SessionPolicy emits
	// for bucket "bucket" and directory "prefix/".
	uploadPolicy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:AbortMultipartUpload","oss:ListParts"],"Resource":["acs:oss:*:*:bucket/prefix/*"]}]}`
)

// fixedClock returns a clock stopped at t.
func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// testNow is a wall-clock instant truncated to the second: the SDK stamps
// requests with the real time, so a server clock near it keeps them within
// the 15-minute window while expirations stay exact.
func testNow() time.Time { return time.Now().UTC().Truncate(time.Second) }

func newAuthority(t *testing.T, now func() time.Time) *stsemu.Authority {
	t.Helper()
	a, err := stsemu.NewAuthority(stsemu.AuthorityConfig{AccessKeyID: rootID, AccessKeySecret: rootSecret, Now: now})
	if err != nil {
		t.Fatalf("NewAuthority: %v", err)
	}
	return a
}

// newTestServer starts an emulator on loopback. cfg.Authority defaults to
// one with the root identity and the given clock.
func newTestServer(t *testing.T, cfg stsemu.Config, now func() time.Time) (*httptest.Server, *stsemu.Authority) {
	t.Helper()
	if cfg.Authority == nil {
		cfg.Authority = newAuthority(t, now)
	}
	s, err := stsemu.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv, cfg.Authority
}

// sdkCreds are what the SDK client signs with.
type sdkCreds struct{ id, secret, token string }

var rootCreds = sdkCreds{id: rootID, secret: rootSecret}

// newSDKClient returns the official STS client pointed at srv, configured
// as reference/fc3.md §5.1 describes.
func newSDKClient(t *testing.T, srv *httptest.Server, c sdkCreds) *sts.Client {
	t.Helper()
	cfg := &openapi.Config{
		Endpoint:        tea.String(strings.TrimPrefix(srv.URL, "http://")),
		Protocol:        tea.String("http"),
		AccessKeyId:     tea.String(c.id),
		AccessKeySecret: tea.String(c.secret),
	}
	if c.token != "" {
		cfg.SecurityToken = tea.String(c.token)
	}
	client, err := sts.NewClient(cfg)
	if err != nil {
		t.Fatalf("sts.NewClient: %v", err)
	}
	return client
}

func assumeRole(client *sts.Client, req *sts.AssumeRoleRequest) (*sts.AssumeRoleResponse, error) {
	return client.AssumeRoleWithOptions(req, &util.RuntimeOptions{})
}

// sdkError unwraps the *tea.SDKError the SDK returns for a 4xx/5xx answer.
func sdkError(t *testing.T, err error) (code string, status int, data map[string]any) {
	t.Helper()
	var se *tea.SDKError
	if !errors.As(err, &se) {
		t.Fatalf("error %T %v is not a *tea.SDKError", err, err)
	}
	if se.Data != nil {
		if err := json.Unmarshal([]byte(tea.StringValue(se.Data)), &data); err != nil {
			t.Fatalf("SDKError.Data is not JSON: %v", err)
		}
	}
	return tea.StringValue(se.Code), tea.IntValue(se.StatusCode), data
}

// signedParams returns a complete, signed AssumeRole parameter set for
// method, with extra overriding or adding parameters ("" deletes one) and
// the signature computed last (unless extra sets Signature).
func signedParams(method string, now time.Time, nonce string, extra map[string]string) url.Values {
	v := url.Values{
		"Action":           {"AssumeRole"},
		"Version":          {"2015-04-01"},
		"Format":           {"json"},
		"AccessKeyId":      {rootID},
		"SignatureMethod":  {"HMAC-SHA1"},
		"SignatureVersion": {"1.0"},
		"SignatureNonce":   {nonce},
		"Timestamp":        {now.UTC().Format("2006-01-02T15:04:05Z")},
		"RoleArn":          {testRole},
		"RoleSessionName":  {"raw-session"},
	}
	for k, val := range extra {
		if k == "Signature" {
			continue
		}
		if val == "" {
			v.Del(k)
		} else {
			v.Set(k, val)
		}
	}
	v.Set("Signature", stsemu.SignRPC(method, v, rootSecret))
	if sig, ok := extra["Signature"]; ok {
		v.Set("Signature", sig)
	}
	return v
}

// stsErrorBody is the POP error shape.
type stsErrorBody struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	Recommend string `json:"Recommend"`
}

// doRaw sends req through srv's client and returns the status, the
// x-acs-request-id header and the body.
func doRaw(t *testing.T, srv *httptest.Server, req *http.Request) (int, string, []byte) {
	t.Helper()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return resp.StatusCode, resp.Header.Get("x-acs-request-id"), body
}
