package main

import (
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
	"github.com/urfave/cli/v2"
)

// urfave/cli takes a `backquoted` word in a flag's usage as the value's
// placeholder ("--streams oktalake streams [ --streams oktalake streams ]"):
// no usage string may hold one, in any command.
func TestNoFlagUsageHasABackquote(t *testing.T) {
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			for _, f := range c.Flags {
				if u, ok := f.(cli.DocGenerationFlag); ok && strings.Contains(u.GetUsage(), "`") {
					t.Errorf("%s%s --%s: usage %q has a backquote", prefix, c.Name, f.Names()[0], u.GetUsage())
				}
			}
			walk(prefix+c.Name+" ", c.Subcommands)
		}
	}
	walk("", commands())
}

// Every command's help shows "value" as the placeholder, and sizes in units.
func TestHelpShowsPlainPlaceholdersAndSizesInUnits(t *testing.T) {
	out, _, code := runCLI(t, "extract", "--help")
	if code != 0 {
		t.Fatalf("extract --help exited %d", code)
	}
	if !regexp.MustCompile(`--streams value \[ --streams value \]`).MatchString(out) {
		t.Errorf("--streams has no plain placeholder:\n%s", out)
	}
	if !regexp.MustCompile(`--max-file-size value .*\(default: 200MiB\)`).MatchString(out) {
		t.Errorf("--max-file-size does not show its default as 200MiB:\n%s", out)
	}
	out, _, _ = runCLI(t, "load", "--help")
	if !regexp.MustCompile(`--init-port +create`).MatchString(out) {
		t.Errorf("--init-port shows a placeholder:\n%s", out)
	}
}

// --max-file-size (and OKTALAKE_MAX_FILE_SIZE) takes sizes with units: the
// same rotation size written three ways cuts the users stream into the same
// objects; a bad size is a usage error either way.
func TestMaxFileSizeAcceptsUnits(t *testing.T) {
	// Objects rotate between pages: 1,000 users are five pages of 200.
	orgCfg := oktatest.DefaultOrgConfig()
	orgCfg.Users = 1000
	org := oktatest.NewOrg(orgCfg)
	srv := oktatest.NewServer(org, oktatest.Options{Token: "tok"})
	defer srv.Close()
	objects := func(env string, args ...string) int {
		t.Helper()
		t.Setenv("OKTALAKE_MAX_FILE_SIZE", env)
		dir := t.TempDir()
		out, errOut, code := runCLI(t, append([]string{"extract", "--okta-domain", srv.URL, "--okta-api-token", "tok", "--streams", "users", "--bucket", dir}, args...)...)
		if code != 0 {
			t.Fatalf("%v (env %q): code %d\n%s%s", args, env, code, out, errOut)
		}
		store, _, _ := lake.OpenStore(context.Background(), dir, lake.StoreOptions{})
		n := 0
		store.List(context.Background(), "data/okta/users/", "", func(lake.ObjectInfo) error { n++; return nil })
		return n
	}
	bytes := objects("", "--max-file-size", "4096")
	if bytes < 2 {
		t.Fatalf("4096-byte objects: %d objects, want several", bytes)
	}
	if n := objects("", "--max-file-size", "4KiB"); n != bytes {
		t.Errorf("--max-file-size 4KiB: %d objects, 4096 bytes gave %d", n, bytes)
	}
	if n := objects("4 KiB"); n != bytes {
		t.Errorf("OKTALAKE_MAX_FILE_SIZE='4 KiB': %d objects, 4096 bytes gave %d", n, bytes)
	}
	for _, bad := range []struct{ env, flag string }{{"", "200M"}, {"lots", ""}, {"", "512B"}} {
		t.Setenv("OKTALAKE_MAX_FILE_SIZE", bad.env)
		args := []string{"extract", "--okta-domain", srv.URL, "--okta-api-token", "tok", "--bucket", t.TempDir()}
		if bad.flag != "" {
			args = append(args, "--max-file-size", bad.flag)
		}
		var errb strings.Builder
		code := run(context.Background(), append([]string{"oktalake"}, args...), io.Discard, &errb)
		if code != 2 || !strings.Contains(errb.String(), "max-file-size") && !strings.Contains(errb.String(), "MAX_FILE_SIZE") {
			t.Errorf("size %+v: code %d (want 2), stderr %q", bad, code, errb.String())
		}
	}
}
