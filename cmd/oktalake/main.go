// Command oktalake extracts an Okta org into a bucket of gzip JSONL objects in
// Airbyte's destination-s3 layout, and loads that bucket into Port.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/oktalake/oktalake/internal/buildinfo"
	"github.com/urfave/cli/v2"
)

// Set at build time with -ldflags "-X main.version=v1.2.3 -X main.commit=..."
// (make release sets them all); --version fills what is unset from the
// toolchain's build info.
var (
	version = "dev"
	// commit, commitTime (RFC 3339) and modified ("true" for a dirty tree)
	// name the source where the toolchain cannot: it stamps them only in a
	// checkout whose .git is a directory, not in a git worktree.
	commit, commitTime, modified string
)

// usageError marks bad flags or arguments: exit code 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal asks for a safe stop (objects finished or
		// aborted, checkpoints written); after it the default handling is
		// back, so a second signal exits at once.
		<-signals
		signal.Stop(signals)
		fmt.Fprintln(os.Stderr, "oktalake: interrupted: finishing safely (signal again to exit at once)")
		cancel()
	}()
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	cancel()
	os.Exit(code)
}

// run is main without the process: tests call it with their own arguments and writers.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	emptyFallbacksUnset(app.Commands)
	err := app.RunContext(ctx, args)
	if err == nil {
		return 0
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "oktalake: interrupted: open objects were aborted; committed objects and the state that covers them are kept")
		return 1
	}
	fmt.Fprintf(stderr, "oktalake: %s\n", flagNames(err.Error()))
	var ue usageError
	if errors.As(err, &ue) || isCLIUsage(err) {
		return 2
	}
	return 1
}

func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:                 "oktalake",
		Usage:                "Okta → bucket (Airbyte S3 layout) → Port, as one binary",
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		HideHelpCommand:      true,
		ExitErrHandler:       func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
		Commands: commands(),
		// Our own --version rather than urfave/cli's, whose printer is a
		// package variable and says "oktalake version v1.2.3".
		HideVersion: true,
		Flags:       []cli.Flag{&cli.BoolFlag{Name: "version", Aliases: []string{"v"}, Usage: "print the version, commit and Go release", DisableDefaultText: true}},
		Action: func(c *cli.Context) error {
			if c.Bool("version") {
				_, err := fmt.Fprintln(c.App.Writer, buildinfo.String(c.App.Name, buildinfo.Stamp{Version: version, Revision: commit, Time: commitTime, Modified: modified}))
				return err
			}
			// What urfave/cli does without an action: the help, or "No
			// help topic" for an unknown command.
			if c.Args().Present() {
				return cli.ShowCommandHelp(c, c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
	}
}

// isCLIUsage recognises urfave/cli's own complaints about flags.
func isCLIUsage(err error) bool {
	msg := err.Error()
	// "could not parse" is a bad value from an environment variable.
	for _, p := range []string{"flag provided but not defined", "Required flag", "Required flags", "invalid value", "could not parse", "No help topic"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
