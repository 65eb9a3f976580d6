// Package fakefc is a fake Function Compute 3.0 runtime API for tests. It
// starts a function binary the way FC's go1 runtime does (FC_RUNTIME_API
// plus FC's environment variables), hands it invocations through the
// runtime protocol of github.com/aliyun/fc-runtime-go-sdk and collects the
// results, so a real binary can be driven end to end on loopback.
//
// Protocol (reference/fc3.md §3.2, §3.6; fc-runtime-go-sdk v0.3.1 fc/):
//
//	GET  /2020-11-11/runtime/invocation/next          blocks until an invocation is queued;
//	                                                  200 with the event as body (Content-Length
//	                                                  set) and x-fc-* headers
//	POST /2020-11-11/runtime/invocation/{id}/response the JSON result
//	POST /2020-11-11/runtime/invocation/{id}/error    {"errorMessage","errorType","stackTrace"?}
//
// Invocations are delivered one at a time, like FC3 go1 (no instance
// concurrency): Invoke holds the instance until the result arrives or the
// wait times out. Every wait has a deadline, because the SDK never answers
// an invocation whose deadline or timeout header does not parse.
//
// The child process does not inherit the test's environment: it gets FC's
// variables (fc3.md §4.3) with fake values, then the caller's env, then
// FC_RUNTIME_API. Its stdout and stderr are captured ([Runtime.Output]) and
// printed when the test fails.
package fakefc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Values fakefc sends unless the caller overrides them. The per-invocation
// credentials differ from the environment's role credentials so a test can
// tell which ones a function used.
const (
	AccessKeyID        = "STS.fakefc-invoke-ak"
	AccessKeySecret    = "fakefc-invoke-secret"
	SecurityToken      = "fakefc-invoke-token"
	EnvAccessKeyID     = "STS.fakefc-env-ak"
	EnvAccessKeySecret = "fakefc-env-secret"
	EnvSecurityToken   = "fakefc-env-token"
	Region             = "cn-hangzhou"
	AccountID          = "1234567890123456"
	FunctionName       = "fakefc-function"

	// FunctionTimeout is the default x-fc-function-timeout.
	FunctionTimeout = 10 * time.Second
)

const (
	apiPrefix = "/2020-11-11/runtime/invocation/"
	// resultGrace is added to the function timeout when waiting for a result.
	resultGrace = 2 * time.Second
	// maxResult caps a posted result (FC's synchronous payload limit).
	maxResult = 32 << 20
	// maxOutput caps the captured process output; older output is dropped.
	maxOutput = 1 << 20
)

// Sentinel errors returned (wrapped) by Invoke and HTTP.
var (
	// ErrTimeout: the function did not poll for or answer an invocation in time.
	ErrTimeout = errors.New("fakefc: timed out")
	// ErrExited: the process exited.
	ErrExited = errors.New("fakefc: function process exited")
	// ErrStopped: Stop was called.
	ErrStopped = errors.New("fakefc: runtime stopped")
)

// ErrorPayload is what the SDK posts to /error. It implements error, so
// HTTP can return it.
type ErrorPayload struct {
	Message    string       `json:"errorMessage"`
	Type       string       `json:"errorType"`
	StackTrace []StackFrame `json:"stackTrace,omitempty"`
}

// StackFrame is one frame of a panic's stack trace.
type StackFrame struct {
	Path  string `json:"path"`
	Line  int32  `json:"line"`
	Label string `json:"label"`
}

func (e *ErrorPayload) Error() string {
	return fmt.Sprintf("fakefc: function error %s: %s", e.Type, e.Message)
}

// Result is the outcome of one invocation: Body is the JSON posted to
// /response, or Error the payload posted to /error.
type Result struct {
	RequestID string
	Body      []byte
	Error     *ErrorPayload
	Latency   time.Duration // from queueing the invocation to its result
}

// Runtime is a running fake runtime API plus the function process.
type Runtime struct {
	// Started is when the process was started (just before exec).
	Started time.Time
	// Addr is the runtime API's host:port, as passed in FC_RUNTIME_API.
	Addr string

	tb     testing.TB
	binary string
	srv    *httptest.Server
	cmd    *exec.Cmd
	out    *outputBuffer

	queue   chan *invocation // unbuffered: a send is a hand-off to a /next poll
	busy    chan struct{}    // one invocation at a time
	polled  chan struct{}    // closed at the first /next poll
	exited  chan struct{}    // closed when the process has exited
	closing chan struct{}    // closed by Stop

	mu          sync.Mutex
	pending     map[string]*invocation
	seq         int
	firstPoll   time.Time
	firstResult time.Time
	waitErr     error

	stopOnce sync.Once
}

