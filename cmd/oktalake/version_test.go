package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// --version (and -v) prints one line: name, version and, in parentheses,
// what the build info knows (a test binary knows its Go release).
func TestVersionFlagPrintsVersionAndGoRelease(t *testing.T) {
	for _, flag := range []string{"--version", "-v"} {
		out, errOut, code := runCLI(t, flag)
		want := "oktalake dev (" + runtime.Version() + ")\n"
		if code != 0 || out != want {
			t.Errorf("%s: code %d, stdout %q (want %q), stderr %q", flag, code, out, want, errOut)
		}
	}
}

// A command line without a command still shows the help, and an unknown
// command is still a usage error: the --version flag's action must not
// swallow them.
func TestNoCommandShowsHelpAndUnknownCommandIsUsageError(t *testing.T) {
	out, _, code := runCLI(t)
	if code != 0 || !strings.Contains(out, "COMMANDS:") || !strings.Contains(out, "--version") {
		t.Errorf("no command: code %d, stdout:\n%s", code, out)
	}
	_, errOut, code := runCLI(t, "extrakt")
	if code != 2 || !strings.Contains(errOut, "extrakt") {
		t.Errorf("unknown command: code %d (want 2), stderr %q", code, errOut)
	}
}

// -ldflags -X main.version sets the version; the commit and its date come
// from -X main.commit and main.commitTime (as make release sets them), else
// from the toolchain, which stamps them only where the checkout's .git is a
// directory (not in a git worktree).
func TestBuildReportsLdflagsVersionAndCommit(t *testing.T) {
	head, gitErr := exec.Command("git", "log", "-1", "--format=%H %cI").Output()
	var rev, when, day string
	toolchainStamps := false
	if gitErr == nil {
		fields := strings.Fields(string(head))
		rev, when = fields[0], fields[1]
		tm, err := time.Parse(time.RFC3339, when)
		if err != nil {
			t.Fatal(err)
		}
		day = tm.UTC().Format(time.DateOnly)
		top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(filepath.Join(strings.TrimSpace(string(top)), ".git"))
		toolchainStamps = err == nil && st.IsDir()
	}
	cases := []struct {
		name    string
		ldflags string
		// want is the parenthesis before the Go release.
		want string
	}{
		{"version only", "-X main.version=v9.8.7-test", ""},
		{"version and commit", "-X main.version=v9.8.7-test -X main.commit=" + rev + " -X main.commitTime=" + when + " -X main.modified=true",
			"commit " + short(rev) + "-dirty, " + day + ", "},
	}
	if gitErr != nil {
		cases = cases[:1] // no commit to stamp
	} else if toolchainStamps {
		cases[0].want = "commit " + short(rev) + `(-dirty)?, ` + day + ", "
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "oktalake")
			// Without make release's -trimpath, and with -race when the test
			// has it: the build then reuses the packages this test binary was
			// built from instead of compiling every dependency again.
			args := []string{"build", "-buildvcs=auto", "-ldflags", "-s -w " + tc.ldflags, "-o", bin}
			if raceEnabled {
				args = append(args, "-race")
			}
			if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
			out, err := exec.Command(bin, "--version").Output()
			if err != nil {
				t.Fatalf("%s --version: %v", bin, err)
			}
			want := "^" + regexp.QuoteMeta("oktalake v9.8.7-test (") + tc.want + regexp.QuoteMeta(runtime.Version()+")") + "\n$"
			if !regexp.MustCompile(want).Match(out) {
				t.Errorf("--version printed %q, want it to match %q", out, want)
			}
		})
	}
}

func short(rev string) string {
	if len(rev) > 7 {
		return rev[:7]
	}
	return rev
}
