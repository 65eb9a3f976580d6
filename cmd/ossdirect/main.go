// Command ossdirect is the ossdirect command-line tool: it signs OSS
// requests and PostObject policies, verifies upload callbacks, and (from the
// local-stack issue on) runs the whole stack on a laptop.
//
// Every command prints JSON on stdout and exits 0 on success; on failure it
// prints one clear line on stderr and exits non-zero. See README.md.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

const usage = `usage: ossdirect <command> [flags]

commands:
  sign post      sign a PostObject policy (V1 or V4)
  sign request   sign a request in its Authorization header (V1 or V4)
  sign url       presign a URL (V1 or V4)
  verify callback  verify an OSS upload callback signature
  dev            run the local stack: OSS and STS emulators on loopback
  reconcile      deliver the events of uploads whose event never reached WEBHOOK_URL
  version        print the version

Run "ossdirect <command> -h" for the flags of a command.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// exitUsage is the exit status for bad invocations; 1 is kept for "ran, and
// the answer is no" (an invalid callback signature).
const exitUsage = 2

// run executes one command; it is main without the process around it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch cmd := args[0]; cmd {
	case "sign":
		if len(args) < 2 {
			fmt.Fprint(stderr, "ossdirect sign: want post, request or url\n")
			return exitUsage
		}
		switch args[1] {
		case "post":
			err = signPost(args[2:], stdout, stderr)
		case "request":
			err = signRequest(args[2:], stdout, stderr)
		case "url":
			err = signURL(args[2:], stdout, stderr)
		default:
			fmt.Fprintf(stderr, "ossdirect sign: unknown kind %q: want post, request or url\n", args[1])
			return exitUsage
		}
	case "verify":
		if len(args) < 2 || args[1] != "callback" {
			fmt.Fprint(stderr, "ossdirect verify: want callback\n")
			return exitUsage
		}
		return verifyCallback(args[2:], stdout, stderr)
	case "dev":
		err = devCommand(args[1:], stdout, stderr)
	case "reconcile":
		return reconcileCommand(args[1:], stdout, stderr, os.LookupEnv, os.ReadFile)
	case "version", "--version", "-version":
		return printJSON(stdout, stderr, map[string]string{"version": version()})
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "ossdirect: unknown command %q\n%s", cmd, usage)
		return exitUsage
	}
	if errors.Is(err, errHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "ossdirect: %v\n", err)
		return exitUsage
	}
	return 0
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
