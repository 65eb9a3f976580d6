package functions_test

import (
	"maps"
	"os/exec"
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
