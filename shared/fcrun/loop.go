package fcrun

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"reflect"
	"runtime"
	"strconv"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/fc/messages"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"
)

// The FC runtime API as github.com/aliyun/fc-runtime-go-sdk v0.3.1 speaks it
// (fc/runtime_api_client.go, fc/invoke_loop.go): the version in the path,
// the headers it reads and the content type it posts. Do not change them
// without checking the SDK.
const (
	runtimeAPIVersion = "2020-11-11"
	contentTypeJSON   = "application/json"

	hdrRequestID       = "x-fc-request-id"
	hdrDeadlineMS      = "x-fc-function-deadline"
	hdrAccessKeyID     = "x-fc-access-key-id"
	hdrAccessKeySecret = "x-fc-access-key-secret"
	hdrSecurityToken   = "x-fc-security-token"
	hdrFunctionType    = "x-fc-function-type"
	hdrFunctionName    = "x-fc-function-name"
	hdrFunctionHandler = "x-fc-function-handler"
	hdrFunctionMemory  = "x-fc-function-memory"
	hdrFunctionTimeout = "x-fc-function-timeout"
	hdrServiceName     = "x-fc-service-name"
	hdrServiceLogProj  = "x-fc-service-logproject"
	hdrServiceLogStore = "x-fc-service-logstore"
	hdrSpanContext     = "x-fc-tracing-opentracing-span-context"
	hdrSpanBaggages    = "x-fc-tracing-opentracing-span-baggages"
	hdrJaegerEndpoint  = "x-fc-tracing-jaeger-endpoint"
	hdrRegion          = "x-fc-region"
	hdrAccountID       = "x-fc-account-id"
	hdrQualifier       = "x-fc-qualifier"
	hdrVersionID       = "x-fc-version-id"
	hdrRetryCount      = "x-fc-retry-count"
)

// Invocation types (x-fc-function-type), as the SDK numbers them.
const (
	invokeHandler     = 0
	invokeInitializer = 1
	invokePreStop     = 2
	invokePreFreeze   = 3
)

// Event size limits. FC's largest event is an HTTP trigger event carrying a
// 32 MB body base64-encoded (44.7 MB); minEventLimit leaves room for that
// and for a text body JSON-escaped beyond it. A larger MaxBody raises the
// limit so that any body within MaxBody fits even fully escaped (≤ 6 bytes
// per byte, \u00XX) and still reaches the handler, which answers it.
const (
	minEventLimit   = 64 << 20
	eventOverhead   = 1 << 20 // headers, query, requestContext
	noCapEventLimit = 6*(32<<20) + eventOverhead
)

// eventLimit is the largest event the loop reads for a body cap of
// maxBody (Options.maxBody: > 0 a cap, < 0 none).
func eventLimit(maxBody int64) int64 {
	if maxBody < 0 {
		return noCapEventLimit
	}
	if n := 6*maxBody + eventOverhead; n > minEventLimit {
		return min(n, noCapEventLimit)
	}
	return minEventLimit
}

// Backoff between failed /next polls (the SDK retries at once, in a tight
// loop).
const (
	nextBackoffMin = 5 * time.Millisecond
	nextBackoffMax = 500 * time.Millisecond
)

// eventFunc is what the loop serves: [Handler]'s function.
type eventFunc func(ctx context.Context, raw []byte) (any, error)

// runtimeClient talks to the FC runtime API like the SDK's
// runtimeAPIClient: same base URL, User-Agent, HTTP client (default
// transport, no timeout) and content type.
type runtimeClient struct {
	base      string // http://<FC_RUNTIME_API>/2020-11-11/runtime/invocation/
	userAgent string
	hc        *http.Client
	maxEvent  int64
}

func newRuntimeClient(api string, maxEvent int64) *runtimeClient {
	return &runtimeClient{
		base:      "http://" + api + "/" + runtimeAPIVersion + "/runtime/invocation/",
		userAgent: "aliyun-fc-go/" + runtime.Version(),
		hc:        &http.Client{Timeout: 0},
		maxEvent:  maxEvent,
	}
}

// invocation is one /next answer: its headers and either the event or,
// for an event over the limit, the error to post instead.
type invocation struct {
	id       string
	header   http.Header
	payload  []byte
	tooLarge error
}

// runLoop polls /next forever and serves each invocation in its own
// goroutine, as the SDK does. It returns only if ctx is done.
func runLoop(ctx context.Context, c *runtimeClient, fn eventFunc) error {
	backoff := nextBackoffMin
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		inv, err := c.next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			log.Printf("failed to get invoke request due to %v", err)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return ctx.Err()
			}
			backoff = min(2*backoff, nextBackoffMax)
			continue
		}
		backoff = nextBackoffMin
		go func() {
			if err := c.handle(inv, fn); err != nil {
				log.Printf("failed to invoke function due to %v", err)
			}
		}()
	}
}

