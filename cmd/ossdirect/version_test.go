package main

import (
	"encoding/json"
	"runtime/debug"
	"testing"
)

func TestReadVersion(t *testing.T) {
	t.Parallel()
	vcs := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "ossdirect", Version: "v0.0.0-20261202170112-84e79d5c8376+dirty"},
		Settings: []debug.BuildSetting{{Key: "-trimpath", Value: "true"}, {Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "84e79d5c8376b9896c4dd27b9f8f8abcce37f481"}, {Key: "vcs.time", Value: "2026-12-02T17:01:12Z"}, {Key: "vcs.modified", Value: "true"}}}
	devel := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "ossdirect", Version: "(devel)"}}
	tests := []struct {
		name                   string
		bi                     *debug.BuildInfo
		ok                     bool
		ldVersion, ldCommit    string
		ldModified, wantOutput string
	}{
		{"go build in a git checkout", vcs, true, "", "", "",
			`{"version":"v0.0.0-20261202170112-84e79d5c8376+dirty","commit":"84e79d5c8376b9896c4dd27b9f8f8abcce37f481","modified":true,"time":"2026-12-02T17:01:12Z","go":"go1.26.8"}`},
		{"vcs information wins over -ldflags", vcs, true, "v1.0.0", "0000000", "false",
			`{"version":"v0.0.0-20261202170112-84e79d5c8376+dirty","commit":"84e79d5c8376b9896c4dd27b9f8f8abcce37f481","modified":true,"time":"2026-12-02T17:01:12Z","go":"go1.26.8"}`},
		{"no vcs information: make build-cli's -ldflags", devel, true, "84e79d5", "84e79d5c8376b9896c4dd27b9f8f8abcce37f481", "false",
			`{"version":"84e79d5","commit":"84e79d5c8376b9896c4dd27b9f8f8abcce37f481","modified":false,"go":"go1.26.8"}`},
		{"plain go build in a worktree", devel, true, "", "", "", `{"version":"(devel)","go":"go1.26.8"}`},
		{"no build information", nil, false, "", "", "", `{"version":"(devel)"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := json.Marshal(readVersion(tc.bi, tc.ok, tc.ldVersion, tc.ldCommit, tc.ldModified))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.wantOutput {
				t.Errorf("got  %s\nwant %s", got, tc.wantOutput)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, errOut, code := runCLI(t, args...)
		if m := decode(t, out); code != 0 || errOut != "" || m["version"] == "" {
			t.Errorf("%v: exit %d, %s %s", args, code, out, errOut)
		}
	}
}
