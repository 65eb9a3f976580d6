// Command ossdirect is the ossdirect command-line tool: it signs OSS
// requests and PostObject policies, verifies upload callbacks, explains
// SignatureDoesNotMatch errors, and runs the whole stack on a laptop.
//
// Every command prints JSON on stdout and exits 0 on success; on failure it
// prints one clear line on stderr and exits non-zero. "--help" at every
// level prints help on stdout. See docs/CLI.md.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// exitUsage is the exit status for bad invocations; 1 is kept for "ran, and
// the answer is no" (an invalid callback signature, a failed delivery, a
// signature error explain cannot account for).
const exitUsage = 2

// run executes one command; it is main without the process around it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runWith(args, stdin, stdout, stderr, os.LookupEnv)
}

// runWith is run with the environment passed in (lookup): commands read
// credentials and configuration only through it.
func runWith(args []string, stdin io.Reader, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	if len(args) == 0 {
		printUsage(stderr)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "-help", "--help":
		return helpCommand(rest, stdin, stdout, stderr, lookup)
	case "--version", "-version":
		cmd = "version"
	case "sign", "verify":
		if len(rest) == 0 {
			fmt.Fprintf(stderr, "ossdirect %s: want %s\n", cmd, kinds(cmd))
			printGroupUsage(stderr, cmd)
			return exitUsage
		}
		if isHelpFlag(rest[0]) {
			printGroup(stdout, cmd)
			return 0
		}
		if specFor(cmd+" "+rest[0]) == nil {
			fmt.Fprintf(stderr, "ossdirect %s: unknown kind %q: want %s\n", cmd, rest[0], kinds(cmd))
			printGroupUsage(stderr, cmd)
			return exitUsage
		}
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	switch cmd {
	case "sign post":
		return usageFailed(stderr, cmd, signPost(rest, stdout, stderr, lookup))
	case "sign request":
		return usageFailed(stderr, cmd, signRequest(rest, stdout, stderr, lookup))
	case "sign url":
		return usageFailed(stderr, cmd, signURL(rest, stdout, stderr, lookup))
	case "verify callback":
		return verifyCallback(rest, stdout, stderr)
	case "explain":
		return explainCommand(rest, stdin, stdout, stderr, lookup)
	case "dev":
		return usageFailed(stderr, cmd, devCommand(rest, stdout, stderr))
	case "reconcile":
		return reconcileCommand(rest, stdout, stderr, lookup, os.ReadFile)
	case "doctor":
		return doctorCommand(rest, stdout, stderr, lookup, os.ReadFile, isTerminal(stdout))
	case "setup":
		return setupCommand(rest, stdout, stderr, lookup, os.ReadFile)
	case "preflight":
		return preflightCommand(rest, stdin, stdout, stderr, lookup, os.ReadFile)
	case "version":
		return versionCommand(rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "ossdirect: unknown command %q\n\n", cmd)
	printUsage(stderr)
	return exitUsage
}

// helpCommand is "ossdirect help [command]": the top-level help, a group's
// or a command's (what "ossdirect <command> --help" prints).
func helpCommand(args []string, stdin io.Reader, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	switch {
	case len(args) == 0:
		printUsage(stdout)
		return 0
	case len(args) == 1 && groups[args[0]] != "":
		printGroup(stdout, args[0])
		return 0
	case specFor(strings.Join(args, " ")) != nil:
		return runWith(append(append([]string(nil), args...), "--help"), stdin, stdout, stderr, lookup)
	}
	fmt.Fprintf(stderr, "ossdirect help: unknown command %q\n\n", strings.Join(args, " "))
	printUsage(stderr)
	return exitUsage
}

func isHelpFlag(s string) bool { return s == "-h" || s == "-help" || s == "--help" || s == "help" }

// kinds lists a group's second words: "post, request or url".
func kinds(group string) string {
	var ks []string
	for _, s := range specs {
		if k, ok := strings.CutPrefix(s.name, group+" "); ok {
			ks = append(ks, k)
		}
	}
	if len(ks) < 2 {
		return strings.Join(ks, "")
	}
	return strings.Join(ks[:len(ks)-1], ", ") + " or " + ks[len(ks)-1]
}
