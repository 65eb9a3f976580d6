package main

import (
	"io"
	"runtime/debug"
)

// buildVersion, buildCommit and buildModified are set by the Makefile with
// -ldflags "-X main.buildVersion=… -X main.buildCommit=… -X main.buildModified=true|false":
// the fallback when the binary carries no VCS information (built outside a
// .git directory, with -buildvcs=false, or in a git worktree, which Go
// does not recognise as a repository).
var buildVersion, buildCommit, buildModified string

// versionInfo is what "ossdirect version" prints.
type versionInfo struct {
	// Version is the module version Go recorded (a tag, or a
	// pseudo-version built from the commit), else buildVersion, else
	// "(devel)".
	Version string `json:"version"`
	// Commit is vcs.revision, else buildCommit.
	Commit string `json:"commit,omitempty"`
	// Modified says the tree had uncommitted changes (vcs.modified, else
	// buildModified); absent when unknown.
	Modified *bool `json:"modified,omitempty"`
	// Time is the commit's time (vcs.time).
	Time string `json:"time,omitempty"`
	// Go is the toolchain that built the binary.
	Go string `json:"go,omitempty"`
}

// readVersion combines the build information (debug.ReadBuildInfo's
// result) with the -ldflags fallbacks.
func readVersion(bi *debug.BuildInfo, ok bool, ldVersion, ldCommit, ldModified string) versionInfo {
	v := versionInfo{Version: ldVersion, Commit: ldCommit}
	switch ldModified {
	case "true", "false":
		m := ldModified == "true"
		v.Modified = &m
	}
	if !ok || bi == nil {
		if v.Version == "" {
			v.Version = "(devel)"
		}
		return v
	}
	v.Go = bi.GoVersion
	if mv := bi.Main.Version; mv != "" && mv != "(devel)" {
		v.Version = mv
	} else if v.Version == "" {
		v.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.modified":
			m := s.Value == "true"
			v.Modified = &m
		case "vcs.time":
			v.Time = s.Value
		}
	}
	return v
}

func versionCommand(args []string, stdout, stderr io.Writer) int {
	const cmd = "version"
	fs := newFlagSet(cmd, stdout)
	if err := fs.parse(args); err != nil {
		return usageFailed(stderr, cmd, err)
	}
	bi, ok := debug.ReadBuildInfo()
	return printJSON(stdout, stderr, readVersion(bi, ok, buildVersion, buildCommit, buildModified))
}
