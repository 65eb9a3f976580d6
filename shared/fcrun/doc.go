// Package fcrun runs an http.Handler as an Alibaba Cloud Function Compute 3.0
// (FC3) function on the go1 runtime, or as a plain HTTP server when no FC
// runtime is present. It is the thin adapter between the FC event protocol
// and net/http, modelled on aws-lambda-go's lambdaurl: it converts, it does
// not decide.
//
// References: FC "Use an HTTP trigger to invoke a function"
// (https://help.aliyun.com/zh/functioncompute/fc-3-0/user-guide/http-trigger-invoking-function),
// the runtime SDK github.com/aliyun/fc-runtime-go-sdk v0.3.1 (fc, fccontext,
// events) and the project digest reference/fc3.md §3 and §4.
//
// # Modes
//
// [Start] picks the mode from two environment variables, read through
// [Options.Lookup] (only main reads the environment):
//
//   - FC_RUNTIME_API set: fc.Start is called with [Handler], which receives
//     the raw event bytes and tells an HTTP-trigger event (a top-level
//     "requestContext" key) from an OSS trigger event (a top-level "events"
//     key). HTTP events go to the http.Handler, OSS events to
//     [Options.Events]. Start does not return in this mode.
//   - FC_RUNTIME_API unset, PORT set: the handler is served over plain HTTP
//     on [Options.ListenHost]:PORT (containers, Kubernetes) until SIGTERM or
//     SIGINT, then the server shuts down gracefully (up to 25 s for
//     in-flight requests) and Start returns nil. A panic gets the same 500
//     answer as in FC mode.
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
//     invocation deadline and fccontext.FromContext keeps working. It also
//     carries the event ([EventFromContext]; its Body is nil under
//     [Handler], read the request body instead), the raw event
//     ([RawEventFromContext]), a snapshot of the per-invocation credentials
//     (stored with shared/credentials.NewContext for credentials.Invocation)
//     and FC's request id for the invocation (requestid.FromContext): the
//     runtime API's x-fc-request-id, the id of FC's own "FC Invoke Start
//     RequestId:" log line, else the event's requestContext.requestId.
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
// [ErrMalformedEvent] or [ErrUnknownEvent]; the SDK posts it to the
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
// Options.Lookup. The SDK itself reads FC_RUNTIME_API from the process
// environment; Start writes the value Lookup returned there so both agree.
package fcrun
