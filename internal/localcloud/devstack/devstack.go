// Package devstack assembles the local stack behind `ossdirect dev`: the OSS
// emulator, the STS emulator and the API listener, on loopback, sharing one
// root identity and one data folder. The CLI and the end-to-end tests start
// the same stack through Start. Each function on the API listener is
// assembled by app.Build, as in FC, from a config.Config that points at the
// emulators and signs with the root identity, and is mounted at its routes
// from api's route table (api.Functions). With Config.OSSEvents the stack
// also plays the callback function's OSS trigger (trigger.go): the OSS
// emulator's ObjectCreated events invoke the function asynchronously with
// FC's OSS event, retried as FC retries asynchronous invocations.
//
// It is a development tool: the default identity is public and never valid
// in the cloud, and nothing here is meant for production.
package devstack

import (
	"context"

	"crypto/rand"
	"crypto/rsa"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"ossdirect/shared/api"
	"ossdirect/shared/app"
	"ossdirect/shared/auth"
	"ossdirect/shared/config"
	"ossdirect/shared/credentials"
	"ossdirect/shared/fcrun"
	"ossdirect/shared/requestid"
	"ossdirect/shared/upload"

	"ossdirect/internal/doctor"
	"ossdirect/internal/localcloud/inbox"
	"ossdirect/internal/localcloud/ossemu"
	"ossdirect/internal/localcloud/ossemu/notify"
	"ossdirect/internal/localcloud/stsemu"
)

// The development identity: fixed, documented, and never valid in the
// cloud (real AccessKey IDs start with "LTAI" or "STS.").
const (
	DevAccessKeyID     = "DEVossdirectLocalKeyId"
	DevAccessKeySecret = "dev-secret-ossdirect-local-only-never-valid-in-the-cloud"
)

// Config configures the stack. Zero values get the defaults in brackets.
type Config struct {
	Addr    string // API and status page ["127.0.0.1:8080"]; port 0 picks a free port
	OSSAddr string // OSS emulator ["127.0.0.1:9000"]
	STSAddr string // STS emulator ["127.0.0.1:9100"]
	Dir     string // data folder [".data"]
	Bucket  string // ["dev-bucket"]
	Region  string // ["cn-hangzhou"]
	// AccessKeyID and AccessKeySecret are the root identity the emulators
	// trust [DevAccessKeyID, DevAccessKeySecret].
	AccessKeyID, AccessKeySecret string
	// STSRoles are the roles the STS emulator knows (stsemu.Config.Roles);
	// [empty: every well-formed ARN can be assumed].
	STSRoles []string
	// CORSOrigins the OSS emulator and the API allow [the API's own origin].
	CORSOrigins []string
	// Profiles is the upload profiles' JSON [DefaultProfiles()].
	Profiles string
	// Auth is how the API authenticates callers [mode none].
	Auth auth.Config
	// RatePerMinute and RateBurst are the API's per-subject limit [off].
	RatePerMinute, RateBurst int
	// WebDir is the folder served at / on the API listener (the upload page,
	// templates/web) [none]. When it is empty or missing, / shows the status
	// page; the status page is always at /status.
	WebDir string
	// TestHooks serves PUT /_test/bandwidth?bytesPerSecond=N on the API
	// listener, which limits how fast the OSS emulator reads uploads (0
	// lifts the limit). For the end-to-end tests; off by default.
	TestHooks bool
	// Inbox serves the upload events at GET /events (EventsPath) [off].
	// Without a WebhookURL the stack receives them itself: its own
	// receiver at POST /_dev/webhook (InboxPath) verifies and keeps them,
	// with a fresh webhook secret per start; with one, /events says they
	// are forwarded there and lists nothing.
	Inbox bool
	// GrantSecrets sign and verify the grants' callback bindings, the
	// current one first [one random secret per start].
	GrantSecrets [][]byte
	// WebhookURL and WebhookSecrets send the callback function's upload
	// events as signed webhooks, as WEBHOOK_URL and WEBHOOK_SECRET do in FC
	// [none: events are logged].
	WebhookURL     string
	WebhookSecrets []string
	// WebhookCallbackBudget is WEBHOOK_CALLBACK_BUDGET [3s].
	WebhookCallbackBudget time.Duration
	// OSSEvents plays s.yaml's oss-created trigger: the OSS emulator's
	// ObjectCreated events (PutObject, PostObject, CompleteMultipartUpload)
	// under OSSTriggerPrefix invoke the callback function asynchronously
	// with FC's OSS event, retried like FC's asynchronous invocations (see
	// trigger.go). [off; `ossdirect dev` turns it on]
	OSSEvents bool
	// OSSTriggerPrefix is the trigger's key prefix filter [the longest
	// common start of the profiles' directories before their first
	// placeholder; "" when they share none, which filters nothing].
	OSSTriggerPrefix string
	// OSSTriggerTimeout is each invocation's deadline [10s, the callback
	// function's timeout in s.yaml].
	OSSTriggerTimeout time.Duration
	// OSSTriggerRetries is maxAsyncRetryAttempts: the retries after a
	// failed invocation, 1..8; -1 for none [3, as in s.yaml].
	OSSTriggerRetries int
	// OSSTriggerBackoff is the wait before the first retry, doubled before
	// each next one [500ms].
	OSSTriggerBackoff time.Duration
	// OSSBodyIdleTimeout is how long an upload's body may stall before the
	// OSS emulator drops it with 400 RequestTimeout
	// [ossemu.DefaultBodyIdleTimeout, 1 minute].
	OSSBodyIdleTimeout time.Duration
	Logger             *slog.Logger // nil discards
}

