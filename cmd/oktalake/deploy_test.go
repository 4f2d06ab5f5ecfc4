package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/deploy"
	"github.com/urfave/cli/v2"
)

// runtimeEnv are variables the manifests may set that no flag reads: the Go
// runtime's soft memory limit, and the static credentials of the AWS SDK's
// default chain (https://docs.aws.amazon.com/sdkref/latest/guide/feature-static-credentials.html).
var runtimeEnv = map[string]string{
	"GOMEMLIMIT":            "the Go runtime",
	"AWS_ACCESS_KEY_ID":     "the AWS SDK",
	"AWS_SECRET_ACCESS_KEY": "the AWS SDK",
}

// deployWorkloads renders the chart with the plain manifests' values and
// override (YAML), as deploy's own tests do.
func deployWorkloads(t *testing.T, override string) []deploy.Workload {
	t.Helper()
	chart, err := deploy.LoadChart(deploy.ChartFS())
	if err != nil {
		t.Fatal(err)
	}
	plain, err := os.ReadFile("../../deploy/kubernetes/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base, err := deploy.ParseValues(plain)
	if err != nil {
		t.Fatal(err)
	}
	over, err := deploy.ParseValues([]byte(override))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := chart.Render(deploy.Release{Name: "oktalake", Namespace: "oktalake"}, base, over)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := deploy.Objects(ms)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := deploy.Workloads(objs)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// plainWorkloads are the workloads of deploy/kubernetes/oktalake.yaml itself.
func plainWorkloads(t *testing.T) []deploy.Workload {
	t.Helper()
	b, err := os.ReadFile("../../deploy/kubernetes/oktalake.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := deploy.Objects([]deploy.Manifest{{Source: "deploy/kubernetes/oktalake.yaml", Content: string(b)}})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := deploy.Workloads(objs)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// The binary's path in the image, from the Dockerfile's ENTRYPOINT.
func imageBinary(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ENTRYPOINT\s+(\[.*\])\s*$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("Dockerfile: no ENTRYPOINT [...]")
	}
	var entry []string
	if err := json.Unmarshal(m[1], &entry); err != nil || len(entry) == 0 {
		t.Fatalf("Dockerfile: ENTRYPOINT %s: %v", m[1], err)
	}
	return entry[0]
}

// Every container the manifests and the chart run is a command line this
// binary accepts: its command, subcommand, flags and environment variables
// exist, and the values parse and pass the command's own checks.
func TestDeployManifestsRunCommandsAndFlagsTheBinaryHas(t *testing.T) {
	sets := map[string][]deploy.Workload{
		"deploy/kubernetes/oktalake.yaml": plainWorkloads(t),
		"chart with every option": deployWorkloads(t, `
okta: {auth: privateKey, clientId: 0oa1service, keyId: kid-1}
load: {mapping: "[]", name: second, pollInterval: 5s, initPort: false, extraArgs: [--minio-notify, --port-concurrency, "4"], extraEnv: {OKTALAKE_MAPPING_TIMEOUT: 2s}}
bucket: {endpoint: "http://minio.minio:9000", region: eu-west-1, prefix: lake, staticCredentials: true}
extract: {extraArgs: [--streams, "users,groups", --full-refresh], extraEnv: {OKTALAKE_MAX_CONCURRENCY: "4"}}
logLevel: debug
`),
		"serve loading in-process, TLS": deployWorkloads(t, `
serve: {load: true, tls: {secretName: oktalake-tls}, extraArgs: [--group-window, 50ms, --max-body-size, "1048576"], extraEnv: {OKTALAKE_MAPPING_TIMEOUT: 2s}}
load: {enabled: false, name: live}
`),
	}
	want := map[string]int{"serve loading in-process, TLS": 2} // the others: extract, load and serve
	binary := imageBinary(t)
	for name, ws := range sets {
		t.Run(name, func(t *testing.T) {
			if n := cmp.Or(want[name], 3); len(ws) != n {
				t.Fatalf("%d workloads, want %d (the extract CronJob, the load and serve Deployments as enabled)", len(ws), n)
			}
			for _, w := range ws {
				for _, c := range w.Pod.Containers {
					for _, err := range checkInvocation(t, binary, c) {
						t.Errorf("%s %s container %s: %v", w.Kind, w.Name, c.Name, err)
					}
				}
			}
		})
	}
}

// The check fails on a manifest naming what the binary lacks, or values it
// refuses.
func TestDeployCheckCatchesWhatTheBinaryLacks(t *testing.T) {
	cases := []struct {
		name   string
		values string
		edit   func(*deploy.Container)
		want   string
	}{
		{name: "unknown flag", values: `extract: {extraArgs: [--no-such-flag]}`, want: "--no-such-flag"},
		{name: "flag of another command", values: `extract: {extraArgs: [--follow]}`, want: "--follow"},
		{name: "unknown environment variable", values: `load: {extraEnv: {OKTALAKE_NO_SUCH: "1"}}`, want: "OKTALAKE_NO_SUCH"},
		{name: "variable of another command", values: `extract: {extraEnv: {OKTALAKE_PORT_CONCURRENCY: "4"}}`, want: "OKTALAKE_PORT_CONCURRENCY"},
		{name: "bad duration", values: `load: {pollInterval: soon}`, want: "OKTALAKE_POLL_INTERVAL"},
		{name: "value load refuses", values: `load: {extraArgs: [--mapping-timeout, 0s]}`, want: "--mapping-timeout"},
		{name: "bad log level", values: `logLevel: loud`, want: "--log-level"},
		{name: "stray argument", values: `extract: {extraArgs: [users]}`, want: "users"},
		{name: "unknown command", edit: func(c *deploy.Container) { c.Args[0] = "extrakt" }, want: `"extrakt"`},
		{name: "a command the binary lacks", edit: func(c *deploy.Container) { c.Args = []string{"reconcile"} }, want: `"reconcile"`},
		{name: "another binary", edit: func(c *deploy.Container) { c.Command = []string{"/bin/sh", "-c"} }, want: "/bin/sh"},
	}
	binary := imageBinary(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var errs []error
			for _, w := range deployWorkloads(t, tc.values) {
				c := w.Pod.Containers[0]
				if tc.edit != nil {
					c.Args = append([]string(nil), c.Args...)
					tc.edit(&c)
				}
				errs = append(errs, checkInvocation(t, binary, c)...)
			}
			t.Log(errs)
			if !strings.Contains(fmt.Sprint(errs), tc.want) {
				t.Errorf("errors %v, want one naming %s", errs, tc.want)
			}
		})
	}
}

// checkInvocation checks one container against the CLI definition: the
// command is the image's binary, the arguments name a command and its flags,
// and every variable is one of the command's flags' (or read by the runtime);
// then it runs the app on that command line and environment with every
// command's action replaced by the checks that precede any I/O.
func checkInvocation(t *testing.T, binary string, c deploy.Container) []error {
	t.Helper()
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(c.Command) != 1 || c.Command[0] != binary {
		fail("command %q, want [%q] (the Dockerfile's ENTRYPOINT)", c.Command, binary)
	}
	cmd := resolveCommand(newApp(io.Discard, io.Discard).Commands, c.Args, fail)
	if cmd == nil {
		return errs
	}
	envs := map[string]bool{}
	for _, f := range cmd.Flags {
		if ev, ok := f.(interface{ GetEnvVars() []string }); ok {
			for _, e := range ev.GetEnvVars() {
				envs[e] = true
			}
		}
	}
	// The environment the container would have: literal values as they are,
	// credentials from the Secret as placeholders.
	env := map[string]string{}
	for _, e := range c.Env {
		if !envs[e.Name] && runtimeEnv[e.Name] == "" {
			fail("env %s is read by no flag of `oktalake %s`", e.Name, cmd.FullName())
		}
		if e.ValueFrom != nil {
			env[e.Name] = "from-the-secret"
		} else {
			env[e.Name] = fmt.Sprint(e.Value)
		}
	}
	for name := range envs {
		if _, set := env[name]; !set {
			t.Setenv(name, "") // what the test process has must not count
			os.Unsetenv(name)
		}
	}
	for name, v := range env {
		t.Setenv(name, v)
	}
	// Every action becomes begin (stray arguments, meaningless values, log
	// flags): what the command checks before it opens anything.
	app := newApp(io.Discard, io.Discard)
	var ran string
	var stub func([]*cli.Command)
	stub = func(cmds []*cli.Command) {
		for _, sc := range cmds {
			sc.Action = func(ctx *cli.Context) error {
				ran = ctx.Command.FullName()
				_, err := begin(ctx)
				return err
			}
			stub(sc.Subcommands)
		}
	}
	stub(app.Commands)
	var stderr bytes.Buffer
	app.ErrWriter = &stderr
	app.Writer = io.Discard
	if err := app.RunContext(context.Background(), append([]string{"oktalake"}, c.Args...)); err != nil {
		fail("oktalake %s: %v %s", strings.Join(c.Args, " "), err, stderr.String())
	} else if ran != cmd.FullName() {
		fail("oktalake %s ran %q, want %q", strings.Join(c.Args, " "), ran, cmd.FullName())
	}
	return errs
}

// resolveCommand follows args through the command tree, checking that every
// --flag is one of the command's, and returns the command (nil when args
// name none).
func resolveCommand(cmds []*cli.Command, args []string, fail func(string, ...any)) *cli.Command {
	var cmd *cli.Command
	i := 0
	for ; i < len(args) && !strings.HasPrefix(args[i], "-"); i++ {
		var next *cli.Command
		for _, c := range cmds {
			if c.HasName(args[i]) {
				next = c
			}
		}
		if next == nil {
			if cmd != nil {
				break // an argument of cmd
			}
			fail("oktalake has no command %q", args[i])
			return nil
		}
		cmd, cmds = next, next.Subcommands
	}
	if cmd == nil {
		fail("no command in %q", args)
		return nil
	}
	for ; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			fail("argument %q: `oktalake %s` takes flags only", a, cmd.FullName())
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		var flag cli.Flag
		for _, f := range cmd.Flags {
			for _, n := range f.Names() {
				if n == name {
					flag = f
				}
			}
		}
		if flag == nil {
			fail("flag --%s is not a flag of `oktalake %s`", name, cmd.FullName())
			continue
		}
		if _, isBool := flag.(*cli.BoolFlag); !isBool && !hasValue {
			i++ // its value
		}
	}
	return cmd
}
