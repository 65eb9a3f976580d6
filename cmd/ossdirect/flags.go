package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"ossdirect/shared/signing"
)

// headerList is a repeatable --header "Name: value" flag.
type headerList struct{ h http.Header }

func (l *headerList) String() string { return "" }

func (l *headerList) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
		return fmt.Errorf("want \"Name: value\", got %q", s)
	}
	if l.h == nil {
		l.h = http.Header{}
	}
	l.h.Add(name, strings.TrimSpace(value))
	return nil
}

// queryList is a repeatable --query k=v flag; values are taken literally
// (not percent-decoded).
type queryList struct{ q url.Values }

func (l *queryList) String() string { return "" }

func (l *queryList) Set(s string) error {
	if s == "" {
		return errors.New("empty query parameter")
	}
	k, v, _ := strings.Cut(s, "=")
	if k == "" {
		return fmt.Errorf("query parameter %q has no name", s)
	}
	if l.q == nil {
		l.q = url.Values{}
	}
	l.q.Add(k, v)
	return nil
}

// flagSet is a command's flags and its help (a spec from commands.go).
// "-h" and "--help" print the help on stdout; a bad flag is returned as a
// usageError, which the caller prints once with the short usage
// (usageFailed).
type flagSet struct {
	*flag.FlagSet
	spec   *spec
	stdout io.Writer
}

// newFlagSet returns the flag set of the command called name; its spec
// must exist.
func newFlagSet(name string, stdout io.Writer) *flagSet {
	sp := specFor(name)
	if sp == nil {
		panic("ossdirect: no help for command " + name)
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package would print its error and every flag on stderr;
	// parse returns the error instead, and the caller prints it once.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, spec: sp, stdout: stdout}
}

// parse parses args and rejects stray positional arguments. On -h or
// --help it prints the command's help on stdout and returns errHelp.
func (f *flagSet) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			f.spec.printHelp(f.stdout, f.FlagSet)
			return errHelp
		}
		return usagef("%s: %w", f.Name(), err)
	}
	if f.NArg() > 0 {
		return usagef("%s: unexpected argument %q", f.Name(), f.Arg(0))
	}
	return nil
}

// errHelp means the help was asked for and printed: exit 0.
var errHelp = errors.New("help requested")

// usageError is a bad invocation: a flag missing, malformed or out of
// range. It exits 2 after the short usage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError; %w wraps as in fmt.Errorf.
func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// usageFailed prints err and, for a usage error, the command's short usage
// on stderr, and returns the exit status: 0 for nil and errHelp, exitUsage
// else.
func usageFailed(stderr io.Writer, cmd string, err error) int {
	if err == nil || errors.Is(err, errHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "ossdirect: %v\n", err)
	if errors.As(err, new(usageError)) {
		if sp := specFor(cmd); sp != nil {
			sp.printShortUsage(stderr)
		}
	}
	return exitUsage
}

// required reports the first empty required flag by name.
func required(cmd string, flags map[string]string, order ...string) error {
	for _, name := range order {
		if flags[name] == "" {
			return usagef("%s: --%s is required", cmd, name)
		}
	}
	return nil
}

func parseVersion(cmd, v string) (int, error) {
	switch strings.ToLower(v) {
	case "v1", "1":
		return 1, nil
	case "v4", "4":
		return 4, nil
	}
	return 0, usagef("%s: --version %q: want v1 or v4", cmd, v)
}

// parseTime accepts RFC 3339, a unix time in seconds, or x-oss-date's
// yyyymmddTHHMMSSZ.
func parseTime(flagName, s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := signing.ParseV4Date(s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--%s %q: want RFC 3339 (2023-12-03T12:12:12Z), unix seconds or 20231203T121212Z", flagName, s)
}

// addressStyle picks how a URL on host names the bucket. See docs/CLI.md "sign url".
func addressStyle(flagValue, host, bucket string) (signing.AddressStyle, error) {
	switch flagValue {
	case "virtual":
		return signing.VirtualHosted, nil
	case "path":
		return signing.PathStyle, nil
	case "cname":
		return signing.CNAME, nil
	case "", "auto":
	default:
		return 0, usagef("sign url: --style %q: want auto, virtual, path or cname", flagValue)
	}
	hostname := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		hostname = h
	}
	switch {
	case net.ParseIP(strings.Trim(hostname, "[]")) != nil || hostname == "localhost":
		return signing.PathStyle, nil
	case strings.HasPrefix(hostname, bucket+"."):
		return signing.CNAME, nil // already bucket.endpoint: keep the host, path is /key
	case strings.HasPrefix(hostname, "oss-") || strings.HasSuffix(hostname, ".aliyuncs.com"):
		return signing.VirtualHosted, nil
	}
	return signing.CNAME, nil
}