// DefaultProfiles returns the local stack's profiles as JSON: the
// functions' own default (config.DefaultProfilesJSON: any content type up
// to 100 MiB under the caller's dated directory, server-chosen names) with
// an upload callback to the local callback function, so the whole flow
// runs. (In the cloud a callback needs CALLBACK_URL, so the functions'
// default has none.)
func DefaultProfiles() string {
	var profiles map[string]map[string]json.RawMessage
	if err := json.Unmarshal([]byte(config.DefaultProfilesJSON), &profiles); err != nil {
		panic("devstack: config.DefaultProfilesJSON: " + err.Error())
	}
	for _, p := range profiles {
		p["callback"] = json.RawMessage("true")
	}
	b, err := json.Marshal(profiles)
	if err != nil {
		panic("devstack: default profiles: " + err.Error())
	}
	return string(b)
}

// DevRoleARN is the role the local sts-token function assumes (stsemu
// accepts any well-formed role).
const DevRoleARN = "acs:ram::" + DevAccountID + ":role/ossdirect-dev"

// Stack is a running local stack.
type Stack struct {
	API, OSS, STS  string // base URLs, with the ports actually bound
	Bucket, Region string
	KeyURL         string // where the OSS emulator serves its callback public key
	KeyURLPrefix   string // the prefix to allow-list for callback verification
	Dir            string
	AccessKeyID    string
	devSecret      string // the root secret when it is the public DevAccessKeySecret (shown on /status), else ""
	Events         string // the event list's URL; empty without Config.Inbox
	servers        []*http.Server
	ossSrv         *ossemu.Server
	webRoot        *os.Root    // the opened WebDir, nil when none
	trigger        *ossTrigger // the OSS trigger, nil when Config.OSSEvents is off
	errs           chan error
	inbox          *inbox.Inbox   // nil without Config.Inbox
	inboxReceives  bool           // the inbox takes the deliveries itself
	app            *config.Config // the functions' configuration (doctor on /status)
	pageOrigins    []string
}

// Info is the JSON line `ossdirect dev` prints once every listener is up.
type Info struct {
	API    string `json:"api"`
	OSS    string `json:"oss"`
	STS    string `json:"sts"`
	Bucket string `json:"bucket"`
	Region string `json:"region"`
	Events string `json:"events,omitempty"`
}

// Info returns the stack's endpoints.
func (s *Stack) Info() Info {
	return Info{API: s.API, OSS: s.OSS, STS: s.STS, Bucket: s.Bucket, Region: s.Region, Events: s.Events}
}

