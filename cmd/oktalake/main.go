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

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

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
		Version:              version,
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		HideHelpCommand:      true,
		ExitErrHandler:       func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
		Commands: commands(),
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
