package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"ossdirect/shared/devstack"
)

// devCommand runs the local stack until SIGINT or SIGTERM. Once every
// listener is up it prints one JSON line with the endpoints on stdout; logs
// go to stderr.
func devCommand(args []string, stdout, stderr io.Writer) error {
	const cmd = "dev"
	fs := newFlagSet(cmd, stderr)
	var cfg devstack.Config
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "API and status page address (port 0: any free port)")
	fs.StringVar(&cfg.OSSAddr, "oss-addr", "127.0.0.1:9000", "OSS emulator address")
	fs.StringVar(&cfg.STSAddr, "sts-addr", "127.0.0.1:9100", "STS emulator address")
	fs.StringVar(&cfg.Dir, "data", ".data", "data folder (objects, multipart parts)")
	fs.StringVar(&cfg.Bucket, "bucket", "dev-bucket", "bucket served by the OSS emulator")
	fs.StringVar(&cfg.Region, "region", "cn-hangzhou", "region V4 signatures must name")
	fs.StringVar(&cfg.AccessKeyID, "access-key-id", devstack.DevAccessKeyID, "root identity the emulators trust (the default is a public development key)")
	fs.StringVar(&cfg.AccessKeySecret, "access-key-secret", devstack.DevAccessKeySecret, "secret of the root identity")
	var origins prefixList
	fs.Var(&origins, "cors-origin", "browser origin the OSS emulator allows (repeatable; default: the API's own origin)")
	fs.StringVar(&cfg.WebDir, "web", "templates/web", "folder served at / (the upload page); if it is missing the status page stays at /")
	profilesFile := fs.String("profiles", "", "JSON file with the upload profiles (default: the built-in dev profile \"default\")")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("%s: --log-level %q: want debug, info, warn or error", cmd, *logLevel)
	}
	cfg.CORSOrigins = origins
	if *profilesFile != "" {
		b, err := os.ReadFile(*profilesFile)
		if err != nil {
			return fmt.Errorf("%s: --profiles: %w", cmd, err)
		}
		cfg.Profiles = string(b)
	}
	cfg.Logger = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	stack, err := devstack.Start(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if printJSON(stdout, stderr, stack.Info()) != 0 {
		return fmt.Errorf("%s: writing output failed", cmd)
	}
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