// Start binds every listener, then serves in the background. It returns
// when all listeners are up, or the first error (and then nothing is left
// running).
func Start(cfg Config) (*Stack, error) {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&cfg.Addr, "127.0.0.1:8080")
	def(&cfg.OSSAddr, "127.0.0.1:9000")
	def(&cfg.STSAddr, "127.0.0.1:9100")
	def(&cfg.Dir, ".data")
	def(&cfg.Bucket, "dev-bucket")
	def(&cfg.Region, "cn-hangzhou")
	if cfg.AccessKeyID == "" && cfg.AccessKeySecret == "" {
		cfg.AccessKeyID, cfg.AccessKeySecret = DevAccessKeyID, DevAccessKeySecret
	}
	if cfg.AccessKeyID == "" || cfg.AccessKeySecret == "" {
		return nil, errors.New("devstack: give both the access key id and the secret, or neither")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("devstack: data folder: %w", err)
	}
	var trigger *ossTrigger
	if cfg.OSSEvents {
		tc, err := cfg.triggerConfig(log.With("component", "oss-trigger"))
		if err != nil {
			return nil, err
		}
		trigger = newOSSTrigger(tc) // no goroutine until start
	}

	var listeners []net.Listener
	closeAll := func() {
		for _, l := range listeners {
			l.Close()
		}
	}
	listen := func(what, addr string) (net.Listener, string, error) {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, "", &ListenError{Listener: what, Addr: addr, Err: err}
		}
		listeners = append(listeners, l)
		return l, "http://" + l.Addr().String(), nil
	}
	apiL, apiURL, err := listen("API", cfg.Addr)
	if err != nil {
		closeAll()
		return nil, err
	}
	ossL, ossURL, err := listen("OSS", cfg.OSSAddr)
	if err != nil {
		closeAll()
		return nil, err
	}
	stsL, stsURL, err := listen("STS", cfg.STSAddr)
	if err != nil {
		closeAll()
		return nil, err
	}

	authority, err := stsemu.NewAuthority(stsemu.AuthorityConfig{AccessKeyID: cfg.AccessKeyID, AccessKeySecret: cfg.AccessKeySecret})
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("devstack: %w", err)
	}
	stsSrv, err := stsemu.New(stsemu.Config{Authority: authority, Roles: cfg.STSRoles, Logger: log.With("component", "stsemu")})
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("devstack: %w", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("devstack: callback key: %w", err)
	}
	origins := cfg.CORSOrigins
	if len(origins) == 0 {
		origins = []string{apiURL}
	}
	sender := &notify.Sender{Key: key, Logger: log.With("component", "callback")}
	ossCfg := ossemu.Config{
		Dir:             dir,
		Buckets:         []string{cfg.Bucket},
		Region:          cfg.Region,
		Credentials:     trusted{root: ossemu.StaticCredentials{cfg.AccessKeyID: cfg.AccessKeySecret}, sts: authority},
		CORSOrigins:     origins,
		Callbacks:       sender,
		Logger:          log.With("component", "ossemu"),
		BodyIdleTimeout: cfg.OSSBodyIdleTimeout,
	}
	if trigger != nil {
		ossCfg.Events = trigger.accept
	}
	ossSrv, err := ossemu.New(ossCfg)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("devstack: %w", err)
	}
	keyURL := ossSrv.KeyURL(ossURL)
	sender.PubKeyURL = keyURL

	s := &Stack{
		API: apiURL, OSS: ossURL, STS: stsURL, Bucket: cfg.Bucket, Region: cfg.Region,
		KeyURL: keyURL, KeyURLPrefix: ossSrv.KeyURLPrefix(ossURL), Dir: dir,
		AccessKeyID: cfg.AccessKeyID, ossSrv: ossSrv, errs: make(chan error, 3),
	}
	if cfg.AccessKeySecret == DevAccessKeySecret {
		s.devSecret = DevAccessKeySecret
	}
	if err := s.startInbox(&cfg, log); err != nil {
		closeAll()
		return nil, err
	}
	functions, err := s.functions(cfg, ossSrv.KeyURLPrefix(ossURL), origins, log)
	if err != nil {
		closeAll()
		return nil, err
	}
	if cfg.WebDir != "" {
		web, err := filepath.Abs(cfg.WebDir)
		if err == nil {
			s.webRoot, err = os.OpenRoot(web)
		}
		if err != nil {
			log.Warn("web folder not served; the status page stays at /", "web", cfg.WebDir, "err", err)
		} else {
			log.Info("serving the web folder at /", "web", web)
		}
	}
	api, err := s.apiHandler(functions.mux, log)
	if err != nil {
		closeAll()
		s.closeWeb()
		return nil, err
	}
	var oss http.Handler = ossSrv
	if cfg.TestHooks {
		bw := NewBandwidth()
		oss = bw.Wrap(ossSrv)
		api.Handle("PUT /_test/bandwidth", bw)
		api.Handle("GET /_test/oss-events", serveOSSEventStats(trigger))
		api.Handle("GET /_test/runtime", serveRuntime())
		log.Warn("test hooks on: PUT /_test/bandwidth limits the OSS emulator's upload bandwidth; GET /_test/oss-events reports the OSS trigger")
	}
	if trigger != nil {
		if cfg.OSSTriggerPrefix == "" {
			trigger.cfg.Prefix = profilesPrefix(functions.profiles)
		}
		trigger.start(functions.callbackEvents)
		s.trigger = trigger
	}
	// fcrun.Recover is the one place ossdirect dev recovers panics in the
	// API listener's handlers, answering them as the deployed functions do.
	for _, x := range []struct {
		l net.Listener
		h http.Handler
	}{{apiL, fcrun.Recover(api, log.With("component", "api"))}, {ossL, oss}, {stsL, stsSrv}} {
		// Headers within 30 s, a keep-alive connection closed after 2
		// minutes idle; bodies are bounded by each handler (the OSS
		// emulator's BodyIdleTimeout, the functions' size caps).
		srv := &http.Server{Handler: x.h, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		s.servers = append(s.servers, srv)
		go func(l net.Listener) {
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.errs <- err
			}
		}(x.l)
	}
	log.Info("local stack up", "api", apiURL, "oss", ossURL, "sts", stsURL, "bucket", cfg.Bucket, "dir", dir)
	return s, nil
}

