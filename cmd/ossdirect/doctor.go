package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"ossdirect/internal/doctor"
	"ossdirect/shared/config"
	"ossdirect/shared/credentials"
)

// Exit statuses of doctor and setup: 0 all good (setup: applied, or
// nothing to do); exitDoctorFailed a check failed (setup: writing failed).
const exitDoctorFailed = 1

// originList collects repeated --page-origin / --function-url values.
type originList struct {
	name string
	v    []string
}

func (l *originList) String() string { return strings.Join(l.v, " ") }

func (l *originList) Set(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("--%s %q: want a URL such as https://app.example.com", l.name, s)
	}
	l.v = append(l.v, s)
	return nil
}

// doctorConfig reads the functions' environment and the shared flags of
// doctor and setup.
type doctorFlags struct {
	origins, functions originList
	callbackURL        string
	timeout            time.Duration
}

func (f *doctorFlags) register(fs *flagSet, withFunctions bool) {
	f.origins.name, f.functions.name = "page-origin", "function-url"
	fs.Var(&f.origins, "page-origin", "an `ORIGIN` the upload page is served from (repeat; default: CORS_ALLOWED_ORIGINS)")
	if withFunctions {
		fs.Var(&f.functions, "function-url", "a function's public base `URL`, for the mini-program's request list (repeat; default: CALLBACK_URL's)")
		fs.StringVar(&f.callbackURL, "callback-url", "", "check this `URL` instead of CALLBACK_URL")
	}
	fs.DurationVar(&f.timeout, "timeout", 60*time.Second, "give up after `DURATION`")
}