type invocation struct {
	id      string
	payload []byte
	header  http.Header
	chunked bool        // send the event without Content-Length
	done    chan Result // buffered 1
}

// Start serves a fake runtime API on 127.0.0.1 and starts binaryPath with
// FC_RUNTIME_API pointing at it. env entries ("K=V") are added after FC's
// defaults and override them. The process is killed at t.Cleanup; its
// output is logged if the test failed.
func Start(t testing.TB, binaryPath string, env []string) *Runtime {
	t.Helper()
	r := &Runtime{
		tb:      t,
		binary:  binaryPath,
		out:     &outputBuffer{},
		queue:   make(chan *invocation),
		busy:    make(chan struct{}, 1),
		polled:  make(chan struct{}),
		exited:  make(chan struct{}),
		closing: make(chan struct{}),
		pending: make(map[string]*invocation),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"next", r.serveNext)
	mux.HandleFunc("POST "+apiPrefix+"{id}/response", r.serveResult(false))
	mux.HandleFunc("POST "+apiPrefix+"{id}/error", r.serveResult(true))
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		fmt.Fprintf(r.out, "fakefc: unexpected runtime API call %s %s\n", req.Method, req.URL)
		http.NotFound(w, req)
	})
	r.srv = httptest.NewServer(mux)
	r.Addr = r.srv.Listener.Addr().String()

	r.cmd = exec.Command(binaryPath)
	r.cmd.Dir = filepath.Dir(binaryPath)
	r.cmd.Env = append(append(fcEnv(binaryPath), env...), "FC_RUNTIME_API="+r.Addr)
	r.cmd.Stdout = r.out
	r.cmd.Stderr = r.out
	r.Started = time.Now()
	if err := r.cmd.Start(); err != nil {
		r.srv.Close()
		t.Fatalf("fakefc: start %s: %v", binaryPath, err)
	}
	go func() {
		err := r.cmd.Wait()
		r.mu.Lock()
		r.waitErr = err
		r.mu.Unlock()
		close(r.exited)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("fakefc: output of %s:\n%s", filepath.Base(binaryPath), r.Output())
		}
		r.Stop()
	})
	return r
}

// fcEnv is the environment FC gives a go1 instance (fc3.md §4.3), with
// fake values.
func fcEnv(binary string) []string {
	return []string{
		"FC_FUNC_CODE_PATH=" + filepath.Dir(binary),
		"FC_FUNCTION_HANDLER=" + filepath.Base(binary),
		"FC_FUNCTION_NAME=" + FunctionName,
		"FC_FUNCTION_MEMORY_SIZE=128",
		"FC_FUNCTION_VERSION=LATEST",
		"FC_REGION=" + Region,
		"FC_ACCOUNT_ID=" + AccountID,
		"FC_INSTANCE_ID=fakefc-instance-1",
		"ALIBABA_CLOUD_ACCESS_KEY_ID=" + EnvAccessKeyID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + EnvAccessKeySecret,
		"ALIBABA_CLOUD_SECURITY_TOKEN=" + EnvSecurityToken,
	}
}

