package stsemu_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sts "github.com/alibabacloud-go/sts-20150401/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"

	"ossdirect/internal/localcloud/stsemu"
)

// TestFaults: each fault code reaches the official SDK as the POP
// gateway's error (code, status, the JSON body's fields) with the
// Retry-After header asked for; a delay holds the request until the
// client's own read timeout ends it; the zero Fault restores service.
func TestFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fault      stsemu.Fault
		wantStatus int
		wantRetry  string
	}{
		{stsemu.Fault{Code: stsemu.FaultThrottling}, 400, ""},
		{stsemu.Fault{Code: stsemu.FaultThrottlingUser, RetryAfter: 3 * time.Second}, 400, "3"},
		{stsemu.Fault{Code: stsemu.FaultThrottlingAPI}, 400, ""},
		{stsemu.Fault{Code: stsemu.FaultServiceUnavailable, RetryAfter: 1500 * time.Millisecond}, 503, "2"},
		{stsemu.Fault{Code: stsemu.FaultInternalError, Delay: 10 * time.Millisecond}, 500, ""},
	} {
		t.Run(tc.fault.Code, func(t *testing.T) {
			t.Parallel()
			srv := newFaultyServer(t)
			if err := srv.emu.SetFault(tc.fault); err != nil {
				t.Fatal(err)
			}
			if got := srv.emu.Fault(); got != tc.fault {
				t.Errorf("Fault() = %+v, want %+v", got, tc.fault)
			}
			_, err := assumeRole(newSDKClient(t, srv.ts, rootCreds), &sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1")})
			code, status, data := sdkError(t, err)
			if code != tc.fault.Code || status != tc.wantStatus {
				t.Errorf("got %s (%d), want %s (%d)", code, status, tc.fault.Code, tc.wantStatus)
			}
			for _, k := range []string{"RequestId", "HostId", "Code", "Message", "Recommend"} {
				if s, _ := data[k].(string); s == "" {
					t.Errorf("error body field %s is empty: %v", k, data)
				}
			}
			if got := srv.lastRetryAfter(); got != tc.wantRetry {
				t.Errorf("Retry-After %q, want %q", got, tc.wantRetry)
			}

			// Cleared: the same client is served again.
			if err := srv.emu.SetFault(stsemu.Fault{}); err != nil {
				t.Fatal(err)
			}
			if _, err := assumeRole(newSDKClient(t, srv.ts, rootCreds), &sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1")}); err != nil {
				t.Errorf("after clearing the fault: %v", err)
			}
		})
	}

	t.Run("delay past the client's timeout", func(t *testing.T) {
		t.Parallel()
		srv := newFaultyServer(t)
		if err := srv.emu.SetFault(stsemu.Fault{Delay: stsemu.MaxFaultDelay}); err != nil {
			t.Fatal(err)
		}
		client := newSDKClient(t, srv.ts, rootCreds)
		_, err := client.AssumeRoleWithOptions(&sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1")},
			&util.RuntimeOptions{ReadTimeout: tea.Int(200), Autoretry: tea.Bool(false)})
		var se *tea.SDKError
		if err == nil || errors.As(err, &se) {
			t.Fatalf("AssumeRole: %v, want the client's timeout, not an answer", err)
		}
		// The server's handler ends with the client, not an hour later.
		srv.ts.Close() // waits for the handlers
	})
}

func TestSetFaultRefuses(t *testing.T) {
	t.Parallel()
	srv := newFaultyServer(t)
	for _, f := range []stsemu.Fault{
		{Code: "Throttled"},
		{Code: "NoPermission"},
		{Delay: -time.Second},
		{Delay: stsemu.MaxFaultDelay + time.Second},
		{RetryAfter: time.Second},
		{Code: stsemu.FaultThrottling, RetryAfter: -time.Second},
	} {
		if err := srv.emu.SetFault(f); !errors.Is(err, stsemu.ErrInvalidArgument) {
			t.Errorf("SetFault(%+v) = %v, want ErrInvalidArgument", f, err)
		}
	}
	if got := srv.emu.Fault(); got != (stsemu.Fault{}) {
		t.Errorf("a refused fault was kept: %+v", got)
	}
}

// faultyServer is an emulator on loopback that remembers the Retry-After
// header of its last answer.
type faultyServer struct {
	emu   *stsemu.Server
	ts    *httptest.Server
	retry chan string
}

func newFaultyServer(t *testing.T) *faultyServer {
	t.Helper()
	emu, err := stsemu.New(stsemu.Config{Authority: newAuthority(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	f := &faultyServer{emu: emu, retry: make(chan string, 16)}
	f.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		emu.ServeHTTP(w, r)
		select {
		case f.retry <- w.Header().Get("Retry-After"):
		default:
		}
	}))
	t.Cleanup(f.ts.Close)
	return f
}

// lastRetryAfter is the Retry-After of the oldest answer not yet looked at.
func (f *faultyServer) lastRetryAfter() string {
	select {
	case v := <-f.retry:
		return strings.TrimSpace(v)
	case <-time.After(5 * time.Second):
		return "(no answer)"
	}
}
