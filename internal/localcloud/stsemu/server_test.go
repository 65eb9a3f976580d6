package stsemu_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	sts "github.com/alibabacloud-go/sts-20150401/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"

	"ossdirect/internal/localcloud/stsemu"
	"ossdirect/shared/upload"
)

// paddedPolicy returns uploadPolicy padded with spaces inside the object to
// exactly n characters.
func paddedPolicy(t *testing.T, n int) string {
	t.Helper()
	pad := n - len(uploadPolicy)
	if pad < 0 {
		t.Fatalf("cannot pad to %d", n)
	}
	return "{" + strings.Repeat(" ", pad) + uploadPolicy[1:]
}

// TestSDKAssumeRole drives the emulator with the official STS SDK and
// checks the response and that the credentials verify with the Authority.
func TestSDKAssumeRole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		cfg          stsemu.Config
		policy       *string
		duration     *int64
		session      string
		wantDuration time.Duration
	}{
		{name: "no policy, default duration", session: "session-1", wantDuration: time.Hour},
		{name: "upload session policy", policy: tea.String(uploadPolicy), duration: tea.Int64(900), session: "user@example.com", wantDuration: 900 * time.Second},
		{name: "policy of exactly 2048 characters", policy: tea.String(paddedPolicy(t, 2048)), session: "pad_2048", wantDuration: time.Hour},
		{name: "maximum duration", duration: tea.Int64(3600), session: "s.max-1", wantDuration: time.Hour},
		{name: "configured maximum above one hour", cfg: stsemu.Config{MaxDuration: 2 * time.Hour}, duration: tea.Int64(7200), session: "long", wantDuration: 2 * time.Hour},
		{name: "empty policy means none", policy: tea.String(""), session: "empty-policy", wantDuration: time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := testNow()
			srv, auth := newTestServer(t, tt.cfg, fixedClock(now))
			client := newSDKClient(t, srv, rootCreds)
			req := &sts.AssumeRoleRequest{
				RoleArn:         tea.String(testRole),
				RoleSessionName: tea.String(tt.session),
				Policy:          tt.policy,
				DurationSeconds: tt.duration,
			}
			resp, err := assumeRole(client, req)
			if err != nil {
				t.Fatalf("AssumeRole: %v", err)
			}
			if got := tea.Int32Value(resp.StatusCode); got != http.StatusOK {
				t.Errorf("status = %d, want 200", got)
			}
			body := resp.Body
			if tea.StringValue(body.RequestId) == "" {
				t.Error("empty RequestId")
			}
			if got, want := tea.StringValue(body.AssumedRoleUser.Arn), testRole+"/"+tt.session; got != want {
				t.Errorf("AssumedRoleUser.Arn = %q, want %q", got, want)
			}
			if got := tea.StringValue(body.AssumedRoleUser.AssumedRoleId); !regexp.MustCompile(`^3[0-9]{17}:` + regexp.QuoteMeta(tt.session) + `$`).MatchString(got) {
				t.Errorf("AssumedRoleId = %q, want <18-digit id>:%s", got, tt.session)
			}
			c := body.Credentials
			ak, secret, token := tea.StringValue(c.AccessKeyId), tea.StringValue(c.AccessKeySecret), tea.StringValue(c.SecurityToken)
			if !strings.HasPrefix(ak, "STS.") || secret == "" || !strings.HasPrefix(token, "CAIS") {
				t.Errorf("credentials look wrong: ak %q, secret set %v, token prefix %q", ak, secret != "", token[:min(4, len(token))])
			}
			if got, want := tea.StringValue(c.Expiration), now.Add(tt.wantDuration).Format("2006-01-02T15:04:05Z"); got != want {
				t.Errorf("Expiration = %q, want %q", got, want)
			}

			id, err := auth.Lookup(ak, token, now)
			if err != nil {
				t.Fatalf("Lookup of issued credentials: %v", err)
			}
			if id.AccessKeySecret != secret || id.RoleARN != testRole || id.SessionName != tt.session {
				t.Errorf("Lookup = role %q session %q, secret match %v", id.RoleARN, id.SessionName, id.AccessKeySecret == secret)
			}
			if got, want := id.AssumedRoleID(), tea.StringValue(body.AssumedRoleUser.AssumedRoleId); got != want {
				t.Errorf("Identity.AssumedRoleID() = %q, AssumeRole answered %q", got, want)
			}
			wantPolicy := tea.StringValue(tt.policy)
			if got := id.Policy.String(); got != wantPolicy {
				t.Errorf("Lookup policy = %q, want %q", got, wantPolicy)
			}
			put, get := id.Allows("oss:PutObject", "acs:oss:*:*:bucket/prefix/x.png"), id.Allows("oss:GetObject", "acs:oss:*:*:bucket/prefix/x.png")
			if wantPolicy == "" {
				if !put || !get {
					t.Errorf("without a session policy everything is allowed; got put %v get %v", put, get)
				}
			} else if !put || get {
				t.Errorf("with the upload policy: put %v (want true), get %v (want false)", put, get)
			}
		})
	}
}