// next waits for the next invocation. The event is read once, into a
// buffer of exactly Content-Length bytes; without Content-Length it is read
// in chunks and joined (twice its size at the peak). An event over the
// limit is not read at all (with Content-Length) or no further than the
// limit (without); the invocation is returned with tooLarge set.
func (c *runtimeClient) next(ctx context.Context) (*invocation, error) {
	url := c.base + "next"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("failed to construct GET request to %s: %v", url, err)
	}
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("failed to get the next invoke: %v", err)
	}
	defer resp.Body.Close() // before EOF: the transport drops the connection, it does not drain it
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("failed to GET %s: got unexpected status code: %d", url, resp.StatusCode)
	}
	inv := &invocation{id: resp.Header.Get(hdrRequestID), header: resp.Header}
	switch n := resp.ContentLength; {
	case n > c.maxEvent:
		inv.tooLarge = errorf(ErrEventTooLarge, "%d bytes, limit %d", n, c.maxEvent)
	case n >= 0:
		inv.payload = make([]byte, n)
		if _, err := io.ReadFull(resp.Body, inv.payload); err != nil {
			return nil, fmt.Errorf("failed to read the invoke payload: %v", err)
		}
	default:
		inv.payload, err = readChunked(resp.Body, c.maxEvent)
		if errors.Is(err, ErrEventTooLarge) {
			inv.payload, inv.tooLarge = nil, err
		} else if err != nil {
			return nil, fmt.Errorf("failed to read the invoke payload: %v", err)
		}
	}
	return inv, nil
}

// readChunked reads r to EOF without a known length: into chunks that
// grow from 16 KiB to 4 MiB (nothing is copied while reading), then into
// one slice of the exact size. More than limit bytes is ErrEventTooLarge,
// after reading limit+1 bytes.
func readChunked(r io.Reader, limit int64) ([]byte, error) {
	var chunks [][]byte
	var total int64
	size := 16 << 10
	for {
		chunk := make([]byte, size)
		n, err := io.ReadFull(r, chunk)
		chunk = chunk[:n]
		total += int64(n)
		if total > limit {
			return nil, errorf(ErrEventTooLarge, "over %d bytes (no Content-Length)", limit)
		}
		if n > 0 {
			chunks = append(chunks, chunk)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
		size = min(2*size, 4<<20)
	}
	switch len(chunks) {
	case 0:
		return []byte{}, nil
	case 1:
		return chunks[0], nil
	}
	out := make([]byte, 0, total)
	for i := range chunks {
		out = append(out, chunks[i]...)
		chunks[i] = nil
	}
	return out, nil
}

// handle serves one invocation like the SDK's handleInvoke and
// Function.Invoke: the context (deadline, fccontext), the FC Invoke
// Start/End lines on stdout, then POST /response or /error. It returns an
// error (the caller logs it) when the headers do not parse, in which case
// nothing is posted, as with the SDK, or when the runtime API refused the
// result.
func (c *runtimeClient) handle(inv *invocation, fn eventFunc) error {
	fcc, deadline, err := invocationMeta(inv)
	if err != nil {
		return fmt.Errorf("unexpected error occurred when parsing the invoke: %v", err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	ctx = fccontext.NewContext(ctx, fcc)

	typ := functionType(inv.header)
	printStartLog(typ, inv.id)
	var payload []byte
	var fail *messages.InvokeResponse_Error
	switch {
	case typ != invokeHandler:
		// The SDK answers a lifecycle invocation without a registered
		// handler (none is ever registered here) with this error.
		fail = &messages.InvokeResponse_Error{Message: "no " + lifecycleName(typ) + " handler registered", Type: "errorString"}
	case inv.tooLarge != nil:
		fail = errorResponse(inv.tooLarge)
	default:
		v, err := fn(ctx, inv.payload)
		if err == nil {
			payload, err = json.Marshal(v)
		}
		if err != nil {
			fail = errorResponse(err)
		}
	}
	if fail != nil {
		log.Printf(" %s [ERROR] %s\n", inv.id, fail.ToJson())
		printEndLog(typ, inv.id, false)
		if err := c.post(c.base+inv.id+"/error", safeMarshal(fail)); err != nil {
			return fmt.Errorf("unexpected error occurred when sending the function error to the API: %v", err)
		}
		return nil
	}
	printEndLog(typ, inv.id, true)
	if err := c.post(c.base+inv.id+"/response", payload); err != nil {
		return fmt.Errorf("unexpected error occurred when sending the function functionResponse to the API: %v", err)
	}
	return nil
}

// invocationMeta builds the invocation's fccontext and deadline from the
// /next headers exactly as the SDK's convertInvokeRequest does; the same
// headers are required and the same errors returned.
func invocationMeta(inv *invocation) (*fccontext.FcContext, time.Time, error) {
	h := inv.header
	deadlineMS, err := strconv.ParseInt(h.Get(hdrDeadlineMS), 10, 64)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("failed to parse contents of header: %s", hdrDeadlineMS)
	}
	timeout, err := strconv.Atoi(h.Get(hdrFunctionTimeout))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("failed to parse contents of header: %s", hdrFunctionTimeout)
	}
	retries := 0
	if s := h.Get(hdrRetryCount); s != "" {
		if retries, err = strconv.Atoi(s); err != nil {
			return nil, time.Time{}, fmt.Errorf("failed to parse contents of header: %s", hdrFunctionTimeout) // sic, as the SDK
		}
	}
	baggages := map[string]string{}
	if s := h.Get(hdrSpanBaggages); s != "" {
		b, err := base64.StdEncoding.DecodeString(s)
		if err == nil {
			err = json.Unmarshal(b, &baggages)
		}
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("failed to parse contents of header %s: %s", hdrSpanContext, s)
		}
	}
	fcc := &fccontext.FcContext{
		RequestID: inv.id,
		Credentials: fccontext.Credentials{
			AccessKeyId:     h.Get(hdrAccessKeyID),
			AccessKeySecret: h.Get(hdrAccessKeySecret),
			SecurityToken:   h.Get(hdrSecurityToken),
		},
		Function: fccontext.Function{
			Name:    h.Get(hdrFunctionName),
			Handler: h.Get(hdrFunctionHandler),
			Memory:  h.Get(hdrFunctionMemory),
			Timeout: timeout,
		},
		Service: fccontext.Service{
			Name:       h.Get(hdrServiceName),
			LogProject: h.Get(hdrServiceLogProj),
			LogStore:   h.Get(hdrServiceLogStore),
			Qualifier:  h.Get(hdrQualifier),
			VersionId:  h.Get(hdrVersionID),
		},
		Tracing: fccontext.Tracing{
			OpenTracingSpanContext:  h.Get(hdrSpanContext),
			OpenTracingSpanBaggages: baggages,
			JaegerEndpoint:          h.Get(hdrJaegerEndpoint),
		},
		Region:     h.Get(hdrRegion),
		AccountId:  h.Get(hdrAccountID),
		RetryCount: retries,
	}
	deadline := time.Unix(deadlineMS/1000, (deadlineMS%1000)*int64(time.Millisecond)).UTC()
	return fcc, deadline, nil
}

