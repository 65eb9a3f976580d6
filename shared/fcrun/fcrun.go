package fcrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/events"

	"ossdirect/shared/requestid"
)

// Environment variable names Start looks up through Options.Lookup.
const (
	EnvRuntimeAPI = "FC_RUNTIME_API" // host:port of the FC runtime API (set by FC for built-in runtimes)
	EnvPort       = "PORT"           // plain-HTTP port (containers, Kubernetes)
)

// DefaultMaxBody is the request body cap when Options.MaxBody is zero.
const DefaultMaxBody = 6 << 20

// Plain-HTTP server timeouts. readTimeout bounds the whole request,
// headers and body, from the moment the server starts reading it: the
// functions' bodies are small (16 KiB for signing requests, 256 KiB for
// multipart, 64 KiB for callbacks, MaxBody at most), so a client still
// sending after 30 s is trickling (slowloris) and is cut off; its handler
// sees a body read error and its goroutine ends. shutdownTimeout stays
// below Kubernetes' default 30 s termination grace period.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 25 * time.Second
)

// Options configures Start and Handler. The zero value serves HTTP events
// only, logs to slog.Default and caps bodies at DefaultMaxBody; Start also
// needs Lookup.
type Options struct {
	// Events handles OSS trigger events. Nil: such events are rejected with
	// an error wrapping ErrNoEventsHandler. A returned error is posted to
	// FC as the invocation's error (FC's async retry policy then applies).
	Events func(ctx context.Context, ev *events.OssEvent) error
	// Logger receives panics, the listening address and shutdown notes.
	// Default: slog.Default().
	Logger *slog.Logger
	// Lookup looks up an environment variable; main passes os.LookupEnv.
	// Required by Start, unused by Handler.
	Lookup func(string) (string, bool)
	// MaxBody caps request bodies (http.MaxBytesReader) in both modes.
	// Default (0): DefaultMaxBody, 6 MiB; negative: no cap.
	MaxBody int64
	// ListenHost is the interface the plain-HTTP server binds, default ""
	// (all interfaces, as containers need). The port always comes from PORT.
	ListenHost string

	// readHeaderTimeout and readTimeout replace the plain-HTTP server's
	// constants when > 0; only tests set them, to cut slow clients off
	// quickly.
	readHeaderTimeout, readTimeout time.Duration
}

func (o *Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.Default()
	}
	return o.Logger
}

func (o *Options) maxBody() int64 {
	if o.MaxBody == 0 {
		return DefaultMaxBody
	}
	return o.MaxBody
}

// Start runs h as an FC function:
//
//   - with FC_RUNTIME_API set it serves Handler(h, opts) through FC's
//     runtime API (its own loop, in place of the SDK's fc.Start; see the
//     package documentation) and never returns;
//   - with FC_RUNTIME_API unset and PORT set it serves plain HTTP on
//     ListenHost:PORT (PORT=0 picks a free port; the address is logged) and
//     returns nil after a graceful shutdown on SIGTERM or SIGINT;
//   - with neither it returns ErrNoRuntime.
//
// Both variables are read through opts.Lookup; an empty value counts as
// unset.
func Start(h http.Handler, opts Options) error {
	if h == nil {
		return errorf(ErrOptions, "nil http.Handler")
	}
	if opts.Lookup == nil {
		return errorf(ErrOptions, "Options.Lookup is nil (main passes os.LookupEnv)")
	}
	if api, ok := opts.Lookup(EnvRuntimeAPI); ok && api != "" {
		// As fc.Start does: microsecond timestamps on the standard logger,
		// which the loop's own messages go through.
		log.SetFlags(log.LstdFlags | log.Lmicroseconds)
		opts.logger().Debug("fcrun: starting FC runtime loop", "runtimeAPI", api)
		err := runLoop(context.Background(), newRuntimeClient(api, eventLimit(opts.maxBody())), Handler(h, opts))
		return fmt.Errorf("fcrun: runtime loop ended: %w", err) // unreachable: the loop only ends with its context
	}
	port, ok := opts.Lookup(EnvPort)
	if !ok || port == "" {
		return ErrNoRuntime
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errorf(ErrOptions, "%s=%q is not a port number", EnvPort, port)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(opts.ListenHost, port))
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return serve(ctx, ln, h, opts)
}

