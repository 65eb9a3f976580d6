package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Help is asked for: it goes to stdout, exit 0, nothing on stderr.
func TestHelp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want []string // in stdout
	}{
		{[]string{"--help"}, []string{"usage: ossdirect <command>", "sign post", "verify callback", "explain", "version"}},
		{[]string{"-h"}, []string{"usage: ossdirect <command>"}},
		{[]string{"help"}, []string{"usage: ossdirect <command>", "docs/CLI.md"}},
		{[]string{"sign", "--help"}, []string{"ossdirect sign post --version", "ossdirect sign request", "ossdirect sign url"}},
		{[]string{"sign", "-h"}, []string{"ossdirect sign url"}},
		{[]string{"help", "sign"}, []string{"ossdirect sign request"}},
		{[]string{"verify", "--help"}, []string{"ossdirect verify callback --request-uri"}},
		{[]string{"sign", "post", "--help"}, []string{"usage: ossdirect sign post", "--policy-file FILE", "examples:"}},
		{[]string{"sign", "post", "-h"}, []string{"usage: ossdirect sign post"}},
		{[]string{"sign", "request", "--help"}, []string{"usage: ossdirect sign request", "--header 'NAME: VALUE'"}},
		{[]string{"sign", "url", "-h"}, []string{"usage: ossdirect sign url", "--scheme SCHEME", "(default https)"}},
		{[]string{"verify", "callback", "--help"}, []string{"usage: ossdirect verify callback", "exits 1"}},
		{[]string{"explain", "--help"}, []string{"usage: ossdirect explain", "--error FILE"}},
		{[]string{"dev", "--help"}, []string{"usage: ossdirect dev", "(default 127.0.0.1:8080)"}},
		{[]string{"reconcile", "-h"}, []string{"usage: ossdirect reconcile", "(default 24h)"}},
		{[]string{"version", "--help"}, []string{"usage: ossdirect version\n"}},
		{[]string{"help", "sign", "post"}, []string{"usage: ossdirect sign post"}},
		{[]string{"help", "explain"}, []string{"usage: ossdirect explain"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			out, errOut, code := runCLI(t, tc.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("help lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// Every command's help has its purpose, its usage line, every required
// flag marked, and one to three examples of itself.
func TestEveryCommandHelp(t *testing.T) {
	t.Parallel()
	for _, sp := range specs {
		t.Run(sp.name, func(t *testing.T) {
			t.Parallel()
			out, errOut, code := runCLI(t, append(strings.Fields(sp.name), "--help")...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if !strings.HasPrefix(out, "ossdirect "+sp.name+": "+sp.summary+"\n") || !strings.Contains(out, "\nusage: "+sp.usageLine()+"\n") {
				t.Errorf("no purpose or usage line:\n%s", out)
			}
			for _, name := range sp.required {
				if !regexp.MustCompile(`(?m)^  --` + name + ` .*\(required\)$`).MatchString(out) {
					t.Errorf("--%s is not marked required:\n%s", name, out)
				}
			}
			if n := len(sp.examples); n < 1 || n > 3 {
				t.Errorf("%d examples, want 1 to 3", n)
			}
			for _, e := range sp.examples {
				if !strings.Contains(e, "ossdirect "+sp.name) {
					t.Errorf("example %q does not run %s", e, sp.name)
				}
			}
		})
	}
}

// A bad invocation: the error and the short usage on stderr, nothing on
// stdout, exit 2.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want []string // in stderr
	}{
		{[]string{"sign", "post", "--nope"}, []string{"sign post: flag provided but not defined: -nope", "usage: ossdirect sign post --version", `Run "ossdirect sign post --help"`}},
		{[]string{"sign", "request", "--version", "v4"}, []string{"--method is required", "usage: ossdirect sign request"}},
		{[]string{"sign", "--help-me"}, []string{`unknown kind "--help-me"`, "usage: ossdirect sign post|request|url [flags]"}},
		{[]string{"verify"}, []string{"want callback", "usage: ossdirect verify callback [flags]"}},
		{[]string{"verify", "callback", "--request-uri", "/cb"}, []string{"--body-file is required", "usage: ossdirect verify callback"}},
		{[]string{"version", "extra"}, []string{`version: unexpected argument "extra"`, "usage: ossdirect version\n"}},
		{[]string{"reconcile", "--since", "yesterday"}, []string{"--since", "usage: ossdirect reconcile"}},
		{[]string{"dev", "--log-level", "loud"}, []string{`--log-level "loud"`, "usage: ossdirect dev"}},
		{[]string{"help", "frobnicate"}, []string{`unknown command "frobnicate"`, "usage: ossdirect <command>"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			out, errOut, code := runCLI(t, tc.args...)
			if code != exitUsage || out != "" {
				t.Fatalf("exit %d, stdout %q; want exit %d and no stdout", code, out, exitUsage)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

// docs/CLI.md has a section for every command, naming each of its flags.
func TestCLIReferenceDocumentsEveryFlag(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/CLI.md")
	if err != nil {
		t.Fatal(err)
	}
	flagLine := regexp.MustCompile(`(?m)^  --([a-z0-9-]+)`)
	for _, sp := range specs {
		heading := "\n## `ossdirect " + sp.name + "`\n"
		start := strings.Index(string(doc), heading)
		if start < 0 {
			t.Errorf("docs/CLI.md has no section %q", strings.TrimSpace(heading))
			continue
		}
		section := string(doc[start+len(heading):])
		if end := strings.Index(section, "\n## "); end >= 0 {
			section = section[:end]
		}
		help, _, _ := runCLI(t, append(strings.Fields(sp.name), "--help")...)
		for _, m := range flagLine.FindAllStringSubmatch(help, -1) {
			if !strings.Contains(section, "`--"+m[1]) {
				t.Errorf("docs/CLI.md's %s section does not name --%s", sp.name, m[1])
			}
		}
	}
}
