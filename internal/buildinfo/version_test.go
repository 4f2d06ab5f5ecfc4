package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestDescribeReadsVersionCommitDateAndGoFromBuildInfo(t *testing.T) {
	vcs := func(rev, when, modified string) []debug.BuildSetting {
		s := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "-trimpath", Value: "true"}}
		if rev != "" {
			s = append(s, debug.BuildSetting{Key: "vcs.revision", Value: rev})
		}
		if when != "" {
			s = append(s, debug.BuildSetting{Key: "vcs.time", Value: when})
		}
		if modified != "" {
			s = append(s, debug.BuildSetting{Key: "vcs.modified", Value: modified})
		}
		return s
	}
	info := func(mainVersion string, settings []debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/oktalake/oktalake", Version: mainVersion}, Settings: settings}
	}
	const rev = "abc1234def5678abc1234def5678abc1234def56"
	cases := []struct {
		name  string
		stamp Stamp
		info  *debug.BuildInfo
		want  string
	}{
		{"ldflags version wins over the module's", Stamp{Version: "v1.2.3"}, info("v1.2.0", vcs(rev, "2026-11-30T23:59:59Z", "false")),
			"oktalake v1.2.3 (commit abc1234, 2026-11-30, go1.26.8)"},
		{"a modified tree is marked dirty", Stamp{Version: "v1.2.3"}, info("(devel)", vcs(rev, "2026-11-30T10:00:00Z", "true")),
			"oktalake v1.2.3 (commit abc1234-dirty, 2026-11-30, go1.26.8)"},
		{"the commit date is the UTC day", Stamp{Version: "v1.2.3"}, info("(devel)", vcs(rev, "2026-11-30T23:30:00-05:00", "false")),
			"oktalake v1.2.3 (commit abc1234, 2026-12-01, go1.26.8)"},
		{"go install module@version: the module's version", Stamp{Version: "dev"}, info("v1.4.0", nil),
			"oktalake v1.4.0 (go1.26.8)"},
		{"no stamp and a devel build", Stamp{}, info("(devel)", vcs(rev, "", "")),
			"oktalake dev (commit abc1234, go1.26.8)"},
		{"no build info at all", Stamp{Version: "dev"}, nil, "oktalake dev"},
		{"a stamped commit where the toolchain stamped none (a git worktree)", Stamp{Version: "v1.2.3", Revision: rev, Time: "2026-11-30T12:00:00Z", Modified: "true"}, info("(devel)", nil),
			"oktalake v1.2.3 (commit abc1234-dirty, 2026-11-30, go1.26.8)"},
		{"a stamped commit wins over the toolchain's", Stamp{Revision: "fedcba9876", Time: "2026-10-01T00:00:00Z", Modified: "false"}, info("(devel)", vcs(rev, "2026-11-30T12:00:00Z", "true")),
			"oktalake dev (commit fedcba9, 2026-10-01, go1.26.8)"},
		{"a stamp without build info", Stamp{Version: "v2", Revision: rev}, nil, "oktalake v2 (commit abc1234)"},
		{"a short revision is kept whole", Stamp{Version: "v1"}, info("", vcs("abc", "", "")), "oktalake v1 (commit abc, go1.26.8)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Describe("oktalake", tc.stamp, tc.info); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
