package functions_test

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/internal/localcloud/stsemu"
	"ossdirect/internal/testsupport/fakefc"
)

// The sts-token binary under FC against an STS emulator that turns slow,
// failing or throttling. Credentials cached before the fault keep being
// served without asking STS; a caller without cached credentials gets 503
// with Retry-After and a JSON error naming STS, and gets it before the
// function's timeout (s.yaml's), even when STS would answer only after ten
// minutes: the bound is the STS client's own timeout, which must be below
// the function's. Once STS recovers, the uncached caller is served.
func TestSTSFaultsUnderFC(t *testing.T) {
	skipShort(t)
	t.Parallel()
	h := newHarness(t)
	timeout := functionTimeout(t, "sts-token")

	// A second STS emulator with the stack's root identity: the tokens it
	// issues are the stack's (the authority is stateless), and its faults
	// are this test's alone.
	auth, err := stsemu.NewAuthority(stsemu.AuthorityConfig{AccessKeyID: devstack.DevAccessKeyID, AccessKeySecret: devstack.DevAccessKeySecret})
	if err != nil {
		t.Fatal(err)
	}
	emu, err := stsemu.New(stsemu.Config{Authority: auth})
	if err != nil {
		t.Fatal(err)
	}
	var stsCalls, stsInFlight atomic.Int32
	stsSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stsCalls.Add(1)
		stsInFlight.Add(1)
		defer stsInFlight.Add(-1)
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(stsSrv.Close) // after the fault is cleared (below), so no handler is left waiting

	const alice, bob = "key-for-alice-0123456789", "key-for-bob-0123456789"
	rt := fakefc.Start(t, binaries(t)["sts-token"], override(h.env(t, "sts-token"), map[string]string{
		"STS_ENDPOINT": stsSrv.URL, "AUTH_MODE": "apikey", "API_KEYS": "alice:" + alice + ",bob:" + bob,
	}))
	type answer struct {
		status  int
		header  http.Header
		body    []byte
		latency time.Duration
	}
	ask := func(key string, timeout time.Duration) answer {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, "https://sts-token.example/?profile=default", nil)
		req.Header.Set("X-Api-Key", key)
		payload, err := fakefc.HTTPEvent(req)
		if err != nil {
			t.Fatal(err)
		}
		headers := h.invokeHeaders()
		headers["x-fc-function-timeout"] = strconv.Itoa(int(timeout / time.Second))
		ctx, cancel := context.WithTimeout(context.Background(), 2*timeout)
		defer cancel()
		res, err := rt.Invoke(ctx, payload, headers) // gives up (ErrTimeout) 2 s past the function timeout
		if err != nil {
			t.Fatalf("invocation: %v", err)
		}
		if res.Error != nil {
			t.Fatalf("function error: %v", res.Error)
		}
		resp, err := fakefc.HTTPResponse(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return answer{status: resp.StatusCode, header: resp.Header, body: body, latency: res.Latency}
	}
	accessKeyID := func(a answer) string {
		t.Helper()
		var c struct {
			AccessKeyID string `json:"AccessKeyId"`
		}
		if a.status != http.StatusOK || json.Unmarshal(a.body, &c) != nil || !strings.HasPrefix(c.AccessKeyID, "STS.") {
			t.Fatalf("credentials: %d %s", a.status, a.body)
		}
		return c.AccessKeyID
	}

	cached := accessKeyID(ask(alice, timeout))
	for _, tc := range []struct {
		name    string
		fault   stsemu.Fault
		timeout time.Duration // the function's; 0: s.yaml's
	}{
		// Ten minutes is far past the function's timeout: an answer within
		// the timeout can only come from the function's own bounds, the
		// STS client's timeout (5 s) or, for a function timeout below it,
		// the handler's deadline, which ends a reserve before FC's.
		{name: "slow", fault: stsemu.Fault{Delay: 10 * time.Minute}},
		{name: "slow, with a function timeout below the STS client's", fault: stsemu.Fault{Delay: 10 * time.Minute}, timeout: 3 * time.Second},
		{name: "failing", fault: stsemu.Fault{Code: stsemu.FaultInternalError}},
		{name: "unavailable, with a Retry-After", fault: stsemu.Fault{Code: stsemu.FaultServiceUnavailable, RetryAfter: 7 * time.Second}},
		{name: "throttling the user", fault: stsemu.Fault{Code: stsemu.FaultThrottlingUser}},
		{name: "throttling", fault: stsemu.Fault{Code: stsemu.FaultThrottling}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			timeout := cmp.Or(tc.timeout, timeout)
			// A caller that gave up leaves the function's STS call running
			// to its own timeout, and a new caller would join it: start
			// when the previous case's call has ended.
			for deadline := time.Now().Add(30 * time.Second); stsInFlight.Load() != 0; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the previous STS call never ended")
				}
			}
			if err := emu.SetFault(tc.fault); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = emu.SetFault(stsemu.Fault{}) }()

			before := stsCalls.Load()
			if got := accessKeyID(ask(alice, timeout)); got != cached {
				t.Errorf("alice got %s, want her cached %s", got, cached)
			}
			if n := stsCalls.Load() - before; n != 0 {
				t.Errorf("serving cached credentials asked STS %d times", n)
			}

			a := ask(bob, timeout)
			if a.latency >= timeout {
				t.Errorf("bob's answer took %v, past the function timeout %v", a.latency, timeout)
			}
			if stsCalls.Load() == before {
				t.Error("bob's request never reached STS")
			}
			var e struct{ Code, Message, RequestID string }
			if err := json.Unmarshal(a.body, &e); err != nil || a.status != http.StatusServiceUnavailable || e.Code != "ServiceUnavailable" ||
				!strings.Contains(e.Message, "STS") || e.RequestID == "" {
				t.Errorf("uncached caller: %d %s, want 503 ServiceUnavailable naming STS (%v)", a.status, a.body, err)
			}
			retry, err := strconv.Atoi(a.header.Get("Retry-After"))
			if err != nil || retry < 1 || retry > 60 {
				t.Errorf("Retry-After %q, want 1…60 seconds", a.header.Get("Retry-After"))
			}
			if tc.fault.RetryAfter > 0 && retry != int(tc.fault.RetryAfter/time.Second) {
				t.Errorf("Retry-After %d, want STS's %v", retry, tc.fault.RetryAfter)
			}
			for _, detail := range []string{tc.fault.Code, "timed out", "Throttling", "flow control"} {
				if detail != "" && strings.Contains(e.Message, detail) {
					t.Errorf("message %q carries STS's detail %q", e.Message, detail)
				}
			}
		})
	}
	// STS recovers: bob is served.
	if got := accessKeyID(ask(bob, timeout)); got == cached {
		t.Error("bob was given alice's credentials")
	}
}

// functionTimeout is fn's timeout in s.yaml.
func functionTimeout(t *testing.T, fn string) time.Duration {
	t.Helper()
	m, _ := readManifest(t)
	for _, r := range m.Resources {
		if r.Props.Code == "./build/fc/"+fn {
			if r.Props.Timeout < 1 {
				t.Fatalf("%s: timeout %d in s.yaml", fn, r.Props.Timeout)
			}
			return time.Duration(r.Props.Timeout) * time.Second
		}
	}
	t.Fatalf("s.yaml deploys no ./build/fc/%s", fn)
	return 0
}
