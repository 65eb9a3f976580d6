package fakefc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"ossdirect/internal/testsupport/fakefc"
	"ossdirect/internal/testsupport/syncbuf"
)

// echo mirrors testdata/echo's Echo.
type echo struct {
	Method        string              `json:"method"`
	Path          string              `json:"path"`
	EscapedPath   string              `json:"escapedPath"`
	RequestURI    string              `json:"requestURI"`
	RawQuery      string              `json:"rawQuery"`
	Query         map[string][]string `json:"query"`
	Header        http.Header         `json:"header"`
	Host          string              `json:"host"`
	RemoteAddr    string              `json:"remoteAddr"`
	ContentLength int64               `json:"contentLength"`
	Body          []byte              `json:"body"`
	AccessKeyID   string              `json:"accessKeyId"`
	SecurityToken string              `json:"securityToken"`
	HasCreds      bool                `json:"hasCreds"`
	FCRequestID   string              `json:"fcRequestId"`
	EventID       string              `json:"eventRequestId"`
	HasDeadline   bool                `json:"hasDeadline"`
	Pid           int                 `json:"pid"`
}

// buildEcho builds testdata/echo into a temporary directory.
func buildEcho(tb testing.TB) string {
	tb.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		tb.Fatalf("the go command is needed to build the test function: %v", err)
	}
	out := filepath.Join(tb.TempDir(), "echo")
	cmd := exec.Command(gobin, "build", "-o", out, "./testdata/echo")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build ./testdata/echo: %v\n%s", err, b)
	}
	return out
}

func ossFixture(t *testing.T, key string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "fcrun", "testdata", "oss-created.json"))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		b = bytes.ReplaceAll(b, []byte("uploads/u-42/2026/11/3f2a.png"), []byte(key))
	}
	return b
}

func waitOutput(t *testing.T, rt *fakefc.Runtime, substr string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return rt.WaitOutput(ctx, substr)
}

