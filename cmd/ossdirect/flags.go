package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
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

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("ossdirect "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args and rejects stray positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return fmt.Errorf("%s: %w", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

var errHelp = errors.New("help requested")

// required reports the first empty required flag by name.
func required(cmd string, flags map[string]string, order ...string) error {
	for _, name := range order {
		if flags[name] == "" {
			return fmt.Errorf("%s: --%s is required", cmd, name)
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
	return 0, fmt.Errorf("%s: --version %q: want v1 or v4", cmd, v)
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

// addressStyle picks how a URL on host names the bucket. See README "sign url".
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
		return 0, fmt.Errorf("sign url: --style %q: want auto, virtual, path or cname", flagValue)
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
