package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unicode"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/shared/auth"
	"ossdirect/shared/webhook"
)

// devCommand runs the local stack until SIGINT or SIGTERM. Once every
// listener is up it prints one JSON line with the endpoints on stdout
// (devstack.Info, the event list's URL included); logs go to stderr.
func devCommand(args []string, stdout, stderr io.Writer) error {
	const cmd = "dev"
	fs := newFlagSet(cmd, stdout)
	var cfg devstack.Config
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "API and status page `ADDRESS` (port 0: any free port)")
	fs.StringVar(&cfg.OSSAddr, "oss-addr", "127.0.0.1:9000", "OSS emulator `ADDRESS`")
	fs.StringVar(&cfg.STSAddr, "sts-addr", "127.0.0.1:9100", "STS emulator `ADDRESS`")
	fs.StringVar(&cfg.Dir, "data", ".data", "data `FOLDER` (objects, multipart parts)")
	fs.StringVar(&cfg.Bucket, "bucket", "dev-bucket", "`BUCKET` served by the OSS emulator")
	fs.StringVar(&cfg.Region, "region", "cn-hangzhou", "`REGION` V4 signatures must name")
	fs.StringVar(&cfg.AccessKeyID, "access-key-id", devstack.DevAccessKeyID, "`ID` of the root identity the emulators trust (the default is a public development key)")
	fs.StringVar(&cfg.AccessKeySecret, "access-key-secret", devstack.DevAccessKeySecret, "`SECRET` of the root identity")
	var origins prefixList
	fs.Var(&origins, "cors-origin", "browser `ORIGIN` the OSS emulator allows (repeatable; default: the API's own origin)")
	fs.StringVar(&cfg.WebDir, "web", "templates/web", "`FOLDER` served at / (the upload page); if it is missing the status page stays at /")
	profilesFile := fs.String("profiles", "", "JSON `FILE` with the upload profiles (default: the built-in dev profile \"default\")")
	logLevel := fs.String("log-level", "info", "`LEVEL`: debug, info, warn or error")
	fs.BoolVar(&cfg.TestHooks, "test-hooks", false, "serve PUT /_test/bandwidth?bytesPerSecond=N, which slows the OSS emulator's uploads (for the end-to-end tests)")
	fs.StringVar(&cfg.WebhookURL, "webhook-url", "", "POST upload events as signed Standard Webhooks to your receiver at this `URL` (needs --webhook-secret); default: the stack's own receiver, which lists them at /events and on the upload page")
	webhookSecret := fs.String("webhook-secret", "", "whsec_ `SECRET`(s) signing the webhooks, separated by spaces or commas, the current one first")
	fs.BoolVar(&cfg.OSSEvents, "oss-events", true, "send the OSS emulator's ObjectCreated events to the callback function like s.yaml's OSS trigger (asynchronous, retried); --oss-events=false turns it off")
	fs.StringVar(&cfg.OSSTriggerPrefix, "oss-trigger-prefix", "", "key `PREFIX` the OSS trigger filters on (default: the common start of the profiles' directories)")
	var af authFlags
	fs.StringVar(&af.mode, "auth", string(auth.ModeNone), "how the functions authenticate callers (`MODE`): none, jwt or apikey")
	fs.Var(&af.apiKeys, "api-key", "apikey: `SUBJECT:KEY`, a caller's API key and the subject it stands for (repeatable; keys at least 16 characters)")
	fs.StringVar(&af.jwtSecret, "jwt-secret", "", "jwt: the HS256 `SECRET` tokens are signed with, at least 32 bytes")
	fs.StringVar(&af.jwtIssuer, "jwt-issuer", "", "jwt: required iss claim `ISSUER` (optional)")
	fs.StringVar(&af.jwtAudience, "jwt-audience", "", "jwt: required aud claim `AUDIENCE` (optional)")
	if err := fs.parse(args); err != nil {
		return err
	}
	authCfg, err := af.config()
	if err != nil {
		return usagef("%s: %w", cmd, err)
	}
	cfg.Auth = authCfg
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usagef("%s: --log-level %q: want debug, info, warn or error", cmd, *logLevel)
	}
	cfg.CORSOrigins = origins
	// The inbox is always on: without --webhook-url the stack receives
	// and lists the events itself; with it, /events says where they go.
	cfg.Inbox = true
	cfg.WebhookSecrets = strings.FieldsFunc(*webhookSecret, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	switch {
	case (cfg.WebhookURL == "") != (len(cfg.WebhookSecrets) == 0):
		return usagef("%s: --webhook-url and --webhook-secret go together", cmd)
	case cfg.WebhookURL != "":
		for i, sec := range cfg.WebhookSecrets {
			if err := webhook.ParseSecret(sec); err != nil {
				return usagef("%s: --webhook-secret entry %d: %w", cmd, i+1, err)
			}
		}
	}
	if err := ossTriggerFlags(fs.FlagSet, &cfg); err != nil {
		return usagef("%s: %w", cmd, err)
	}
	if *profilesFile != "" {
		b, err := os.ReadFile(*profilesFile)
		if err != nil {
			return usagef("%s: --profiles: %w", cmd, err)
		}
		cfg.Profiles = string(b)
	}
	cfg.Logger = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	stack, err := devstack.Start(cfg)
	if err != nil {
		return withListenHint(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if printJSON(stdout, stderr, stack.Info()) != 0 {
		return fmt.Errorf("%s: writing output failed", cmd)
	}
	fmt.Fprint(stderr, readyBanner(stack))
	var runErr error
	select {
	case <-ctx.Done():
		cfg.Logger.Info("shutting down")
	case runErr = <-stack.Err():
		runErr = fmt.Errorf("%s: %w", cmd, runErr)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := stack.Close(shutdown); err != nil && runErr == nil {
		runErr = fmt.Errorf("%s: shutdown: %w", cmd, err)
	}
	return runErr
}

// ossTriggerFlags checks --oss-events and --oss-trigger-prefix.
func ossTriggerFlags(fs *flag.FlagSet, cfg *devstack.Config) error {
	prefixSet := false
	fs.Visit(func(f *flag.Flag) { prefixSet = prefixSet || f.Name == "oss-trigger-prefix" })
	if prefixSet && !cfg.OSSEvents {
		return errors.New("--oss-trigger-prefix needs --oss-events (it is false)")
	}
	if err := devstack.CheckOSSTriggerPrefix(cfg.OSSTriggerPrefix); err != nil {
		return fmt.Errorf("--oss-trigger-prefix %q: %w", cfg.OSSTriggerPrefix, err)
	}
	return nil
}

// authFlags are dev's --auth, --api-key and --jwt-* flags. They follow the
// functions' AUTH_MODE, API_KEYS and JWT_* rules (docs/CONFIGURATION.md),
// but errors name the flag, and never repeat a key or a secret.
type authFlags struct {
	mode                              string
	apiKeys                           secretList
	jwtSecret, jwtIssuer, jwtAudience string
}

// secretList is a repeatable flag whose values are secrets: Set never fails
// (the flag package would quote the value in its error) and String never
// shows them; config validates the values.
type secretList []string

func (l *secretList) String() string     { return "" }
func (l *secretList) Set(s string) error { *l = append(*l, s); return nil }

// config validates the flags into the stack's auth.Config, with auth's
// rules.
func (f *authFlags) config() (auth.Config, error) {
	a := auth.Config{Mode: auth.Mode(f.mode)}
	switch a.Mode {
	case auth.ModeNone, auth.ModeJWT, auth.ModeAPIKey:
	default:
		return a, fmt.Errorf("--auth %q: want none, jwt or apikey", f.mode)
	}
	// Settings for another mode are a sign of a mistake: refuse them
	// rather than run with less protection than intended.
	if a.Mode != auth.ModeAPIKey && len(f.apiKeys) > 0 {
		return a, fmt.Errorf("--api-key needs --auth apikey (--auth is %s)", f.mode)
	}
	if a.Mode != auth.ModeJWT {
		for _, o := range []struct{ name, value string }{{"jwt-secret", f.jwtSecret}, {"jwt-issuer", f.jwtIssuer}, {"jwt-audience", f.jwtAudience}} {
			if o.value != "" {
				return a, fmt.Errorf("--%s needs --auth jwt (--auth is %s)", o.name, f.mode)
			}
		}
	}
	switch a.Mode {
	case auth.ModeAPIKey:
		if len(f.apiKeys) == 0 {
			return a, fmt.Errorf("--api-key is required with --auth apikey: give SUBJECT:KEY (repeatable)")
		}
		a.APIKeys = make(map[string]string, len(f.apiKeys))
		for i, entry := range f.apiKeys {
			subject, key, ok := strings.Cut(entry, ":")
			switch {
			case !ok || subject == "" || key == "":
				return a, fmt.Errorf("--api-key #%d: want SUBJECT:KEY", i+1)
			case auth.CheckAPIKeySubject(subject) != nil:
				return a, fmt.Errorf("--api-key #%d: %v", i+1, auth.CheckAPIKeySubject(subject))
			case auth.CheckAPIKey(key) != nil:
				return a, fmt.Errorf("--api-key #%d (subject %q): %v", i+1, subject, auth.CheckAPIKey(key))
			case strings.IndexFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0:
				return a, fmt.Errorf("--api-key #%d (subject %q): the key must not contain spaces or control characters", i+1, subject)
			}
			if other, dup := a.APIKeys[key]; dup {
				return a, fmt.Errorf("--api-key #%d (subject %q): key already given for subject %q", i+1, subject, other)
			}
			a.APIKeys[key] = subject
		}
	case auth.ModeJWT:
		switch {
		case f.jwtSecret == "":
			return a, fmt.Errorf("--jwt-secret is required with --auth jwt: an HS256 secret of at least %d bytes", auth.MinSecretLen)
		case len(f.jwtSecret) < auth.MinSecretLen:
			return a, fmt.Errorf("--jwt-secret is too short: HS256 needs at least %d bytes", auth.MinSecretLen)
		}
		a.JWTSecret, a.Issuer, a.Audience = f.jwtSecret, f.jwtIssuer, f.jwtAudience
	}
	return a, nil
}

// readyBanner is what `ossdirect dev` tells a person once every listener
// is bound: the real addresses (port 0 picks free ones) and data folder.
func readyBanner(s *devstack.Stack) string {
	var b strings.Builder
	b.WriteString("\nossdirect dev is up (Ctrl-C stops it):\n")
	line := func(what, v string) { fmt.Fprintf(&b, "  %-13s %s\n", what, v) }
	line("upload page", s.API+"/")
	line("status", s.API+"/status")
	if s.Events != "" {
		line("upload events", s.Events)
	}
	line("OSS emulator", s.OSS+" (bucket "+s.Bucket+")")
	line("STS emulator", s.STS)
	line("data", s.Dir)
	b.WriteString("\n")
	return b.String()
}

// withListenHint adds to a busy port's error the flag that moves that
// listener elsewhere.
func withListenHint(err error) error {
	var le *devstack.ListenError
	if !errors.As(err, &le) || !errors.Is(err, syscall.EADDRINUSE) {
		return err
	}
	flag := map[string]string{"API": "--addr", "OSS": "--oss-addr", "STS": "--sts-addr"}[le.Listener]
	return fmt.Errorf("%w\nhint: another program is using %s. Stop it, or run on another port: "+
		"make run DEV_FLAGS='%s 127.0.0.1:0' (port 0 picks a free port; the addresses are printed once it is up)", err, le.Addr, flag)
}