func doEcho(t *testing.T, ctx context.Context, rt *fakefc.Runtime, req *http.Request) echo {
	t.Helper()
	resp, err := rt.HTTP(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d headers %v body %s", resp.StatusCode, resp.Header, b)
	}
	var e echo
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestEndToEnd drives the echo binary through the fake runtime: HTTP
// events, OSS events, malformed events and a panic, all in one process.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a binary")
	}
	t.Parallel()
	rt := fakefc.Start(t, buildEcho(t), []string{"ECHO_MARKER=1"})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ready, err := rt.WaitReady(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("runtime ready %v after process start", ready)
	var pid int

	t.Run("GET with query and headers", func(t *testing.T) {
		req := httptest.NewRequest("GET", "http://fn-abc.cn-hangzhou.fcapp.run/hello?b=2&a=1&a=3", nil)
		req.Header.Add("X-Multi", "x")
		req.Header.Add("X-Multi", "y")
		req.Header.Set("User-Agent", "fakefc-test")
		e := doEcho(t, ctx, rt, req)
		pid = e.Pid
		if e.Method != "GET" || e.Path != "/hello" || e.RawQuery != "a=1%2C3&b=2" || e.Query["a"][0] != "1,3" {
			t.Errorf("request %+v", e)
		}
		if e.Host != "fn-abc.cn-hangzhou.fcapp.run" || e.Header.Get("X-Multi") != "x,y" || e.Header.Get("User-Agent") != "fakefc-test" {
			t.Errorf("host %q headers %v", e.Host, e.Header)
		}
		if !e.HasCreds || e.AccessKeyID != fakefc.AccessKeyID || e.SecurityToken != fakefc.SecurityToken {
			t.Errorf("credentials %q %q %v", e.AccessKeyID, e.SecurityToken, e.HasCreds)
		}
		if e.FCRequestID == "" || e.FCRequestID != e.EventID || !e.HasDeadline || e.RemoteAddr != "192.0.2.1:0" {
			t.Errorf("fc request id %q event id %q deadline %v remote %q", e.FCRequestID, e.EventID, e.HasDeadline, e.RemoteAddr)
		}
	})

	t.Run("POST to an encoded path", func(t *testing.T) {
		body := "bucket=examplebucket&object=uploads%2Fa.png"
		req, _ := http.NewRequest("POST", "http://fn.example.com/callback%2Fx/%E4%B8%AD?uid=42", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		e := doEcho(t, ctx, rt, req)
		if e.EscapedPath != "/callback%2Fx/%E4%B8%AD" || e.Path != "/callback/x/中" || e.RequestURI != "/callback%2Fx/%E4%B8%AD?uid=42" {
			t.Errorf("path %q escaped %q uri %q", e.Path, e.EscapedPath, e.RequestURI)
		}
		if string(e.Body) != body || e.ContentLength != int64(len(body)) {
			t.Errorf("body %q (%d)", e.Body, e.ContentLength)
		}
	})

	t.Run("binary both ways", func(t *testing.T) {
		in := make([]byte, 512)
		for i := range in {
			in[i] = byte(255 - i%256)
		}
		req := httptest.NewRequest("PUT", "/upload", bytes.NewReader(in))
		req.Header.Set("Content-Type", "application/octet-stream")
		if e := doEcho(t, ctx, rt, req); !bytes.Equal(e.Body, in) {
			t.Errorf("request body mangled: %d bytes", len(e.Body))
		}
		resp, err := rt.HTTP(ctx, httptest.NewRequest("GET", "/binary", nil))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		if resp.Header.Get("Content-Type") != "image/png" || len(got) != 256 || got[0] != 0 || got[255] != 255 {
			t.Errorf("binary response %v %d bytes", resp.Header, len(got))
		}
	})

	t.Run("only the first Set-Cookie survives", func(t *testing.T) {
		resp, err := rt.HTTP(ctx, httptest.NewRequest("GET", "/cookies", nil))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 204 || len(resp.Header.Values("Set-Cookie")) != 1 || resp.Header.Get("Set-Cookie") != "a=1; Path=/" {
			t.Errorf("status %d Set-Cookie %q", resp.StatusCode, resp.Header.Values("Set-Cookie"))
		}
	})

	t.Run("panic answers 500 and the process keeps serving", func(t *testing.T) {
		resp, err := rt.HTTP(ctx, httptest.NewRequest("GET", "/panic", nil))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 500 || !strings.Contains(string(b), `"code":"InternalError"`) {
			t.Errorf("panic: %d %s", resp.StatusCode, b)
		}
		if err := waitOutput(t, rt, "echo: magic panic path"); err != nil {
			t.Error(err)
		}
		if e := doEcho(t, ctx, rt, httptest.NewRequest("GET", "/after-panic", nil)); e.Pid != pid || e.Path != "/after-panic" {
			t.Errorf("after panic: pid %d (was %d) path %q", e.Pid, pid, e.Path)
		}
	})

	t.Run("OSS event", func(t *testing.T) {
		res, err := rt.Invoke(ctx, ossFixture(t, ""), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Error != nil || string(res.Body) != "null" {
			t.Fatalf("result %s error %v", res.Body, res.Error)
		}
		for _, want := range []string{
			`"msg":"echo: oss event","event":"ObjectCreated:PostObject","key":"uploads/u-42/2026/11/3f2a.png","ak":"` + fakefc.AccessKeyID + `"`,
			`"key":"uploads/u-42/2026/11/video.mp4"`,
		} {
			if err := waitOutput(t, rt, want); err != nil {
				t.Error(err)
			}
		}
	})

	errorCases := []struct {
		name    string
		payload []byte
		want    string // in errorMessage
		typ     string // errorType, when fixed
	}{
		{"OSS handler error", ossFixture(t, "fail"), "echo: refusing object fail", ""},
		{"OSS handler panic", ossFixture(t, "panic"), "fcrun: handler panicked", ""},
		// fcrun decodes the event itself (the SDK hands it the bytes), so the
		// error is its ErrMalformedEvent, not the SDK's bare SyntaxError.
		{"garbage JSON", []byte(`{"requestContext": {`), "fcrun: malformed event: unexpected end of JSON input", ""},
		{"neither kind", []byte(`{"hello":"world"}`), "neither an HTTP trigger event nor an OSS event", ""},
		{"HTTP event without method", []byte(`{"rawPath":"/","requestContext":{"http":{}}}`), "missing requestContext.http.method", ""},
	}
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := rt.Invoke(ctx, tc.payload, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Error == nil {
				t.Fatalf("no error; result %s", res.Body)
			}
			if !strings.Contains(res.Error.Message, tc.want) || (tc.typ != "" && res.Error.Type != tc.typ) {
				t.Errorf("error %+v, want message with %q type %q", res.Error, tc.want, tc.typ)
			}
		})
	}

	t.Run("invocation the SDK never answers times out", func(t *testing.T) {
		start := time.Now()
		_, err := rt.Invoke(ctx, ossFixture(t, ""), map[string]string{
			"X-Fc-Function-Deadline": "soon", // the SDK cannot parse it and never posts a result
			"x-fc-function-timeout":  "1",
		})
		if !errors.Is(err, fakefc.ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
		if err := waitOutput(t, rt, "failed to parse contents of header: x-fc-function-deadline"); err != nil {
			t.Error(err)
		}
	})

	t.Run("one at a time under concurrent callers", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := rt.HTTP(ctx, httptest.NewRequest("GET", fmt.Sprintf("/c/%d", i), nil))
				if err != nil {
					errs <- err
					return
				}
				var e echo
				if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Path != fmt.Sprintf("/c/%d", i) {
					errs <- fmt.Errorf("request %d: %v %+v", i, err, e)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})

	t.Run("still the same process", func(t *testing.T) {
		if !rt.Alive() {
			t.Fatal("process exited")
		}
		if e := doEcho(t, ctx, rt, httptest.NewRequest("GET", "/last", nil)); e.Pid != pid {
			t.Errorf("pid %d, was %d", e.Pid, pid)
		}
		if cold, ok := rt.ColdStart(); !ok || cold <= 0 {
			t.Errorf("ColdStart() = %v, %v", cold, ok)
		}
	})

	rt.Stop()
	if rt.Alive() {
		t.Error("alive after Stop")
	}
	if _, err := rt.Invoke(ctx, []byte(`{}`), nil); err == nil {
		t.Error("Invoke after Stop succeeded")
	}
}

// TestPlainHTTP runs the same binary with PORT instead of FC_RUNTIME_API,
// then stops it with SIGTERM while a request is in flight.
func TestPlainHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a binary")
	}
	t.Parallel()
	cmd := exec.Command(buildEcho(t))
	cmd.Env = []string{"PORT=0"} // fcrun binds 127.0.0.1 (echo sets ListenHost) on a free port
	var out syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("output:\n%s", out.String())
		}
	})

	addrRE := regexp.MustCompile(`"msg":"fcrun: serving plain HTTP","addr":"([^"]+)"`)
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == ""; time.Sleep(10 * time.Millisecond) {
		if m := addrRE.FindStringSubmatch(out.String()); m != nil {
			base = "http://" + m[1]
		} else if time.Now().After(deadline) {
			t.Fatal("no listening address logged")
		}
	}
	client := &http.Client{Timeout: 10 * time.Second}

	resp, err := client.Get(base + "/callback%2Fx/%E4%B8%AD?a=1&a=2")
	if err != nil {
		t.Fatal(err)
	}
	var e echo
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if e.EscapedPath != "/callback%2Fx/%E4%B8%AD" || e.RawQuery != "a=1&a=2" || len(e.Query["a"]) != 2 || e.HasCreds || e.FCRequestID != "" {
		t.Errorf("plain request %+v", e)
	}

	resp, err = client.Get(base + "/panic")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Errorf("panic: status %d", resp.StatusCode)
	}

	resp, err = client.Post(base+"/", "application/octet-stream", bytes.NewReader(make([]byte, 6<<20+1)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("body over 6 MiB: status %d", resp.StatusCode)
	}

	slow := make(chan string, 1)
	go func() {
		resp, err := client.Get(base + "/slow")
		if err != nil {
			slow <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		slow <- string(b)
	}()
	time.Sleep(100 * time.Millisecond) // /slow takes 300 ms
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if got := <-slow; got != "slow done" {
		t.Errorf("in-flight request during shutdown: %q", got)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v (want status 0)", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit within 15 s of SIGTERM")
	}
	if !strings.Contains(out.String(), "fcrun: stopped") {
		t.Error("no graceful-stop log line")
	}
}

