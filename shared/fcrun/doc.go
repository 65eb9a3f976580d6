// Package fcrun runs an http.Handler as an Alibaba Cloud Function Compute 3.0
// (FC3) function on the go1 runtime, or as a plain HTTP server when no FC
// runtime is present. It is the thin adapter between the FC event protocol
// and net/http, modelled on aws-lambda-go's lambdaurl: it converts, it does
// not decide.
//
// References: FC "Use an HTTP trigger to invoke a function"
// (https://help.aliyun.com/zh/functioncompute/fc-3-0/user-guide/http-trigger-invoking-function),
// the runtime SDK github.com/aliyun/fc-runtime-go-sdk v0.3.1 (its packages
// fccontext, events and fc/messages are used; fc's protocol is spoken, see
// below) and the project digest reference/fc3.md §3 and §4.
//
// # Modes
//
// [Start] picks the mode from two environment variables, read through
// [Options.Lookup] (only main reads the environment):
//
//   - FC_RUNTIME_API set: Start runs its own loop against FC's runtime API
//     (see "The runtime API loop" below) and hands each event to [Handler],
//     which receives the raw event bytes and tells an HTTP-trigger event (a
//     top-level "requestContext" key) from an OSS trigger event (a
//     top-level "events" key). HTTP events go to the http.Handler, OSS
//     events to [Options.Events]. Start does not return in this mode.
//   - FC_RUNTIME_API unset, PORT set: the handler is served over plain HTTP
//     on [Options.ListenHost]:PORT (containers, Kubernetes) until SIGTERM or
//     SIGINT, then the server shuts down gracefully (up to 25 s for
//     in-flight requests) and Start returns nil. A panic gets the same 500
//     answer as in FC mode. A request's headers must arrive within 10 s and
//     the whole request, body included, within 30 s; a slower client is cut
//     off (slowloris), and an idle keep-alive connection is closed after
//     120 s.
//   - neither: Start returns [ErrNoRuntime].
//
// # HTTP trigger event → *http.Request ([Request])
//
//   - Method and path come from requestContext.http. The path is taken from
//     rawPath, which FC sends URL-encoded, so URL.EscapedPath() and
//     RequestURI reproduce the bytes the client sent (callback signatures
//     are computed over the encoded path). requestContext.http.path is used
//     only when rawPath is missing.
//   - FC delivers the query as a map whose multi-values are joined with ",";
//     each entry is kept as one value (a=1&a=2 arrives as a="1,2"), and
//     RawQuery is rebuilt from the map in sorted key order because the
//     original order is not in the event. A rawPath that itself carries a
//     "?query" wins over queryParameters.
//   - Header names are canonicalised (FC's documentation shows lower-case
//     keys, fc3's event template canonical ones). FC joins repeated headers
//     with ","; each header is kept as the one value FC sent, Cookie
//     included ("a=1; b=2" stays one value, which Request.Cookies parses).
//   - The body is base64-decoded when isBase64Encoded is true. It is not
//     copied out of the event: [Handler] decodes the event once, leaving
//     the body in place, and the request's Body unescapes and decodes it as
//     the handler reads, behind the MaxBody cap. A body within the cap is
//     checked (bad base64 is ErrMalformedEvent) and measured in passing,
//     without being held; one certainly over the cap is not decoded at all
//     (the handler meets http.MaxBytesError when it reads past the cap).
//   - Host comes from the Host header, else requestContext.domainName;
//     RemoteAddr is requestContext.http.sourceIp with port 0 (so
//     net.SplitHostPort works); RequestURI is set as a server would.
//   - The request context is the invocation context: it carries the
//     invocation deadline, less a reserve for posting the answer (a tenth of
//     the time left, 50 ms to 1 s), and fccontext.FromContext keeps working. It also
//     carries the event ([EventFromContext]; its Body is nil under
//     [Handler], read the request body instead), the raw event
//     ([RawEventFromContext]), a snapshot of the per-invocation credentials
//     (stored with shared/credentials.NewContext for credentials.Invocation)
//     and FC's request id for the invocation (requestid.FromContext): the
//     runtime API's x-fc-request-id, the id of FC's own "FC Invoke Start
//     RequestId:" log line, else the event's requestContext.requestId.
//
// # The runtime API loop (in place of fc.Start)
//
// fcrun speaks FC's runtime API itself instead of calling the SDK's
// fc.Start, for memory: the SDK reads each event with bytes.Buffer.ReadFrom,
// which doubles its buffer up to 64 MiB and leaves ~110 MiB touched for
// FC's largest event (a 32 MB body, base64: 44.7 MB), so a function's
// peak RSS was 139 MiB. fcrun reads the event once, into a buffer of
// exactly Content-Length bytes (peak 54 MiB; docs/BENCHMARKS.md "Issue 9").
// Without Content-Length it reads chunks and joins them (twice the event at
// the peak). An event over the limit (64 MiB, or 6×MaxBody + 1 MiB when
// that is larger — a body within MaxBody always fits, even JSON-escaped;
// 193 MiB with no cap) is not read: the connection is dropped (without
// Content-Length: after limit+1 bytes) and the invocation answered on
// /error with [ErrEventTooLarge]'s message.
//
// The protocol is the SDK's, github.com/aliyun/fc-runtime-go-sdk v0.3.1
// (fc/runtime_api_client.go, fc/invoke_loop.go, fc/function.go), kept
// byte for byte where FC can see it:
//
//   - base URL http://$FC_RUNTIME_API/2020-11-11/runtime/invocation/ (API
//     version 2020-11-11), the SDK's HTTP client (default transport, no
//     timeout) and User-Agent "aliyun-fc-go/<go version>";
//   - GET next (long poll); a transport error or non-200 status is logged
//     and retried, after a backoff of 5 ms doubling to 500 ms (the SDK
//     retries at once, in a tight loop); each invocation is served in its
//     own goroutine while the loop polls again, as the SDK does;
//   - from the next answer's headers, the SDK's context: x-fc-request-id;
//     x-fc-function-deadline (epoch ms) as the ctx deadline;
//     x-fc-function-timeout; x-fc-retry-count; the credentials
//     x-fc-access-key-id, x-fc-access-key-secret, x-fc-security-token;
//     x-fc-function-name/-handler/-memory, x-fc-service-name/-logproject/
//     -logstore, x-fc-qualifier, x-fc-version-id, x-fc-region,
//     x-fc-account-id and the x-fc-tracing-* headers, stored with
//     fccontext.NewContext, so fccontext.FromContext works as under the
//     SDK. A deadline, timeout, retry count or span baggage header that
//     does not parse is logged and the invocation never answered, exactly
//     like the SDK;
//   - x-fc-function-type 1 (initializer), 2 (preStop), 3 (preFreeze): the
//     SDK's answer for a function with no such handler registered, a POST
//     to error with {"errorMessage":"no initializer handler registered",
//     "errorType":"errorString"} (prestop, prefreeze likewise; the SDK gets
//     there through a panic and adds its stack trace, fcrun does not
//     panic); other types are ordinary invocations;
//   - success: POST <id>/response, Content-Type application/json, the
//     handler's result through json.Marshal (a nil result is null);
//     failure: POST <id>/error, application/json,
//     {"errorMessage":…,"errorType":<the error's Go type name>}, as the
//     SDK's fcErrorResponse builds it (messages.InvokeResponse_Error);
//   - stdout markers "FC Invoke Start RequestId: <id>" and "FC Invoke End
//     RequestId: <id>[, Error: Unhandled function error]" (Initialize,
//     PreStop, PreFreeze for lifecycle invocations), and the SDK's
//     " <id> [ERROR] <error JSON>" line on the standard logger, whose flags
//     are set as fc.Start sets them.
//
// The loop does not recover panics: [Handler] already recovers those of
// the http.Handler and of [Options.Events] (the one recover, below).
//
// # Recorded response → HTTPTriggerResponse ([Response])
//
// FC accepts one value per response header: repeated values are joined
// with ", ", except Set-Cookie, where only the first cookie survives (a
// warning is logged) because cookies cannot be comma-joined. Headers FC
// owns or rejects (Content-Length, Date, Connection, Keep-Alive, Server,
// Upgrade, Transfer-Encoding, Trailer, x-fc-*) are dropped. The body is
// sent as text only for textual content types (text/*, JSON, XML, form,
// JavaScript) holding valid UTF-8; everything else is base64 with
// isBase64Encoded set. An unset Content-Type is sniffed like net/http does.
//
// # Failures
//
// A malformed event (not JSON, not an object, neither kind, missing method
// or path, bad base64) makes [Handler] return an error wrapping
// [ErrMalformedEvent] or [ErrUnknownEvent]; the loop posts it to the
// runtime API's /error endpoint. A panic in the http.Handler is recovered,
// logged with its stack and answered with a 500 JSON body
// {"code":"InternalError","message":"internal error","requestId":…}, the
// body every ossdirect function answers errors with; the process keeps
// serving. The request id is the X-Request-Id the handler had already set
// (shared/api sets it first thing), else FC's; the handler's other headers
// (CORS) are kept unless it had started its response. A panic in
// [Options.Events] becomes an error wrapping [ErrPanic], so FC's async
// retry policy applies.
//
// This is the one place the function binaries recover panics: shared/api
// does not, and [Recover] (plain-HTTP mode, and `ossdirect dev` in front of
// its API listener) shares the same code and answer.
//
// Request bodies are capped at [Options.MaxBody] in both modes (FC's own
// limit for synchronous calls is 32 MB).
//
// # What it deliberately does not do
//
// No routing, no CORS, no access logs, no error table of its own beyond
// the panic answer, no streaming (FC3 event functions return the whole
// response at once), and no reading of the environment except through
// Options.Lookup (FC_RUNTIME_API included: the SDK's fc package, which read
// it from the process environment, is no longer used).
package fcrun
