package main

import (
	"fmt"
	"io"
	"slices"

	"ossdirect/internal/preflight"
	"ossdirect/shared/config"
)

// Exit status of preflight when an input is at fault.
const exitPreflightFailed = 1

// preflightCommand is "ossdirect preflight": the offline checks make deploy
// and the application template's pre-deploy action run before s, and with
// --after, what to do once the functions are deployed.
func preflightCommand(args []string, stdin io.Reader, stdout, stderr io.Writer, lookup config.LookupFunc, readFile func(string) ([]byte, error)) int {
	const cmd = "preflight"
	fs := newFlagSet(cmd, stdout)
	manifest := fs.String("manifest", "", "read the inputs from the application template's `S.YAML` (vars.inputs) instead of the environment")
	after := fs.String("after", "", "summarize a deploy: `FILE` holds the output of s info -o json (or s deploy -o json); - reads stdin")
	var origins originList
	origins.name = "page-origin"
	fs.Var(&origins, "page-origin", "with --after: an `ORIGIN` the upload page is served from, for the CORS rule (repeat; default: CORS_ALLOWED_ORIGINS)")
	if err := fs.parse(args); err != nil {
		return usageFailed(stderr, cmd, err)
	}

	var in preflight.Inputs
	var opts preflight.Options
	source := "the environment"
	if *manifest != "" {
		data, err := readFile(*manifest)
		if err != nil {
			fmt.Fprintf(stderr, "ossdirect %s: %v\n", cmd, err)
			return exitUsage
		}
		if in, err = preflight.FromManifest(data); err != nil {
			fmt.Fprintf(stderr, "ossdirect %s: %v\n", cmd, err)
			return exitUsage
		}
		source = *manifest
		// The template sets CALLBACK_URL to the callback function's own URL
		// (or its custom domain's) and takes the account from the
		// credentials.
		opts = preflight.Options{CallbackURLDerived: true, AccountFromCredentials: true}
	} else {
		in = preflight.Inputs{}
		names := slices.Clone(preflight.Required)
		for _, v := range config.Variables {
			names = append(names, v.Name)
		}
		names = append(names, preflight.OSSTriggerRoleARN, preflight.FunctionNamePrefix, preflight.OSSTriggerPrefix,
			preflight.FunctionDomain, preflight.FunctionDomainCertID)
		for _, n := range names {
			if v, ok := lookup(n); ok {
				in[n] = v
			}
		}
	}

	if *after != "" {
		var data []byte
		var err error
		if *after == "-" {
			data, err = io.ReadAll(stdin)
		} else {
			data, err = readFile(*after)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ossdirect %s: %v\n", cmd, err)
			return exitUsage
		}
		deployed, err := preflight.ParseDeployOutput(data)
		if err != nil {
			fmt.Fprintf(stderr, "ossdirect %s: %v\n", cmd, err)
			return exitPreflightFailed
		}
		pageOrigins := origins.v
		if len(pageOrigins) == 0 {
			if cfg, err := config.Load(func(n string) (string, bool) { v, ok := in[n]; return v, ok }, nil); err == nil {
				pageOrigins = slices.DeleteFunc(slices.Clone(cfg.CORSOrigins), func(o string) bool { return o == "*" })
			}
		}
		sum, err := preflight.Summarize(deployed, in, pageOrigins)
		if err != nil {
			fmt.Fprintf(stderr, "ossdirect %s: %v\n", cmd, err)
			return exitPreflightFailed
		}
		return printJSON(stdout, stderr, sum)
	}

	problems := preflight.Check(in, opts)
	for _, p := range problems {
		fmt.Fprintf(stderr, "ossdirect %s: %s\n", cmd, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "ossdirect %s: %d problem(s) in the inputs from %s; nothing was deployed\n", cmd, len(problems), source)
		return exitPreflightFailed
	}
	return printJSON(stdout, stderr, struct {
		OK               bool   `json:"ok"`
		Source           string `json:"source"`
		EnvironmentBytes int    `json:"environmentBytes"`
		EnvironmentLimit int    `json:"environmentLimit"`
	}{true, source, preflight.EnvSize(in, opts), preflight.EnvLimit})
}