// Invoke queues one invocation with payload as the event and waits for its
// result. The x-fc-* headers below are sent unless headers overrides them
// (keys are case-insensitive; an empty value removes the header, e.g. to
// provoke the SDK's never-answered parse failure, except for
// x-fc-request-id, which is then generated). The event is sent with a
// Content-Length unless headers sets "Content-Length" to "" (then it is
// chunked, to exercise a reader's fallback):
//
//	x-fc-request-id          generated (or the caller's; the result URL uses it)
//	x-fc-function-timeout    FunctionTimeout in seconds
//	x-fc-function-deadline   now + timeout, epoch milliseconds
//	x-fc-access-key-id, x-fc-access-key-secret, x-fc-security-token
//	x-fc-region, x-fc-account-id, x-fc-function-name, x-fc-function-handler,
//	x-fc-function-memory, x-fc-qualifier, x-fc-retry-count
//
// Invoke waits at most the function timeout plus 2 s (and never past ctx);
// it returns an error wrapping ErrTimeout, ErrExited or ErrStopped, with the
// tail of the process output. A function error is not an error of Invoke:
// it is Result.Error.
func (r *Runtime) Invoke(ctx context.Context, payload []byte, headers map[string]string) (Result, error) {
	select {
	case r.busy <- struct{}{}:
	case <-ctx.Done():
		return Result{}, fmt.Errorf("%w: waiting for the instance: %w", ErrTimeout, ctx.Err())
	case <-r.exited:
		return Result{}, r.exitError()
	case <-r.closing:
		return Result{}, ErrStopped
	}
	defer func() { <-r.busy }()

	h, timeout := r.invokeHeaders(headers)
	id := h.Get("x-fc-request-id")
	inv := &invocation{id: id, payload: payload, header: h, chunked: chunkedEvent(headers), done: make(chan Result, 1)}
	r.mu.Lock()
	r.pending[id] = inv
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.pending, id)
		r.mu.Unlock()
	}()

	wait := timeout + resultGrace
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	start := time.Now()
	select {
	case r.queue <- inv:
	case <-wctx.Done():
		return Result{RequestID: id}, r.timeoutError(wctx, id, "was never fetched by the function (no /next poll)")
	case <-r.exited:
		return Result{RequestID: id}, r.exitError()
	case <-r.closing:
		return Result{RequestID: id}, ErrStopped
	}
	select {
	case res := <-inv.done:
		res.Latency = time.Since(start)
		return res, nil
	case <-wctx.Done():
		return Result{RequestID: id}, r.timeoutError(wctx, id, "got no result")
	case <-r.exited:
		// A result posted just before exiting still counts.
		select {
		case res := <-inv.done:
			res.Latency = time.Since(start)
			return res, nil
		default:
			return Result{RequestID: id}, r.exitError()
		}
	case <-r.closing:
		return Result{RequestID: id}, ErrStopped
	}
}

// chunkedEvent reports whether the caller's headers set Content-Length to
// "": the event is then sent chunked, without a length.
func chunkedEvent(headers map[string]string) bool {
	for k, v := range headers {
		if v == "" && http.CanonicalHeaderKey(k) == "Content-Length" {
			return true
		}
	}
	return false
}

func (r *Runtime) invokeHeaders(overrides map[string]string) (http.Header, time.Duration) {
	o := http.Header{}
	for k, v := range overrides {
		if k != "" {
			o.Set(k, v)
		}
	}
	timeout := FunctionTimeout
	if s, err := strconv.Atoi(o.Get("x-fc-function-timeout")); err == nil && s > 0 {
		timeout = time.Duration(s) * time.Second
	}
	r.mu.Lock()
	r.seq++
	seq := r.seq
	r.mu.Unlock()

	h := http.Header{}
	h.Set("x-fc-request-id", fmt.Sprintf("fakefc-%d-%s", seq, randomHex(6)))
	h.Set("x-fc-function-timeout", strconv.Itoa(int(timeout/time.Second)))
	h.Set("x-fc-function-deadline", strconv.FormatInt(time.Now().Add(timeout).UnixMilli(), 10))
	h.Set("x-fc-access-key-id", AccessKeyID)
	h.Set("x-fc-access-key-secret", AccessKeySecret)
	h.Set("x-fc-security-token", SecurityToken)
	h.Set("x-fc-region", Region)
	h.Set("x-fc-account-id", AccountID)
	h.Set("x-fc-function-name", FunctionName)
	h.Set("x-fc-function-handler", filepath.Base(r.binary))
	h.Set("x-fc-function-memory", "128")
	h.Set("x-fc-qualifier", "LATEST")
	h.Set("x-fc-retry-count", "0")
	for k, vs := range o {
		if vs[0] == "" && k != "X-Fc-Request-Id" {
			delete(h, k)
			continue
		}
		if vs[0] != "" {
			h[k] = vs
		}
	}
	return h, timeout
}

