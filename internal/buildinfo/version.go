// Package buildinfo describes the running binary: its version, commit,
// commit date and Go release, from what the build set with -ldflags -X and
// what the Go toolchain stamped into it.
package buildinfo

import (
	"runtime/debug"
	"strings"
	"time"
)

// unset is the version a binary reports when nothing better is known; it is
// also main.version's default, so a stamp equal to it is no stamp.
const unset = "dev"

// Stamp is what a build set with -ldflags -X. Each empty field is taken from
// the toolchain's build info instead. The toolchain stamps the commit only
// when it finds a .git directory (cmd/go/internal/vcs: git's root is a
// directory named .git), so builds from a git worktree or from a source tree
// without .git need the stamp to name their commit.
type Stamp struct {
	// Version such as v1.2.3; "" or "dev" is no version.
	Version string
	// Revision is the commit hash.
	Revision string
	// Time is the commit time, RFC 3339.
	Time string
	// Modified is "true" when the tree had uncommitted changes.
	Modified string
}

// String describes the running binary, such as
// "oktalake v1.2.3 (commit abc1234, 2026-11-30, go1.26.8)".
func String(name string, stamp Stamp) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return Describe(name, stamp, info)
}

// Describe is String for given build information (nil when there is none).
// The version is the stamp's, else the main module's version (what
// "go install module@v1.2.3" records), else "dev". The parenthesis holds the
// commit (marked -dirty when the tree had uncommitted changes), the commit's
// UTC day and the Go release, each when known.
func Describe(name string, stamp Stamp, info *debug.BuildInfo) string {
	settings := map[string]string{}
	if info != nil {
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
	}
	v := stamp.Version
	if v == "" || v == unset {
		v = unset
		// "(devel)" is what a build from a checkout records.
		if info != nil && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
	}
	rev, when, modified := settings["vcs.revision"], settings["vcs.time"], settings["vcs.modified"]
	if stamp.Revision != "" {
		rev, when, modified = stamp.Revision, stamp.Time, stamp.Modified
	}
	var details []string
	if rev != "" {
		// Seven characters, as git's short hashes.
		if len(rev) > 7 {
			rev = rev[:7]
		}
		if modified == "true" {
			rev += "-dirty"
		}
		details = append(details, "commit "+rev)
	}
	if t, err := time.Parse(time.RFC3339, when); err == nil {
		details = append(details, t.UTC().Format(time.DateOnly))
	}
	if info != nil && info.GoVersion != "" {
		details = append(details, info.GoVersion)
	}
	if len(details) == 0 {
		return name + " " + v
	}
	return name + " " + v + " (" + strings.Join(details, ", ") + ")"
}