// serve serves h on ln until ctx is done, then shuts down gracefully. It
// returns nil after a clean shutdown.
func serve(ctx context.Context, ln net.Listener, h http.Handler, opts Options) error {
	log := opts.logger()
	headerTimeout, bodyTimeout := readHeaderTimeout, readTimeout
	if opts.readHeaderTimeout > 0 {
		headerTimeout = opts.readHeaderTimeout
	}
	if opts.readTimeout > 0 {
		bodyTimeout = opts.readTimeout
	}
	srv := &http.Server{
		Handler:           plainHandler(h, opts),
		ReadHeaderTimeout: headerTimeout,
		ReadTimeout:       bodyTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("fcrun: serving plain HTTP", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("fcrun: shutting down", "timeout", shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("fcrun: stopped")
	return nil
}

// plainHandler wraps h for the plain-HTTP server: body cap, the same panic
// answer as in FC mode, and FC's request id. Behind FC's custom runtime
// (the one way this mode is reached on FC) the platform itself sets
// X-Fc-Request-Id on every request, so it is the invocation's id; a
// value that is not a short token is ignored.
func plainHandler(h http.Handler, opts Options) http.Handler {
	maxBody := opts.maxBody()
	rh := Recover(h, opts.logger())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if maxBody > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		if id := r.Header.Get("X-Fc-Request-Id"); id != "" && len(id) <= 128 && isToken(id) {
			r = r.WithContext(requestid.NewContext(r.Context(), id))
		}
		rh.ServeHTTP(w, r)
	})
}

// Recover serves h and answers a panic in it the way the functions do:
// the panic is logged with its stack (http.ErrAbortHandler is not
// logged) and, when nothing was sent yet, the answer is a 500
// {"code":"InternalError","message":"internal error","requestId":…}
// (see [Handler]); once the status line is out, the connection is aborted
// like net/http does. The server keeps serving. Start uses it in plain-HTTP
// mode; `ossdirect dev` puts it in front of its API listener, so a panic
// there is answered as in FC. A nil log means slog.Default().
func Recover(h http.Handler, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &trackingWriter{ResponseWriter: w}
		v, stack := recovered(func() { h.ServeHTTP(tw, r) })
		if stack == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v)
		}
		id := answerID(r.Context(), r, w.Header())
		logPanic(r.Context(), log, v, stack, r, id)
		if tw.committed {
			// The status line is gone: abort the connection like net/http.
			panic(http.ErrAbortHandler)
		}
		writeInternalError(w, id)
	})
}

// recovered calls serve and recovers a panic in it: the value and the
// stack at the panic, or a nil stack when serve returned normally. It holds
// the only recover of the function binaries: [Handler] (FC mode), [Recover]
// (plain-HTTP mode, ossdirect dev) and the OSS event dispatch all go
// through it, and nothing above or below them recovers.
func recovered(serve func()) (v any, stack []byte) {
	defer func() {
		if v = recover(); v != nil {
			stack = debug.Stack()
		}
	}()
	serve()
	return nil, nil
}

// trackingWriter notes whether the response was committed, so a panic
// answer is only written when nothing was sent yet.
type trackingWriter struct {
	http.ResponseWriter
	committed bool
}

func (t *trackingWriter) WriteHeader(code int) {
	if code >= 200 || code < 100 { // 1xx informational responses do not commit
		t.committed = true
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackingWriter) Write(p []byte) (int, error) {
	t.committed = true
	return t.ResponseWriter.Write(p)
}

// Flush passes through so streaming handlers keep working.
func (t *trackingWriter) Flush() {
	t.committed = true
	_ = http.NewResponseController(t.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the server's writer.
func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// internalErrorMessage is the panic answer's message, the same as the
// API's own InternalError answer.
const internalErrorMessage = "internal error"

// answerID is the request id a panic answer names: the X-Request-Id the
// handler had already set on its response (the id it logs under), else the
// FC invocation's request id, else "". A client-sent X-Fc-Request-Id is
// never trusted.
func answerID(ctx context.Context, _ *http.Request, sent http.Header) string {
	if id := sent.Get("X-Request-Id"); id != "" {
		return id
	}
	return requestID(ctx)
}

// writeInternalError answers a request whose handler panicked before it
// sent anything: 500 with the JSON error body every function answers with.
// The headers the handler had set (its X-Request-Id, CORS) are kept, except
// those that described the body it meant to send.
func writeInternalError(w http.ResponseWriter, id string) {
	h := w.Header()
	for _, k := range []string{"Content-Length", "Content-Encoding", "Content-Range", "Etag", "Last-Modified"} {
		h.Del(k)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	if id != "" {
		h.Set("X-Request-Id", id)
	}
	body, _ := json.Marshal(struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"requestId"`
	}{"InternalError", internalErrorMessage, id})
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write(body)
}

func logPanic(ctx context.Context, log *slog.Logger, v any, stack []byte, r *http.Request, id string) {
	attrs := []any{"panic", v, "stack", string(stack)}
	if r != nil {
		attrs = append(attrs, "method", r.Method, "path", r.URL.Path)
	}
	if id != "" {
		attrs = append(attrs, "requestId", id)
	}
	if fcID := requestID(ctx); fcID != "" && fcID != id {
		attrs = append(attrs, "fcRequestId", fcID)
	}
	log.ErrorContext(ctx, "fcrun: handler panicked", attrs...)
}