// ListenError reports a listener that could not bind (Listener is "API",
// "OSS" or "STS"); errors.Is(err, syscall.EADDRINUSE) tells a busy port.
type ListenError struct {
	Listener, Addr string
	Err            error
}

func (e *ListenError) Error() string {
	return fmt.Sprintf("devstack: %s listener on %s: %v", e.Listener, e.Addr, e.Err)
}

func (e *ListenError) Unwrap() error { return e.Err }

// Err reports a listener that stopped on its own.
func (s *Stack) Err() <-chan error { return s.errs }

// OSSEmulator is the stack's OSS emulator, for tests that break it like a
// misconfigured account (ossemu's knobs) or reach its configuration.
func (s *Stack) OSSEmulator() *ossemu.Server { return s.ossSrv }

// OSSEventStats reports what the OSS trigger has done (Enabled false when
// Config.OSSEvents is off); GET /_test/oss-events serves the same.
func (s *Stack) OSSEventStats() OSSEventStats {
	if s.trigger == nil {
		return OSSEventStats{}
	}
	return s.trigger.Stats()
}

// Close stops the OSS trigger (cancelling its invocations) and every
// listener, letting in-flight requests finish until ctx ends.
func (s *Stack) Close(ctx context.Context) error {
	if s.inbox != nil {
		s.inbox.Close() // ends the event streams, which Shutdown would wait for
	}
	var errs []error
	if s.trigger != nil {
		if err := s.trigger.close(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	for _, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil {
			// Connections that never sent a request count as active for
			// a while; once the grace period is over, close them.
			srv.Close()
			if !errors.Is(err, context.DeadlineExceeded) {
				errs = append(errs, err)
			}
		}
	}
	s.closeWeb()
	return errors.Join(errs...)
}

func (s *Stack) closeWeb() {
	if s.webRoot != nil {
		s.webRoot.Close()
	}
}

//go:embed status.html
var statusHTML string

// assembled is what functions builds.
type assembled struct {
	// mux serves the four functions at their routes.
	mux *http.ServeMux
	// profiles are the upload profiles the functions were built with.
	profiles upload.Profiles
	// callbackEvents is the callback function's FC event handler,
	// fcrun.Handler over what app.Build returned: what FC invokes for its
	// OSS trigger.
	callbackEvents func(context.Context, []byte) (any, error)
}

// functions assembles the four functions against the emulators, each with
// app.Build as in FC, from one config.Config: the root identity signs
// (a static credentials provider), stsemu issues STS credentials, and the
// callback function trusts the OSS emulator's public key (and only it).
// It returns them mounted at their routes (api.Function.Routes), and the
// callback function's FC event handler for the OSS trigger. As in FC
// (app.Run), their log records carry the request id of their context.
func (s *Stack) functions(cfg Config, keyPrefix string, origins []string, log *slog.Logger) (*assembled, error) {
	profilesJSON := cfg.Profiles
	if profilesJSON == "" {
		profilesJSON = DefaultProfiles()
	}
	profiles, err := upload.ParseProfiles([]byte(profilesJSON))
	if err != nil {
		return nil, fmt.Errorf("devstack: profiles: %w", err)
	}
	authCfg := cfg.Auth
	if authCfg.Mode == "" {
		authCfg.Mode = auth.ModeNone
	}
	fcfg := &config.Config{
		Bucket:                 s.Bucket,
		Region:                 s.Region,
		Endpoint:               s.OSS,
		UploadHost:             s.OSS + "/" + s.Bucket,
		Profiles:               profiles,
		Auth:                   authCfg,
		STS:                    config.STS{RoleARN: DevRoleARN, Endpoint: s.STS},
		CallbackURL:            s.API + api.CallbackFn.Path(),
		CallbackKeyURLPrefixes: []string{keyPrefix},
		CORSOrigins:            origins,
		RatePerMinute:          cfg.RatePerMinute,
		RateBurst:              cfg.RateBurst,
		Credentials:            credentials.NewStatic(cfg.AccessKeyID, cfg.AccessKeySecret, ""),
		GrantSecrets:           cfg.GrantSecrets,
		GrantGrace:             30 * time.Minute,
		QuarantinePrefix:       config.DefaultQuarantinePrefix,
		WebhookURL:             cfg.WebhookURL,
		WebhookSecrets:         cfg.WebhookSecrets,
		WebhookCallbackBudget:  cfg.WebhookCallbackBudget,
	}
	if len(fcfg.GrantSecrets) == 0 {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, fmt.Errorf("devstack: grant secret: %w", err)
		}
		fcfg.GrantSecrets = [][]byte{secret}
	}
	s.app, s.pageOrigins = fcfg, origins
	out := &assembled{mux: http.NewServeMux(), profiles: profiles}
	flog := slog.New(requestid.LogHandler(log.Handler()))
	for _, fn := range api.Functions() {
		h, opts, err := app.Build(fn, fcfg, flog)
		if err != nil {
			return nil, fmt.Errorf("devstack: %s: %w", fn, err)
		}
		for _, route := range fn.Routes() {
			out.mux.Handle(route, h)
		}
		if fn == api.CallbackFn {
			out.callbackEvents = fcrun.Handler(h, opts)
		}
	}
	return out, nil
}