func (r *Runtime) serveNext(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	if r.firstPoll.IsZero() {
		r.firstPoll = time.Now()
		close(r.polled)
	}
	r.mu.Unlock()
	select {
	case inv := <-r.queue:
		for k, v := range inv.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		// A length-prefixed body, as a server holding the whole event
		// sends it (net/http would otherwise chunk events over 2 KiB);
		// fcrun sizes its read buffer from it.
		if !inv.chunked {
			w.Header().Set("Content-Length", strconv.Itoa(len(inv.payload)))
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(inv.payload)
	case <-req.Context().Done():
	case <-r.closing:
		// The process is being killed; do not feed the SDK's retry loop.
		<-req.Context().Done()
	}
}

func (r *Runtime) serveResult(isError bool) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		id := req.PathValue("id")
		body, err := io.ReadAll(io.LimitReader(req.Body, maxResult+1))
		if err != nil || len(body) > maxResult {
			http.Error(w, "result unreadable or too large", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		inv := r.pending[id]
		delete(r.pending, id)
		if inv != nil && r.firstResult.IsZero() {
			r.firstResult = time.Now()
		}
		r.mu.Unlock()
		if inv == nil {
			fmt.Fprintf(r.out, "fakefc: result for unknown or abandoned request id %q\n", id)
			http.Error(w, "unknown request id", http.StatusNotFound)
			return
		}
		res := Result{RequestID: id}
		if isError {
			var ep ErrorPayload
			if err := json.Unmarshal(body, &ep); err != nil {
				ep = ErrorPayload{Message: string(body), Type: "fakefc.UndecodableErrorPayload"}
			}
			res.Error = &ep
		} else {
			res.Body = body
		}
		inv.done <- res
		w.WriteHeader(http.StatusOK)
	}
}

// WaitReady waits until the function first polls /next and returns the
// time from process start to that poll (runtime initialised).
func (r *Runtime) WaitReady(ctx context.Context) (time.Duration, error) {
	select {
	case <-r.polled:
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.firstPoll.Sub(r.Started), nil
	case <-ctx.Done():
		return 0, fmt.Errorf("%w: no /next poll: %w\n%s", ErrTimeout, ctx.Err(), r.tail())
	case <-r.exited:
		return 0, r.exitError()
	}
}

// ColdStart returns the time from process start to the first result posted
// for an invocation (ok is false before any result).
func (r *Runtime) ColdStart() (d time.Duration, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.firstResult.IsZero() {
		return 0, false
	}
	return r.firstResult.Sub(r.Started), true
}

// Alive reports whether the process is still running.
func (r *Runtime) Alive() bool {
	select {
	case <-r.exited:
		return false
	default:
		return true
	}
}

// WaitOutput waits until the captured output contains substr. Output is
// copied from the process's pipes asynchronously, so a line the function
// logged before answering may arrive after the answer.
func (r *Runtime) WaitOutput(ctx context.Context, substr string) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if strings.Contains(r.out.String(), substr) {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("%w: output never contained %q: %w\n%s", ErrTimeout, substr, ctx.Err(), r.tail())
		}
	}
}

// Pid returns the function process's id (e.g. to read /proc/<pid>/status).
func (r *Runtime) Pid() int { return r.cmd.Process.Pid }

// Output returns the process's captured stdout and stderr (the last 1 MiB).
func (r *Runtime) Output() string { return r.out.String() }

// Stop kills the process, waits for it (up to 5 s) and closes the runtime
// API. It is idempotent and also runs at t.Cleanup.
func (r *Runtime) Stop() {
	r.stopOnce.Do(func() {
		close(r.closing)
		if r.cmd.Process != nil {
			_ = r.cmd.Process.Kill()
		}
		select {
		case <-r.exited:
		case <-time.After(5 * time.Second):
			r.tb.Errorf("fakefc: %s did not exit after SIGKILL", r.binary)
		}
		r.srv.CloseClientConnections()
		r.srv.Close()
	})
}

func (r *Runtime) exitError() error {
	r.mu.Lock()
	err := r.waitErr
	r.mu.Unlock()
	return fmt.Errorf("%w (%v)\n%s", ErrExited, err, r.tail())
}

func (r *Runtime) timeoutError(ctx context.Context, id, what string) error {
	return fmt.Errorf("%w: invocation %s %s: %w\n%s", ErrTimeout, id, what, context.Cause(ctx), r.tail())
}

// tail returns the end of the output for error messages.
func (r *Runtime) tail() string {
	const n = 4 << 10
	s := r.out.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return "--- function output ---\n" + s
}

// MeasureColdStart starts binaryPath under a fresh fake runtime, sends one
// invocation with payload and returns the time from process start to the
// first /next poll (ready) and to the result of that invocation (first).
// The process is stopped before returning.
func MeasureColdStart(tb testing.TB, binaryPath string, env []string, payload []byte) (ready, first time.Duration) {
	tb.Helper()
	r := Start(tb, binaryPath, env)
	defer r.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := r.Invoke(ctx, payload, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if res.Error != nil {
		tb.Fatalf("cold-start invocation failed: %v", res.Error)
	}
	ready, err = r.WaitReady(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	first, _ = r.ColdStart()
	return ready, first
}

// outputBuffer collects process output, keeping the last maxOutput bytes.
type outputBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (o *outputBuffer) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.b = append(o.b, p...)
	if len(o.b) > maxOutput {
		o.b = append([]byte(nil), o.b[len(o.b)-maxOutput/2:]...)
	}
	return len(p), nil
}

func (o *outputBuffer) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return string(o.b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
