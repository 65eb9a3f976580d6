// Package app assembles one ossdirect function from validated
// configuration: the authenticator, the STS client for sts-token, and the
// API handler, signing with the configuration's credentials provider.
// [Build] is the only assembly point: functions/<name>/main.go calls [Run]
// (load the configuration, choose the FC credentials, Build, hand the
// result to fcrun.Start) and the local stack calls Build with its own
// configuration. Nothing here reads the environment except through the
// lookup Run is given and the credentials chain Run chooses
// ([FCCredentials]).
package app

import (
	"errors"
	"io"
	"log/slog"
	"net/http"

	"ossdirect/shared/api"
	"ossdirect/shared/auth"
	"ossdirect/shared/config"
	"ossdirect/shared/credentials"
	"ossdirect/shared/fcrun"
	"ossdirect/shared/ossclient"
	"ossdirect/shared/ratelimit"
	"ossdirect/shared/requestid"
	"ossdirect/shared/sts"
	"ossdirect/shared/webhook"
)

// Build assembles function fn from cfg: the authenticator, the rate
// limiter (in Redis with REDIS_URL, else in process), the STS client
// (sts-token only), the event sink (callback only: a webhook.Sender to
// WEBHOOK_URL, else webhook.Log), the API handlers, and the fcrun options fn needs (the
// OSS event handler for callback). It is the only place a function is
// assembled: the FC entry points (through Run) and the local stack
// (internal/localcloud/devstack) both call it. cfg.Credentials signs
// grants and the AssumeRole call; Run sets the FC chain, the local stack a
// static root identity.
func Build(fn api.Function, cfg *config.Config, log *slog.Logger) (http.Handler, fcrun.Options, error) {
	handlers, err := build(fn, cfg, log)
	if err != nil {
		return nil, fcrun.Options{}, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := fcrun.Options{Logger: log}
	if fn == api.CallbackFn {
		opts.Events = handlers.HandleOSSEvent
	}
	return handlers.Handler(fn), opts, nil
}

// CallbackHandlers are the callback function's handlers assembled exactly
// as Build assembles them (object store, event sink, delivery records),
// for ossdirect reconcile, which runs the function's delivery outside FC.
func CallbackHandlers(cfg *config.Config, log *slog.Logger) (*api.Handlers, error) {
	return build(api.CallbackFn, cfg, log)
}

// build assembles fn's handlers (see Build).
func build(fn api.Function, cfg *config.Config, log *slog.Logger) (*api.Handlers, error) {
	if fn == (api.Function{}) {
		return nil, errors.New("app: the zero api.Function is not a function")
	}
	if cfg.Credentials == nil {
		return nil, errors.New("app: config has no Credentials provider")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	authCfg := cfg.Auth
	authCfg.Logger = log.With("component", "auth")
	authn, err := auth.New(authCfg)
	if err != nil {
		return nil, err
	}
	acfg := api.Config{
		Bucket: cfg.Bucket, Region: cfg.Region, UploadHost: cfg.UploadHost, Endpoint: cfg.Endpoint,
		Profiles: cfg.Profiles, Auth: authn, Credentials: cfg.Credentials,
		CallbackURL: cfg.CallbackURL, KeyURLPrefixes: cfg.CallbackKeyURLPrefixes,
		CORSOrigins: cfg.CORSOrigins, RatePerMinute: cfg.RatePerMinute, RateBurst: cfg.RateBurst,
		SeedProfile:  cfg.SeedProfile,
		GrantSecrets: cfg.GrantSecrets, GrantGrace: cfg.GrantGrace, QuarantinePrefix: cfg.QuarantinePrefix,
		Logger: log.With("component", "api", "function", fn.String()),
	}
	if cfg.RedisURL != "" && cfg.RatePerMinute > 0 {
		// The per-subject limit in Redis, shared by every instance of fn.
		limiter, err := ratelimit.New(ratelimit.Config{URL: cfg.RedisURL, Function: fn.String(),
			PerMinute: cfg.RatePerMinute, Burst: cfg.RateBurst, OnError: cfg.RateOnError,
			Logger: log.With("component", "ratelimit", "function", fn.String())})
		if err != nil {
			return nil, err
		}
		acfg.Limiter = limiter
	}
	if fn == api.PresignedURL {
		// Presigned multipart: the function starts, lists, completes and
		// aborts uploads with its own credentials.
		client, err := ossclient.New(ossclient.Config{Bucket: cfg.Bucket, Region: cfg.Region, Endpoint: cfg.Endpoint, Credentials: cfg.Credentials})
		if err != nil {
			return nil, err
		}
		acfg.Multipart = client
	}
	if fn == api.CallbackFn {
		// The callback function's witness reads the bucket with the
		// function's own credentials.
		objects, err := ossclient.New(ossclient.Config{Bucket: cfg.Bucket, Region: cfg.Region, Endpoint: cfg.Endpoint, Credentials: cfg.Credentials})
		if err != nil {
			return nil, err
		}
		acfg.Objects = objects
		// Upload events: signed webhooks to WEBHOOK_URL, else the log.
		acfg.Events = webhook.Log{Logger: log.With("component", "events")}
		if cfg.WebhookURL != "" {
			sender, err := webhook.New(webhook.Config{URL: cfg.WebhookURL, Secrets: cfg.WebhookSecrets, Logger: log.With("component", "webhook")})
			if err != nil {
				return nil, err
			}
			acfg.Events = sender
			acfg.EventRecords = true // deliver each upload once across channels and retries
		}
		acfg.CallbackBudget = cfg.WebhookCallbackBudget
	}
	if fn == api.STSToken {
		if err := cfg.RequireSTS(); err != nil {
			return nil, err
		}
		client, err := sts.New(sts.Config{RoleARN: cfg.STS.RoleARN, Endpoint: cfg.STS.Endpoint, Duration: cfg.STS.Duration,
			Credentials: cfg.Credentials, Logger: log.With("component", "sts")})
		if err != nil {
			return nil, err
		}
		acfg.STS = client
	}
	return api.New(acfg)
}

// FCCredentials is where a function's signing credentials come from in
// Function Compute: those FC passes with each invocation (the function
// role's, always fresh), else credentials-go's default chain (environment
// variables, config files, ECS RAM role…), which also serves the
// plain-HTTP mode. It reads the environment, so only Run calls it.
func FCCredentials() credentials.Provider {
	return credentials.Chain{credentials.Invocation{}, credentials.NewDefaultChain()}
}

// Run is a function's whole main: load the configuration through lookup and
// readFile (main passes os.LookupEnv and os.ReadFile), fail fast with an
// error naming each bad variable, build the handler and serve it (FC
// runtime, or plain HTTP on $PORT). It returns the exit status.
func Run(fn api.Function, lookup func(string) (string, bool), readFile func(string) ([]byte, error), stderr io.Writer) int {
	cfg, err := config.Load(lookup, readFile)
	if err != nil {
		slog.New(slog.NewJSONHandler(stderr, nil)).Error("invalid configuration: fix the environment variables named below", "function", fn.String(), "err", err)
		return 1
	}
	// Every line logged with a request's context carries its request id
	// (FC's invocation id in FC).
	log := slog.New(requestid.LogHandler(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel})))
	cfg.Credentials = FCCredentials()
	h, opts, err := Build(fn, cfg, log)
	if err != nil {
		log.Error("cannot start", "function", fn.String(), "err", err)
		return 1
	}
	opts.Lookup = lookup
	if err := fcrun.Start(h, opts); err != nil {
		log.Error("stopped", "function", fn.String(), "err", err)
		return 1
	}
	return 0
}
