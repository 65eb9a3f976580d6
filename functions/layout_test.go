package functions_test

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The layout rule (README "Layout"): shared/ is exactly what the four
// functions link; the local cloud (internal/localcloud) and test support
// (internal/testsupport) never end up in a function binary.
func TestFunctionsLinkExactlyShared(t *testing.T) {
	list := func(args ...string) []string {
		t.Helper()
		out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				t.Fatalf("go list %v: %v\n%s", args, err, ee.Stderr)
			}
			t.Fatalf("go list %v: %v", args, err)
		}
		return strings.Fields(string(out))
	}
	linked := map[string]bool{}
	for _, fn := range []string{"callback", "post-signature", "presigned-url", "sts-token"} {
		for _, p := range list("-deps", "-f", "{{.ImportPath}}", "./"+fn) {
			if !strings.HasPrefix(p, "ossdirect/") {
				continue
			}
			for _, banned := range []string{"ossdirect/internal/", "ossdirect/cmd/"} {
				if strings.HasPrefix(p, banned) {
					t.Errorf("functions/%s links %s: only shared/ packages belong in a function", fn, p)
				}
			}
			if strings.HasPrefix(p, "ossdirect/shared/") {
				linked[p] = true
			}
		}
	}
	for _, p := range list("../shared/...") {
		if !linked[p] {
			t.Errorf("%s is in shared/ but no function links it: it belongs elsewhere (internal/, cmd/)", p)
		}
		delete(linked, p)
	}
	if len(linked) > 0 {
		t.Errorf("linked but not listed under shared/: %v", slices.Sorted(maps.Keys(linked)))
	}
}

// The README's Layout lists every Go package folder, each once, and no
// package folder that does not exist.
func TestReadmeLayoutMatchesPackages(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "## Layout")
	if start < 0 {
		t.Fatal("README has no Layout section")
	}
	block := text[start:]
	block = block[strings.Index(block, "```")+3:]
	block = block[:strings.Index(block, "```")]
	listed := map[string]bool{}
	for _, line := range strings.Split(block, "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasSuffix(f[0], "/") {
			listed[strings.TrimSuffix(f[0], "/")] = true
		}
	}
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "../...").Output()
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs("..")
	for _, dir := range strings.Fields(string(out)) {
		rel, _ := filepath.Rel(root, dir)
		if !listed[filepath.ToSlash(rel)] {
			t.Errorf("package folder %s is not in the README's Layout", rel)
		}
		delete(listed, filepath.ToSlash(rel))
	}
	for dir := range listed {
		if st, err := os.Stat(filepath.Join(root, dir)); err != nil || !st.IsDir() {
			t.Errorf("the README's Layout lists %s/, which does not exist", dir)
		}
	}
}