// TestNoRuntime runs the binary with neither variable: it must fail fast
// and name both.
func TestNoRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a binary")
	}
	t.Parallel()
	cmd := exec.Command(buildEcho(t))
	cmd.Env = []string{}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("err = %v, want exit status 1; output %s", err, out)
	}
	for _, want := range []string{"FC_RUNTIME_API", "PORT"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output does not name %s: %s", want, out)
		}
	}
}

func coldStartPayload(tb testing.TB) []byte {
	tb.Helper()
	p, err := fakefc.HTTPEvent(httptest.NewRequest("GET", "/cold", nil))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestColdStart measures process start → first /next poll and → first
// response once and logs it (see BenchmarkColdStart for a stable number).
func TestColdStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a binary")
	}
	t.Parallel()
	ready, first := fakefc.MeasureColdStart(t, buildEcho(t), nil, coldStartPayload(t))
	t.Logf("cold start: runtime ready %v, first response %v", ready, first)
	if first < ready || first <= 0 {
		t.Errorf("ready %v, first response %v", ready, first)
	}
}

// BenchmarkColdStart starts the echo binary under a fresh fake runtime for
// every iteration and reports the mean time from process start to the
// first /next poll and to the first response.
//
//	go test -run '^$' -bench ColdStart -benchtime 20x ./internal/testsupport/fakefc/
func BenchmarkColdStart(b *testing.B) {
	bin := buildEcho(b)
	payload := coldStartPayload(b)
	var readySum, firstSum time.Duration
	b.ResetTimer()
	for range b.N {
		ready, first := fakefc.MeasureColdStart(b, bin, nil, payload)
		readySum += ready
		firstSum += first
	}
	b.ReportMetric(float64(readySum.Microseconds())/1000/float64(b.N), "ms-ready")
	b.ReportMetric(float64(firstSum.Microseconds())/1000/float64(b.N), "ms-first-response")
}