// TestSDKAssumeRoleErrors checks that every validation error reaches the
// SDK caller as a *tea.SDKError with STS's code and status.
func TestSDKAssumeRoleErrors(t *testing.T) {
	t.Parallel()
	tooLong := paddedPolicy(t, 2049)
	tests := []struct {
		name       string
		creds      sdkCreds
		clockShift time.Duration
		req        sts.AssumeRoleRequest
		wantCode   string
		wantStatus int
	}{
		{name: "missing RoleArn", req: sts.AssumeRoleRequest{RoleSessionName: tea.String("s1")}, wantCode: "MissingParameter", wantStatus: 400},
		{name: "missing RoleSessionName", req: sts.AssumeRoleRequest{RoleArn: tea.String(testRole)}, wantCode: "MissingParameter", wantStatus: 400},
		{name: "RoleArn with letters in account", req: sts.AssumeRoleRequest{RoleArn: tea.String("acs:ram::12ab:role/x"), RoleSessionName: tea.String("s1")}, wantCode: "InvalidParameter.RoleArn", wantStatus: 400},
		{name: "RoleArn of another service", req: sts.AssumeRoleRequest{RoleArn: tea.String("acs:oss::123:role/x"), RoleSessionName: tea.String("s1")}, wantCode: "InvalidParameter.RoleArn", wantStatus: 400},
		{name: "RoleArn without role name", req: sts.AssumeRoleRequest{RoleArn: tea.String("acs:ram::123:role/"), RoleSessionName: tea.String("s1")}, wantCode: "InvalidParameter.RoleArn", wantStatus: 400},
		{name: "RoleSessionName too short", req: sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("a")}, wantCode: "InvalidParameter.RoleSessionName", wantStatus: 400},
		{name: "RoleSessionName too long", req: sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String(strings.Repeat("a", 65))}, wantCode: "InvalidParameter.RoleSessionName", wantStatus: 400},
		{name: "RoleSessionName with a space", req: sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("a b")}, wantCode: "InvalidParameter.RoleSessionName", wantStatus: 400},
		{name: "DurationSeconds below 900", req: sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1"), DurationSeconds: tea.Int64(899)}, wantCode: "InvalidParameter.DurationSeconds", wantStatus: 400},
		{name: "DurationSeconds above 3600", req: sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1"), DurationSeconds: tea.Int64(3601)}, wantCode: "InvalidParameter.DurationSeconds", wantStatus: 400},
		{name: "Policy not JSON", req: sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1"), Policy: tea.String("allow everything")}, wantCode: "InvalidParameter.PolicyGrammar", wantStatus: 400},
		{name: "Policy Version 2", req: sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1"), Policy: tea.String(strings.Replace(uploadPolicy, `"1"`, `"2"`, 1))}, wantCode: "InvalidParameter.PolicyGrammar", wantStatus: 400},
		{name: "Policy lower-case effect", req: sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1"), Policy: tea.String(strings.Replace(uploadPolicy, "Allow", "allow", 1))}, wantCode: "InvalidParameter.PolicyGrammar", wantStatus: 400},
		{name: "Policy of 2049 characters", req: sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1"), Policy: tea.String(tooLong)}, wantCode: "InvalidParameter.PolicySize", wantStatus: 400},
		{name: "unknown access key", creds: sdkCreds{id: "LTAI5tSomeoneElse", secret: rootSecret}, req: sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1")}, wantCode: "InvalidAccessKeyId.NotFound", wantStatus: 404},
		{name: "wrong secret", creds: sdkCreds{id: rootID, secret: "not-the-secret"}, req: sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1")}, wantCode: "SignatureDoesNotMatch", wantStatus: 400},
		{name: "server clock 16 minutes ahead", clockShift: 16 * time.Minute, req: sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1")}, wantCode: "InvalidTimeStamp.Expired", wantStatus: 400},
		{name: "server clock 16 minutes behind", clockShift: -16 * time.Minute, req: sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1")}, wantCode: "InvalidTimeStamp.Expired", wantStatus: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newTestServer(t, stsemu.Config{}, fixedClock(testNow().Add(tt.clockShift)))
			creds := tt.creds
			if creds.id == "" {
				creds = rootCreds
			}
			_, err := assumeRole(newSDKClient(t, srv, creds), &tt.req)
			if err == nil {
				t.Fatal("AssumeRole succeeded, want an error")
			}
			code, status, data := sdkError(t, err)
			if code != tt.wantCode || status != tt.wantStatus {
				t.Errorf("got %s (%d), want %s (%d); error: %v", code, status, tt.wantCode, tt.wantStatus, err)
			}
			for _, k := range []string{"RequestId", "HostId", "Code", "Message", "Recommend"} {
				if s, _ := data[k].(string); s == "" {
					t.Errorf("error body field %s is empty: %v", k, data)
				}
			}
			if strings.Contains(err.Error(), rootSecret) {
				t.Error("error exposes the root secret")
			}
		})
	}
}

// TestSDKSignatureMismatchMessage checks the SignatureDoesNotMatch message:
// it carries the server's string to sign (which holds no secret), so a
// client can diff it against its own.
func TestSDKSignatureMismatchMessage(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, stsemu.Config{}, fixedClock(testNow()))
	_, err := assumeRole(newSDKClient(t, srv, sdkCreds{id: rootID, secret: "wrong"}),
		&sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1")})
	_, _, data := sdkError(t, err)
	msg, _ := data["Message"].(string)
	_, sts, ok := strings.Cut(msg, "server string to sign is:")
	if !ok || !strings.HasPrefix(sts, "POST&%2F&AccessKeyId%3D"+rootID+"%26Action%3DAssumeRole%26") {
		t.Errorf("Message = %q, want the string to sign after %q", msg, "server string to sign is:")
	}
	if strings.Contains(msg, rootSecret) || strings.Contains(msg, "wrong&") {
		t.Error("message contains a secret")
	}
}

// TestSDKCallerWithSTSCredentials: role chaining is not emulated; STS
// credentials are refused as an unknown access key.
func TestSDKCallerWithSTSCredentials(t *testing.T) {
	t.Parallel()
	now := testNow()
	srv, auth := newTestServer(t, stsemu.Config{}, fixedClock(now))
	creds, err := auth.Issue(testRole, "first", nil, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	client := newSDKClient(t, srv, sdkCreds{id: creds.AccessKeyID, secret: creds.AccessKeySecret, token: creds.SecurityToken})
	_, err = assumeRole(client, &sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("second")})
	if code, status, _ := sdkError(t, err); code != "InvalidAccessKeyId.NotFound" || status != 404 {
		t.Errorf("got %s (%d), want InvalidAccessKeyId.NotFound (404)", code, status)
	}
}

// TestSDKUploadGrantPolicy issues credentials for the exact session policy
// upload.Grant.SessionPolicy produces, and checks what they allow.
func TestSDKUploadGrantPolicy(t *testing.T) {
	t.Parallel()
	g := &upload.Grant{Bucket: "bucket", Dir: "prefix/"}
	doc, err := g.SessionPolicy("")
	if err != nil {
		t.Fatalf("SessionPolicy: %v", err)
	}
	if string(doc) != uploadPolicy {
		t.Fatalf("upload.Grant.SessionPolicy changed:\n got %s\nwant %s", doc, uploadPolicy)
	}
	now := testNow()
	srv, auth := newTestServer(t, stsemu.Config{}, fixedClock(now))
	resp, err := assumeRole(newSDKClient(t, srv, rootCreds), &sts.AssumeRoleRequest{
		RoleArn: tea.String(testRole), RoleSessionName: tea.String("uploader"), Policy: tea.String(string(doc)),
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	c := resp.Body.Credentials
	id, err := auth.Lookup(tea.StringValue(c.AccessKeyId), tea.StringValue(c.SecurityToken), time.Time{})
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	checks := []struct {
		action, resource string
		want             bool
	}{
		{"oss:PutObject", "acs:oss:*:*:bucket/prefix/x.png", true},
		{"oss:PutObject", "acs:oss:*:*:bucket/other/x.png", false},
		{"oss:GetObject", "acs:oss:*:*:bucket/prefix/x.png", false},
		{"oss:DeleteObject", "acs:oss:*:*:bucket/prefix/x.png", false},
	}
	for _, c := range checks {
		if got := id.Allows(c.action, c.resource); got != c.want {
			t.Errorf("Allows(%s, %s) = %v, want %v", c.action, c.resource, got, c.want)
		}
	}
}

// recorder wraps a handler and keeps the last request's method and query.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	last []string // method, raw query
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.last = []string{r.Method, r.URL.RawQuery}
	rec.mu.Unlock()
	rec.next.ServeHTTP(w, r)
}

// TestSDKRequestReplay replays a request the SDK sent: same nonce, same
// signature, within the time window, so it must be refused.
func TestSDKRequestReplay(t *testing.T) {
	t.Parallel()
	s, err := stsemu.New(stsemu.Config{Authority: newAuthority(t, fixedClock(testNow()))})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{next: s}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	if _, err := assumeRole(newSDKClient(t, srv, rootCreds), &sts.AssumeRoleRequest{
		RoleArn: tea.String(testRole), RoleSessionName: tea.String("once"),
	}); err != nil {
		t.Fatalf("first AssumeRole: %v", err)
	}
	rec.mu.Lock()
	method, query := rec.last[0], rec.last[1]
	rec.mu.Unlock()
	req, err := http.NewRequest(method, srv.URL+"/?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	status, _, body := doRaw(t, srv, req)
	var e stsErrorBody
	if err := json.Unmarshal(body, &e); err != nil || status != 400 || e.Code != "SignatureNonceUsed" {
		t.Errorf("replay: status %d body %s, want 400 SignatureNonceUsed", status, body)
	}
}

// TestRawRequests covers what the SDK cannot send: other methods, actions,
// malformed parameters, form bodies (ali-oss), GET.
func TestRawRequests(t *testing.T) {
	t.Parallel()
	now := testNow()
	tests := []struct {
		name        string
		method      string
		path        string
		extra       map[string]string // changes to the signed parameter set
		signAs      string            // method to sign for; "" means method
		rawQuery    string            // replaces the query; "-" means none
		form        bool              // send parameters as a form body
		addQuery    string            // raw query added to a form request
		bodySuffix  string            // raw text appended to the form body
		wantStatus  int
		wantCode    string // "" means success
		wantSession string
	}{
		{name: "GET with query", method: "GET", wantStatus: 200, wantSession: "raw-session"},
		{name: "POST form body like ali-oss", method: "POST", form: true, wantStatus: 200, wantSession: "raw-session"},
		{name: "ali-oss Timestamp with milliseconds and Format JSON", method: "POST", form: true, extra: map[string]string{"Timestamp": now.Format("2006-01-02T15:04:05.000Z"), "Format": "JSON"}, wantStatus: 200},
		{name: "POST with policy containing spaces and stars", method: "POST", extra: map[string]string{"Policy": `{"Version": "1", "Statement": {"Effect": "Allow", "Action": "oss:*", "Resource": "acs:oss:*:*:b/ü dir/*"}}`}, wantStatus: 200},
		{name: "SourceIdentity echoed", method: "POST", extra: map[string]string{"SourceIdentity": "alice@example.com"}, wantStatus: 200},
		{name: "ExternalId accepted", method: "POST", extra: map[string]string{"ExternalId": "abcd:efg/hij"}, wantStatus: 200},
		{name: "PUT", method: "PUT", wantStatus: 405, wantCode: "UnsupportedHTTPMethod"},
		{name: "DELETE", method: "DELETE", wantStatus: 405, wantCode: "UnsupportedHTTPMethod"},
		{name: "other action", method: "POST", extra: map[string]string{"Action": "GetCallerIdentity"}, wantStatus: 404, wantCode: "InvalidAction.NotFound"},
		{name: "AssumeRoleWithSAML", method: "POST", extra: map[string]string{"Action": "AssumeRoleWithSAML"}, wantStatus: 404, wantCode: "InvalidAction.NotFound"},
		{name: "other path", method: "POST", path: "/v2/", wantStatus: 404, wantCode: "InvalidAction.NotFound"},
		{name: "other version", method: "POST", extra: map[string]string{"Version": "2014-01-01"}, wantStatus: 400, wantCode: "InvalidVersion"},
		{name: "missing Action", method: "POST", extra: map[string]string{"Action": ""}, wantStatus: 400, wantCode: "MissingParameter"},
		{name: "missing SignatureNonce", method: "POST", extra: map[string]string{"SignatureNonce": ""}, wantStatus: 400, wantCode: "MissingParameter"},
		{name: "missing Timestamp", method: "POST", extra: map[string]string{"Timestamp": ""}, wantStatus: 400, wantCode: "MissingParameter"},
		{name: "missing Signature", method: "POST", extra: map[string]string{"Signature": ""}, wantStatus: 400, wantCode: "MissingParameter"},
		{name: "missing AccessKeyId", method: "POST", extra: map[string]string{"AccessKeyId": ""}, wantStatus: 400, wantCode: "MissingParameter"},
		{name: "SignatureMethod HMAC-SHA256", method: "POST", extra: map[string]string{"SignatureMethod": "HMAC-SHA256"}, wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "SignatureVersion 2.0", method: "POST", extra: map[string]string{"SignatureVersion": "2.0"}, wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "bearer token signature", method: "POST", extra: map[string]string{"SignatureType": "BEARERTOKEN"}, wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "Format XML", method: "POST", extra: map[string]string{"Format": "XML"}, wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "Timestamp not ISO 8601", method: "POST", extra: map[string]string{"Timestamp": "yesterday"}, wantStatus: 400, wantCode: "InvalidTimeStamp.Format"},
		{name: "Timestamp with offset", method: "POST", extra: map[string]string{"Timestamp": "2024-01-01T00:00:00+08:00"}, wantStatus: 400, wantCode: "InvalidTimeStamp.Format"},
		{name: "Timestamp from 2016", method: "POST", extra: map[string]string{"Timestamp": "2016-02-23T12:46:24Z"}, wantStatus: 400, wantCode: "InvalidTimeStamp.Expired"},
		{name: "nonce too long", method: "POST", extra: map[string]string{"SignatureNonce": strings.Repeat("n", 257)}, wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "signature of GET sent as POST", method: "POST", signAs: "GET", wantStatus: 400, wantCode: "SignatureDoesNotMatch"},
		{name: "bad signature", method: "GET", extra: map[string]string{"Signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}, wantStatus: 400, wantCode: "SignatureDoesNotMatch"},
		{name: "access key of STS form", method: "GET", extra: map[string]string{"AccessKeyId": "STS.NUgYrLnoC37mZZCNnAbez2EQs"}, wantStatus: 404, wantCode: "InvalidAccessKeyId.NotFound"},
		{name: "DurationSeconds not a number", method: "POST", extra: map[string]string{"DurationSeconds": "1h"}, wantStatus: 400, wantCode: "InvalidParameter.DurationSeconds"},
		{name: "bad ExternalId", method: "POST", extra: map[string]string{"ExternalId": "x"}, wantStatus: 400, wantCode: "InvalidParameter.ExternalId"},
		{name: "bad SourceIdentity", method: "POST", extra: map[string]string{"SourceIdentity": "has space"}, wantStatus: 400, wantCode: "InvalidParameter.SourceIdentity"},
		{name: "Policy with Condition accepted", method: "POST", extra: map[string]string{"Policy": `{"Version":"1","Statement":[{"Effect":"Deny","Action":"oss:*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8"]}}}]}`}, wantStatus: 200},
		{name: "Policy NotAction refused", method: "POST", extra: map[string]string{"Policy": `{"Version":"1","Statement":[{"Effect":"Allow","NotAction":"oss:GetObject","Resource":"*"}]}`}, wantStatus: 400, wantCode: "InvalidParameter.PolicyGrammar"},
		{name: "malformed query", method: "POST", rawQuery: "Action=%zz", wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "parameter in query and body", method: "POST", form: true, addQuery: "RoleSessionName=other", wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "body too large", method: "POST", form: true, bodySuffix: "&X=" + strings.Repeat("a", stsemu.MaxRequestBytes), wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "query too large", method: "POST", extra: map[string]string{"X": strings.Repeat("a", stsemu.MaxRequestBytes)}, wantStatus: 400, wantCode: "InvalidParameter"},
		{name: "empty request", method: "POST", rawQuery: "-", wantStatus: 400, wantCode: "MissingParameter"},
	}
	srv, auth := newTestServer(t, stsemu.Config{}, fixedClock(now))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			signAs := tt.signAs
			if signAs == "" {
				signAs = tt.method
			}
			params := signedParams(signAs, now, fmt.Sprintf("nonce-raw-%d", i), tt.extra)
			u := srv.URL + tt.path
			if tt.path == "" {
				u += "/"
			}
			body := ""
			switch {
			case tt.rawQuery == "-":
			case tt.rawQuery != "":
				u += "?" + tt.rawQuery
			case tt.form:
				if tt.addQuery != "" {
					u += "?" + tt.addQuery
				}
				body = params.Encode() + tt.bodySuffix
			default:
				u += "?" + params.Encode()
			}
			req, err := http.NewRequest(tt.method, u, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.form {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			}
			status, reqID, respBody := doRaw(t, srv, req)
			if status != tt.wantStatus {
				t.Errorf("status = %d, want %d; body %s", status, tt.wantStatus, respBody)
			}
			if reqID == "" {
				t.Error("no x-acs-request-id header")
			}
			if bytes.Contains(respBody, []byte(rootSecret)) {
				t.Error("response contains the root secret")
			}
			if tt.wantCode == "" {
				var ok struct {
					RequestID      string `json:"RequestId"`
					SourceIdentity string
					Credentials    struct{ AccessKeyId, SecurityToken string }
				}
				if err := json.Unmarshal(respBody, &ok); err != nil {
					t.Fatalf("success body is not JSON: %v", err)
				}
				if ok.RequestID != reqID {
					t.Errorf("RequestId %q differs from header %q", ok.RequestID, reqID)
				}
				id, err := auth.Lookup(ok.Credentials.AccessKeyId, ok.Credentials.SecurityToken, now)
				if err != nil {
					t.Fatalf("Lookup: %v", err)
				}
				if tt.wantSession != "" && id.SessionName != tt.wantSession {
					t.Errorf("SessionName = %q, want %q", id.SessionName, tt.wantSession)
				}
				if want := tt.extra["SourceIdentity"]; ok.SourceIdentity != want {
					t.Errorf("SourceIdentity = %q, want %q", ok.SourceIdentity, want)
				}
				return
			}
			var e stsErrorBody
			if err := json.Unmarshal(respBody, &e); err != nil {
				t.Fatalf("error body is not JSON: %v: %s", err, respBody)
			}
			if e.Code != tt.wantCode {
				t.Errorf("Code = %q, want %q (%s)", e.Code, tt.wantCode, e.Message)
			}
			if e.RequestID != reqID || e.HostID == "" || e.Message == "" || e.Recommend == "" {
				t.Errorf("incomplete error body %+v (header id %q)", e, reqID)
			}
		})
	}
}

// TestRawNonceReplay: a nonce is single-use while its timestamp can still
// be accepted, even for a request signed again.
func TestRawNonceReplay(t *testing.T) {
	t.Parallel()
	now := testNow()
	srv, _ := newTestServer(t, stsemu.Config{}, fixedClock(now))
	send := func(session string) (int, stsErrorBody) {
		p := signedParams("GET", now, "same-nonce", map[string]string{"RoleSessionName": session})
		req, err := http.NewRequest("GET", srv.URL+"/?"+p.Encode(), nil)
		if err != nil {
			t.Fatal(err)
		}
		status, _, body := doRaw(t, srv, req)
		var e stsErrorBody
		_ = json.Unmarshal(body, &e)
		return status, e
	}
	if status, e := send("first"); status != 200 {
		t.Fatalf("first request: %d %+v", status, e)
	}
	if status, e := send("second"); status != 400 || e.Code != "SignatureNonceUsed" {
		t.Errorf("second request: %d %s, want 400 SignatureNonceUsed", status, e.Code)
	}
}

// TestLogsHoldNoSecrets runs a success and a failure through a logger and
// checks that no secret, token or signature appears.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	now := testNow()
	srv, _ := newTestServer(t, stsemu.Config{Logger: logger}, fixedClock(now))
	resp, err := assumeRole(newSDKClient(t, srv, rootCreds), &sts.AssumeRoleRequest{
		RoleArn: tea.String(testRole), RoleSessionName: tea.String("logged"), Policy: tea.String(uploadPolicy),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = assumeRole(newSDKClient(t, srv, sdkCreds{id: rootID, secret: "wrong-secret"}), &sts.AssumeRoleRequest{
		RoleArn: tea.String(testRole), RoleSessionName: tea.String("logged"),
	})
	if err == nil {
		t.Fatal("wrong secret accepted")
	}
	mu.Lock()
	logs := buf.String()
	mu.Unlock()
	for name, secret := range map[string]string{
		"root secret":    rootSecret,
		"wrong secret":   "wrong-secret",
		"issued secret":  tea.StringValue(resp.Body.Credentials.AccessKeySecret),
		"security token": tea.StringValue(resp.Body.Credentials.SecurityToken),
	} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain the %s", name)
		}
	}
	if strings.Count(logs, "\n") != 2 || !strings.Contains(logs, "SignatureDoesNotMatch") {
		t.Errorf("want two log records, one for the mismatch; got:\n%s", logs)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	auth := newAuthority(t, nil)
	tests := []struct {
		name string
		cfg  stsemu.Config
	}{
		{name: "no authority", cfg: stsemu.Config{}},
		{name: "MaxDuration below 900s", cfg: stsemu.Config{Authority: auth, MaxDuration: 899 * time.Second}},
		{name: "MaxDuration above 12h", cfg: stsemu.Config{Authority: auth, MaxDuration: 13 * time.Hour}},
		{name: "MaxDuration not whole seconds", cfg: stsemu.Config{Authority: auth, MaxDuration: time.Hour + time.Millisecond}},
		{name: "negative NonceCapacity", cfg: stsemu.Config{Authority: auth, NonceCapacity: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := stsemu.New(tt.cfg); !errors.Is(err, stsemu.ErrInvalidArgument) {
				t.Errorf("New error = %v, want ErrInvalidArgument", err)
			}
		})
	}
}

// TestSDKProtocolErrors drives the remaining error paths through the
// official SDK: GlobalParameters override the SDK's own SignatureNonce or
// Timestamp (they are merged over them and signed), and the generic
// CallApi sends other actions, versions and methods.
func TestSDKProtocolErrors(t *testing.T) {
	t.Parallel()
	rpc := func(action, version, method string) *openapi.Params {
		return &openapi.Params{
			Action: tea.String(action), Version: tea.String(version), Protocol: tea.String("HTTPS"),
			Pathname: tea.String("/"), Method: tea.String(method), AuthType: tea.String("AK"),
			Style: tea.String("RPC"), ReqBodyType: tea.String("formData"), BodyType: tea.String("json"),
		}
	}
	assume := func(c *sts.Client) error {
		_, err := assumeRole(c, &sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1")})
		return err
	}
	tests := []struct {
		name       string
		global     map[string]string
		call       func(c *sts.Client) error
		calls      int // how many times to call; the last must fail
		wantCode   string
		wantStatus int
	}{
		{name: "nonce replayed", global: map[string]string{"SignatureNonce": "fixed-nonce"}, call: assume, calls: 2, wantCode: "SignatureNonceUsed", wantStatus: 400},
		{name: "timestamp not ISO 8601", global: map[string]string{"Timestamp": "2024-03-05 12:00:00"}, call: assume, calls: 1, wantCode: "InvalidTimeStamp.Format", wantStatus: 400},
		{name: "other action", call: func(c *sts.Client) error {
			_, err := c.CallApi(rpc("GetCallerIdentity", "2015-04-01", "POST"), &openapi.OpenApiRequest{}, &util.RuntimeOptions{})
			return err
		}, calls: 1, wantCode: "InvalidAction.NotFound", wantStatus: 404},
		{name: "other version", call: func(c *sts.Client) error {
			_, err := c.CallApi(rpc("AssumeRole", "2014-01-01", "POST"), &openapi.OpenApiRequest{}, &util.RuntimeOptions{})
			return err
		}, calls: 1, wantCode: "InvalidVersion", wantStatus: 400},
		{name: "PUT", call: func(c *sts.Client) error {
			_, err := c.CallApi(rpc("AssumeRole", "2015-04-01", "PUT"), &openapi.OpenApiRequest{}, &util.RuntimeOptions{})
			return err
		}, calls: 1, wantCode: "UnsupportedHTTPMethod", wantStatus: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newTestServer(t, stsemu.Config{}, fixedClock(testNow()))
			client := newSDKClient(t, srv, rootCreds)
			if tt.global != nil {
				q := make(map[string]*string)
				for k, v := range tt.global {
					q[k] = tea.String(v)
				}
				client.GlobalParameters = &openapi.GlobalParameters{Queries: q}
			}
			for i := 1; i < tt.calls; i++ {
				if err := tt.call(client); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			err := tt.call(client)
			if err == nil {
				t.Fatal("call succeeded, want an error")
			}
			if code, status, _ := sdkError(t, err); code != tt.wantCode || status != tt.wantStatus {
				t.Errorf("got %s (%d), want %s (%d)", code, status, tt.wantCode, tt.wantStatus)
			}
		})
	}
}