// spec is a command's help: what it is for, how it is called, the flags it
// requires and examples. help.go holds every command's.
type spec struct {
	name    string // "sign post"
	summary string // what it does, one line
	// usage is the arguments after "ossdirect <name>": required flags
	// first, "[flags]" for the rest.
	usage string
	// required names the flags that must be given; the help marks them.
	required []string
	examples []string
	// notes is an optional paragraph after the flags (exit statuses,
	// environment).
	notes string
}

// printShortUsage writes the usage line and where to find more: what a
// bad invocation shows on stderr.
func (s *spec) printShortUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\nRun \"ossdirect %s --help\" for every flag and examples.\n", s.usageLine(), s.name)
}

// usageLine is "ossdirect <name> <usage>".
func (s *spec) usageLine() string {
	return strings.TrimSpace("ossdirect " + s.name + " " + s.usage)
}

// printHelp writes the full help: summary, usage, fs's flags with the
// required ones marked and defaults, notes and examples.
func (s *spec) printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "ossdirect %s: %s\n\nusage: %s\n", s.name, s.summary, s.usageLine())
	var rows [][2]string
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		placeholder, text := flag.UnquoteUsage(f)
		left := "--" + f.Name
		if placeholder != "" {
			left += " " + strings.ToUpper(placeholder)
		}
		if slices.Contains(s.required, f.Name) {
			text += " (required)"
		} else if d := f.DefValue; d != "" && d != "false" && d != "0" {
			text += fmt.Sprintf(" (default %s)", d)
		}
		rows = append(rows, [2]string{left, text})
		width = max(width, len(left))
	})
	if len(rows) > 0 {
		fmt.Fprintln(w, "\nflags:")
		width = min(width, 30)
		for _, r := range rows {
			if len(r[0]) > width {
				fmt.Fprintf(w, "  %s\n  %*s  %s\n", r[0], width, "", r[1])
			} else {
				fmt.Fprintf(w, "  %-*s  %s\n", width, r[0], r[1])
			}
		}
	}
	if s.notes != "" {
		fmt.Fprintf(w, "\n%s\n", s.notes)
	}
	if len(s.examples) > 0 {
		fmt.Fprintln(w, "\nexamples:")
		for _, e := range s.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}

// credentialFlags are --access-key-id, --access-key-secret and
// --security-token. When none of them is given they come from
// ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and
// ALIBABA_CLOUD_SECURITY_TOKEN, so a secret need not be on the command line
// (where ps and the shell history see it). The two sources are never mixed.
type credentialFlags struct{ ak, sk, token string }

// bind defines the flags; --security-token only with token (a PostObject
// signature does not cover the token).
func (c *credentialFlags) bind(fs *flag.FlagSet, akUsage string, token bool) {
	fs.StringVar(&c.ak, "access-key-id", "", akUsage+", or $ALIBABA_CLOUD_ACCESS_KEY_ID when no credential flag is given")
	fs.StringVar(&c.sk, "access-key-secret", "", "AccessKey `SECRET`, or $ALIBABA_CLOUD_ACCESS_KEY_SECRET when no credential flag is given")
	if token {
		fs.StringVar(&c.token, "security-token", "", "STS security `TOKEN` of temporary credentials, or $ALIBABA_CLOUD_SECURITY_TOKEN when no credential flag is given")
	}
}

// fill reads the environment after fs was parsed, when no credential flag
// was given.
func (c *credentialFlags) fill(fs *flag.FlagSet, lookup func(string) (string, bool)) {
	given := false
	fs.Visit(func(f *flag.Flag) {
		given = given || f.Name == "access-key-id" || f.Name == "access-key-secret" || f.Name == "security-token"
	})
	if given || lookup == nil {
		return
	}
	c.ak, _ = lookup("ALIBABA_CLOUD_ACCESS_KEY_ID")
	c.sk, _ = lookup("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
	if fs.Lookup("security-token") != nil {
		c.token, _ = lookup("ALIBABA_CLOUD_SECURITY_TOKEN")
	}
}

func (c *credentialFlags) credentials() signing.Credentials {
	return signing.Credentials{AccessKeyID: c.ak, AccessKeySecret: c.sk, SecurityToken: c.token}
}
