package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"ossdirect/shared/api"
	"ossdirect/shared/app"
	"ossdirect/shared/config"
	"ossdirect/shared/credentials"
)

// Exit statuses of reconcile: 0 every upload found has its event
// delivered; exitReconcileFailed some delivery failed (the report says
// which and why); exitUsage the command or its configuration is wrong.
const exitReconcileFailed = 1

// reconcileCommand is "ossdirect reconcile": the callback function's event
// delivery run once over the bucket, for uploads whose event never reached
// the receiver. It reads the functions' environment (lookup, readFile) and
// signs with credentials from the default chain. See docs/CLI.md "reconcile".
func reconcileCommand(args []string, stdout, stderr io.Writer, lookup config.LookupFunc, readFile func(string) ([]byte, error)) int {
	const cmd = "reconcile"
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "ossdirect %s: %s\n", cmd, fmt.Sprintf(format, a...))
		return exitUsage
	}
	fs := newFlagSet(cmd, stdout)
	sinceFlag := fs.String("since", "24h", "look at objects modified within this `DURATION` (e.g. 24h, 90m) or since this time (RFC 3339 or unix seconds)")
	profile := fs.String("profile", "", "only this upload `PROFILE`'s directory (default: every profile)")
	dryRun := fs.Bool("dry-run", false, "only report the uploads whose event would be delivered")
	if err := fs.parse(args); err != nil {
		return usageFailed(stderr, cmd, err)
	}
	now := time.Now()
	since, err := parseSince(*sinceFlag, now)
	if err != nil {
		return usageFailed(stderr, cmd, usagef("%s: %v", cmd, err))
	}
	cfg, err := config.Load(lookup, readFile)
	if err != nil {
		return fail("invalid configuration (the functions' environment variables): %v", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	if cfg.WebhookURL == "" {
		return fail("WEBHOOK_URL is not set: reconcile delivers events to the webhook receiver, and its delivery records tell it what was delivered (set WEBHOOK_URL and WEBHOOK_SECRET as for the callback function)")
	}
	if *profile != "" {
		if _, err := cfg.Profiles.Lookup(*profile); err != nil {
			return usageFailed(stderr, cmd, usagef("%s: --profile %q: not one of the configured profiles (%s)", cmd, *profile, strings.Join(cfg.Profiles.Names(), ", ")))
		}
	}
	cfg.Credentials = credentials.NewDefaultChain()
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: max(cfg.LogLevel, slog.LevelWarn)}))
	h, err := app.CallbackHandlers(cfg, log)
	if err != nil {
		return fail("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	rep, err := h.Reconcile(ctx, api.ReconcileOptions{Since: since, Profile: *profile, DryRun: *dryRun})
	if rep != nil {
		if code := printJSON(stdout, stderr, rep); code != 0 {
			return code
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "ossdirect %s: %v\n", cmd, err)
		return exitReconcileFailed
	}
	if len(rep.Failed) > 0 {
		fmt.Fprintf(stderr, "ossdirect %s: %d event(s) not delivered; see \"failed\" in the report\n", cmd, len(rep.Failed))
		return exitReconcileFailed
	}
	return 0
}

// parseSince reads --since: a positive duration back from now, or a time.
func parseSince(v string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil {
		if d <= 0 {
			return time.Time{}, fmt.Errorf("--since %q: want a positive duration", v)
		}
		return now.Add(-d), nil
	}
	t, err := parseTime("since", v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%v, or a duration such as 24h", err)
	}
	return t, nil
}