func (s *Stack) apiHandler(mux *http.ServeMux, log *slog.Logger) (*http.ServeMux, error) {
	page, err := template.New("status").Parse(statusHTML)
	if err != nil {
		return nil, fmt.Errorf("devstack: status page: %w", err)
	}
	status := func(w http.ResponseWriter, r *http.Request) {
		data := map[string]any{
			"OSS": s.OSS, "OSSHost": strings.TrimPrefix(s.OSS, "http://"), "STS": s.STS, "Bucket": s.Bucket,
			"Region": s.Region, "KeyURL": s.KeyURL, "Data": s.Dir, "AccessKeyID": s.AccessKeyID, "DevSecret": s.devSecret,
			"Events": s.Events, "Receiver": s.receiver(),
		}
		s.pendingUploads(data, log)
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		data["Doctor"] = doctor.Run(ctx, doctor.Config{App: s.app, PageOrigins: s.pageOrigins, ReadOnly: true})
		cancel()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		page.Execute(w, data)
	}
	mux.HandleFunc("GET /status", status)
	s.mountInbox(mux)
	if s.webRoot != nil {
		// "/" without a method: it must not conflict with the functions'
		// method-less routes; StaticFiles answers 405 itself.
		mux.Handle("/", StaticFiles(s.webRoot.FS()))
	} else {
		mux.HandleFunc("GET /{$}", status)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"status": "ok", "stack": s.Info()})
	})
	return mux, nil
}

// maxPendingShown bounds the pending multipart uploads the status page lists.
const maxPendingShown = 100

// pendingRow is one pending multipart upload on the status page.
type pendingRow struct {
	Key, UploadID, Initiated string
	Parts                    int
	Bytes                    int64
}