func (f *doctorFlags) config(lookup config.LookupFunc, readFile func(string) ([]byte, error)) (doctor.Config, error) {
	cfg, err := config.Load(lookup, readFile)
	if err != nil {
		return doctor.Config{}, fmt.Errorf("invalid configuration (the functions' environment variables): %v", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	cfg.Credentials = credentials.NewDefaultChain()
	if id, ok := lookup("ALIBABA_CLOUD_ACCESS_KEY_ID"); ok && id != "" {
		secret, _ := lookup("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
		token, _ := lookup("ALIBABA_CLOUD_SECURITY_TOKEN")
		cfg.Credentials = credentials.NewStatic(id, secret, token)
	}
	if f.callbackURL != "" {
		cfg.CallbackURL = f.callbackURL
	}
	return doctor.Config{App: cfg, PageOrigins: f.origins.v, FunctionURLs: f.functions.v}, nil
}

// start parses args and reads the configuration; code is the exit status
// when the command must end here (-1 otherwise, with ctx bounded by
// --timeout and its cancel).
func (f *doctorFlags) start(fs *flagSet, cmd string, args []string, stderr io.Writer, lookup config.LookupFunc, readFile func(string) ([]byte, error)) (cfg doctor.Config, ctx context.Context, cancel context.CancelFunc, code int) {
	if err := fs.parse(args); err != nil {
		return cfg, nil, nil, usageFailed(stderr, cmd, err)
	}
	cfg, err := f.config(lookup, readFile)
	if err != nil {
		fmt.Fprintf(stderr, "ossdirect %s: %v\n", cmd, err)
		return cfg, nil, nil, exitUsage
	}
	ctx, cancel = context.WithTimeout(context.Background(), f.timeout)
	return cfg, ctx, cancel, -1
}

// doctorCommand is "ossdirect doctor": the deployment checklist.
func doctorCommand(args []string, stdout, stderr io.Writer, lookup config.LookupFunc, readFile func(string) ([]byte, error), tty bool) int {
	const cmd = "doctor"
	fs := newFlagSet(cmd, stdout)
	var f doctorFlags
	f.register(fs, true)
	asJSON := fs.Bool("json", false, "print the report as JSON (for CI) instead of the checklist")
	live := fs.Bool("live", false, "also run the conformance suite against the bucket (needs this repository and Go; docs/CONFORMANCE.md)")
	cfg, ctx, cancel, code := f.start(fs, cmd, args, stderr, lookup, readFile)
	if code >= 0 {
		return code
	}
	defer cancel()
	rep := doctor.Run(ctx, cfg)
	if *live {
		r := runConformance(ctx, cfg, stderr)
		rep.Results = append(rep.Results, r)
		rep.OK = rep.OK && r.Status != doctor.StatusFail
	}
	if *asJSON {
		if code := printJSON(stdout, stderr, rep); code != 0 {
			return code
		}
	} else {
		printChecklist(stdout, rep, tty)
	}
	if !rep.OK {
		return exitDoctorFailed
	}
	return 0
}

// printChecklist writes the report for people: ✓ ! ✗ - per check, the
// detail, and the fix under each problem; colours on a terminal.
func printChecklist(w io.Writer, rep *doctor.Report, tty bool) {
	paint := func(code, s string) string {
		if !tty {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	marks := map[doctor.Status]string{doctor.StatusPass: paint("32", "✓"), doctor.StatusWarn: paint("33", "!"),
		doctor.StatusFail: paint("31", "✗"), doctor.StatusSkip: paint("90", "-")}
	fails := 0
	for _, r := range rep.Results {
		fmt.Fprintf(w, "%s %s\n    %s\n", marks[r.Status], r.Title, r.Detail)
		if r.Fix != "" && (r.Status == doctor.StatusFail || r.Status == doctor.StatusWarn) {
			fmt.Fprintf(w, "    fix: %s\n", r.Fix)
		}
		if r.Status == doctor.StatusFail {
			fails++
		}
	}
	if fails == 0 {
		fmt.Fprintln(w, paint("32", "\nready: every check passed or does not apply"))
		return
	}
	fmt.Fprintln(w, paint("31", fmt.Sprintf("\n%d check(s) failed; `ossdirect setup` applies the fixes marked for the bucket", fails)))
}

// setupCommand is "ossdirect setup": the bucket-side fixes doctor names.
func setupCommand(args []string, stdout, stderr io.Writer, lookup config.LookupFunc, readFile func(string) ([]byte, error)) int {
	const cmd = "setup"
	fs := newFlagSet(cmd, stdout)
	var f doctorFlags
	f.register(fs, false)
	dryRun := fs.Bool("dry-run", false, "print the plan and write nothing")
	cfg, ctx, cancel, code := f.start(fs, cmd, args, stderr, lookup, readFile)
	if code >= 0 {
		return code
	}
	defer cancel()
	plan, err := doctor.Plan(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "ossdirect %s: %v\n", cmd, err)
		return exitDoctorFailed
	}
	out := struct {
		Bucket  string          `json:"bucket"`
		DryRun  bool            `json:"dryRun"`
		Applied bool            `json:"applied"`
		Changes []doctor.Change `json:"changes"`
	}{Bucket: cfg.App.Bucket, DryRun: *dryRun, Changes: plan}
	if out.Changes == nil {
		out.Changes = []doctor.Change{}
	}
	if !*dryRun && len(plan) > 0 {
		if err := doctor.Apply(ctx, cfg, plan); err != nil {
			fmt.Fprintf(stderr, "ossdirect %s: %v\n", cmd, err)
			return exitDoctorFailed
		}
		out.Applied = true
	}
	return printJSON(stdout, stderr, out)
}

// isTerminal reports whether w is a character device (colours on).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// runConformance runs internal/conformance's TestLive against the
// configured bucket with `go test`, from the repository this binary was
// started in (the suite is Go tests; it is not compiled into the CLI).
// Its output goes to stderr as it runs.
func runConformance(ctx context.Context, cfg doctor.Config, stderr io.Writer) doctor.Result {
	r := doctor.Result{ID: "conformance", Title: "The conformance suite passes against the bucket"}
	root, err := moduleRoot()
	if err != nil {
		r.Status, r.Detail, r.Fix = doctor.StatusFail, err.Error(), "run doctor --live from the ossdirect repository, with Go installed"
		return r
	}
	app := cfg.App
	v, err := app.Credentials.Retrieve(ctx)
	if err != nil {
		r.Status, r.Detail = doctor.StatusFail, "no credentials: "+err.Error()
		return r
	}
	if v.SecurityToken != "" {
		r.Status, r.Detail, r.Fix = doctor.StatusSkip, "the suite signs with a static RAM user key; these credentials are temporary", "set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET of a RAM user"
		return r
	}
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-run", "^TestLive$", "-v", "./internal/conformance/")
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"OSSDIRECT_LIVE_ENDPOINT="+app.Endpoint, "OSSDIRECT_LIVE_BUCKET="+app.Bucket, "OSSDIRECT_LIVE_REGION="+app.Region,
		"OSSDIRECT_LIVE_ACCESS_KEY_ID="+v.AccessKeyID, "OSSDIRECT_LIVE_ACCESS_KEY_SECRET="+v.AccessKeySecret,
		"OSSDIRECT_LIVE_STS_ROLE_ARN="+app.STS.RoleARN, "OSSDIRECT_LIVE_STS_ENDPOINT="+app.STS.Endpoint)
	if len(cfg.PageOrigins) > 0 {
		cmd.Env = append(cmd.Env, "OSSDIRECT_LIVE_CORS_ORIGIN="+cfg.PageOrigins[0])
	}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		r.Status, r.Detail, r.Fix = doctor.StatusFail, "go test ./internal/conformance -run TestLive: "+err.Error()+" (its output is above)", "see the failing cases above; docs/CONFORMANCE.md"
		return r
	}
	r.Status, r.Detail = doctor.StatusPass, "every case passed or was skipped for a missing variable (output above)"
	return r
}

// moduleRoot is the directory of the go.mod of module ossdirect at or
// above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module ossdirect\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("the ossdirect repository is not at or above the working directory (the suite runs with go test)")
		}
		dir = parent
	}
}