// functionType is x-fc-function-type; a missing or unknown value is an
// ordinary invocation, as in the SDK.
func functionType(h http.Header) int {
	switch t, err := strconv.ParseInt(h.Get(hdrFunctionType), 10, 64); {
	case err != nil:
		return invokeHandler
	case t == invokeInitializer, t == invokePreStop, t == invokePreFreeze:
		return int(t)
	default:
		return invokeHandler
	}
}

func lifecycleName(typ int) string {
	switch typ {
	case invokeInitializer:
		return "initializer"
	case invokePreStop:
		return "prestop"
	default:
		return "prefreeze"
	}
}

// errorResponse is the SDK's fcErrorResponse: the message and the Go type
// name of the error (e.g. "wrapError" for fmt.Errorf with %w).
func errorResponse(err error) *messages.InvokeResponse_Error {
	if ive, ok := err.(messages.InvokeResponse_Error); ok {
		return &ive
	}
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return &messages.InvokeResponse_Error{Message: err.Error(), Type: t.Name()}
}

// safeMarshal is the SDK's: an error that cannot be marshalled is reported
// as Runtime.SerializationError.
func safeMarshal(e *messages.InvokeResponse_Error) []byte {
	b, err := json.Marshal(e)
	if err != nil {
		b, _ = json.Marshal(&messages.InvokeResponse_Error{Type: "Runtime.SerializationError", Message: err.Error()})
	}
	return b
}

// post sends a result as the SDK does: application/json, its User-Agent,
// 200 expected.
func (c *runtimeClient) post(url string, payload []byte) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("failed to construct POST request to %s: %v", url, err)
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Content-Type", contentTypeJSON)
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("failed to POST to %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("failed to POST to %s: got unexpected status code: %d", url, resp.StatusCode)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("something went wrong reading the POST response from %s: %v", url, err)
	}
	return nil
}

// printStartLog and printEndLog write the SDK's stdout markers, which FC's
// log view and the tests key on.
func printStartLog(typ int, id string) {
	fmt.Printf("FC %s Start RequestId: %s\n", markerName(typ), id)
}

func printEndLog(typ int, id string, ok bool) {
	suffix := ""
	if !ok {
		suffix = ", Error: Unhandled function error"
	}
	fmt.Printf("FC %s End RequestId: %s%s\n", markerName(typ), id, suffix)
}

func markerName(typ int) string {
	switch typ {
	case invokeInitializer:
		return "Initialize"
	case invokePreStop:
		return "PreStop"
	case invokePreFreeze:
		return "PreFreeze"
	default:
		return "Invoke"
	}
}