// pendingUploads puts the bucket's multipart uploads in progress into the
// status page's data, as the emulator's store has them: "Pending" (at most
// maxPendingShown rows, by key), "PendingMore" (how many more) and
// "PendingErr" when they cannot be read.
func (s *Stack) pendingUploads(data map[string]any, log *slog.Logger) {
	uploads, err := s.ossSrv.PendingUploads(s.Bucket)
	if err != nil {
		log.Warn("status page: listing pending multipart uploads", "err", err)
		data["PendingErr"] = err.Error()
		return
	}
	rows := make([]pendingRow, 0, min(len(uploads), maxPendingShown))
	for _, u := range uploads[:min(len(uploads), maxPendingShown)] {
		rows = append(rows, pendingRow{Key: u.Key, UploadID: u.UploadID,
			Initiated: u.Initiated.UTC().Format(time.RFC3339), Parts: u.Parts, Bytes: u.Bytes})
	}
	data["Pending"], data["PendingMore"] = rows, len(uploads)-len(rows)
}

// Trusted is what the OSS emulator trusts in the local stack: the root
// identity, and the temporary credentials the STS emulator issued (with
// their session policy, and the session as the principal overwrite rules
// name). Other harnesses of the two emulators (the conformance suite) wire
// them the same way with it.
func Trusted(root ossemu.StaticCredentials, sts *stsemu.Authority) ossemu.Credentials {
	return trusted{root: root, sts: sts}
}

type trusted struct {
	root ossemu.StaticCredentials
	sts  *stsemu.Authority
}

func (c trusted) Lookup(accessKeyID, securityToken string, now time.Time) (ossemu.Principal, error) {
	if securityToken == "" {
		return c.root.Lookup(accessKeyID, "", now)
	}
	id, err := c.sts.Lookup(accessKeyID, securityToken, now)
	switch {
	case errors.Is(err, stsemu.ErrTokenExpired):
		return ossemu.Principal{}, fmt.Errorf("%w: %v", ossemu.ErrSecurityTokenExpired, err)
	case err != nil:
		return ossemu.Principal{}, fmt.Errorf("%w: %v", ossemu.ErrInvalidSecurityToken, err)
	}
	return ossemu.Principal{Secret: id.AccessKeySecret, Allowed: id.Allows, ID: id.AssumedRoleID()}, nil
}

// staticTypes fixes the content types of the page's files so they do not
// depend on the host's MIME tables (many lack .mjs, and browsers refuse ES
// modules served with a non-JavaScript type).
var staticTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".json": "application/json",
	".map":  "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".wasm": "application/wasm",
	".txt":  "text/plain; charset=utf-8",
}

// StaticFiles serves the files of fsys (the upload page and the browser
// SDKs under its node_modules) for GET and HEAD: no directory listings (a
// folder serves its index.html or 404), no dot files, fixed content types
// for scripts and styles, and Cache-Control: no-cache so an edited page is
// picked up on reload. Give it an os.Root's FS so symbolic links cannot
// lead outside the folder.
func StaticFiles(fsys fs.FS) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if name == "" {
			name = "."
		}
		if !fs.ValidPath(name) {
			http.NotFound(w, r)
			return
		}
		for _, seg := range strings.Split(name, "/") {
			if strings.HasPrefix(seg, ".") && seg != "." {
				http.NotFound(w, r)
				return
			}
		}
		f, err := fsys.Open(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer func() { f.Close() }()
		st, err := f.Stat()
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if st.IsDir() {
			if !strings.HasSuffix(r.URL.Path, "/") {
				target := path.Base(r.URL.Path) + "/"
				if r.URL.RawQuery != "" {
					target += "?" + r.URL.RawQuery
				}
				http.Redirect(w, r, target, http.StatusMovedPermanently)
				return
			}
			index, err := fsys.Open(path.Join(name, "index.html"))
			if err != nil {
				http.NotFound(w, r) // a folder without index.html: never a listing
				return
			}
			f.Close()
			f, name = index, path.Join(name, "index.html")
			if st, err = f.Stat(); err != nil || st.IsDir() {
				http.NotFound(w, r)
				return
			}
		}
		content, ok := f.(io.ReadSeeker)
		if !ok {
			http.Error(w, "file is not seekable", http.StatusInternalServerError)
			return
		}
		ext := strings.ToLower(path.Ext(name))
		if ct, ok := staticTypes[ext]; ok {
			w.Header().Set("Content-Type", ct)
		} else if ct := mime.TypeByExtension(ext); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, st.Name(), st.ModTime(), content)
	})
}
