// Package app assembles one ossdirect function from validated
// configuration: the authenticator, the signing credentials (the function
// role's, per invocation in FC), the STS client for sts-token, and the API
// handler. functions/<name>/main.go loads the configuration, calls Build and
// hands the result to fcrun.Start; nothing here reads the environment.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"ossdirect/shared/api"
	"ossdirect/shared/auth"
	"ossdirect/shared/config"
	"ossdirect/shared/fcrun"
	"ossdirect/shared/requestid"
	"ossdirect/shared/signing"
	"ossdirect/shared/sts"
)

// Build returns the HTTP handler of function name (api.PostSignature,
// api.PresignedURL, api.STSToken or api.CallbackFn) and the fcrun options
// it needs (the OSS event handler for callback). chain is where credentials
// come from outside an FC invocation (sts.DefaultChain() in production).
func Build(name string, cfg *config.Config, chain sts.Signer, log *slog.Logger) (http.Handler, fcrun.Options, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	authCfg := cfg.Auth
	authCfg.Logger = log.With("component", "auth")
	authn, err := auth.New(authCfg)
	if err != nil {
		return nil, fcrun.Options{}, err
	}
	signer := roleSigner{chain: chain}
	acfg := api.Config{
		Bucket: cfg.Bucket, Region: cfg.Region, UploadHost: cfg.UploadHost, Endpoint: cfg.Endpoint,
		Profiles: cfg.Profiles, Auth: authn, Signer: roleCredentials{signer},
		CallbackURL: cfg.CallbackURL, KeyURLPrefixes: cfg.CallbackKeyURLPrefixes,
		CORSOrigins: cfg.CORSOrigins, RatePerMinute: cfg.RatePerMinute, RateBurst: cfg.RateBurst,
		SeedProfile: cfg.SeedProfile,
		Logger:      log.With("component", "api", "function", name),
	}
	if name == api.STSToken {
		if err := cfg.RequireSTS(); err != nil {
			return nil, fcrun.Options{}, err
		}
		client, err := sts.New(sts.Config{RoleARN: cfg.STS.RoleARN, Endpoint: cfg.STS.Endpoint, Duration: cfg.STS.Duration,
			Signer: signer, Logger: log.With("component", "sts")})
		if err != nil {
			return nil, fcrun.Options{}, err
		}
		acfg.STS = client
	}
	handlers, err := api.New(acfg)
	if err != nil {
		return nil, fcrun.Options{}, err
	}
	h, err := handlers.Function(name)
	if err != nil {
		return nil, fcrun.Options{}, err
	}
	opts := fcrun.Options{Logger: log}
	if name == api.CallbackFn {
		opts.Events = handlers.HandleOSSEvent
	}
	return h, opts, nil
}

// roleSigner prefers the credentials FC passes with each invocation (the
// function role's, always fresh) and falls back to the chain (environment
// variables, config files, ECS RAM role…) outside FC.
type roleSigner struct{ chain sts.Signer }

func (s roleSigner) Credentials(ctx context.Context) (ak, secret, token string, err error) {
	if ak, secret, token, ok := fcrun.CredentialsFromContext(ctx); ok {
		return ak, secret, token, nil
	}
	if s.chain == nil {
		return "", "", "", errors.New("app: no credentials: not in an FC invocation and no credential chain")
	}
	return s.chain.Credentials(ctx)
}

// roleCredentials adapts roleSigner to api.CredentialSource. The expiry of
// role credentials is not reported by FC, so grants are capped by their
// profiles' expiry only (FC role credentials live for hours).
type roleCredentials struct{ s roleSigner }

func (c roleCredentials) Credentials(ctx context.Context) (signing.Credentials, time.Time, error) {
	ak, secret, token, err := c.s.Credentials(ctx)
	if err != nil {
		return signing.Credentials{}, time.Time{}, fmt.Errorf("app: signing credentials: %w", err)
	}
	return signing.Credentials{AccessKeyID: ak, AccessKeySecret: secret, SecurityToken: token}, time.Time{}, nil
}

// Run is a function's whole main: load the configuration through lookup and
// readFile (main passes os.LookupEnv and os.ReadFile), fail fast with an
// error naming each bad variable, build the handler and serve it (FC
// runtime, or plain HTTP on $PORT). It returns the exit status.
func Run(name string, lookup func(string) (string, bool), readFile func(string) ([]byte, error), stderr io.Writer) int {
	cfg, err := config.Load(lookup, readFile)
	if err != nil {
		slog.New(slog.NewJSONHandler(stderr, nil)).Error("invalid configuration: fix the environment variables named below", "function", name, "err", err)
		return 1
	}
	// Every line logged with a request's context carries its request id
	// (FC's invocation id in FC).
	log := slog.New(requestid.LogHandler(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel})))
	h, opts, err := Build(name, cfg, sts.DefaultChain(), log)
	if err != nil {
		log.Error("cannot start", "function", name, "err", err)
		return 1
	}
	opts.Lookup = lookup
	if err := fcrun.Start(h, opts); err != nil {
		log.Error("stopped", "function", name, "err", err)
		return 1
	}
	return 0
}
