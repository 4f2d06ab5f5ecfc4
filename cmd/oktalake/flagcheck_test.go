package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// Flag values that cannot mean anything are usage errors naming the flag,
// not silently replaced by a default or ignored.
func TestMeaninglessFlagValuesAreUsageErrors(t *testing.T) {
	okta := []string{"--okta-domain", "x.okta.com", "--okta-api-token", "t"}
	port := []string{"--port-client-id", "id", "--port-client-secret", "s", "--port-base-url", "http://127.0.0.1:1"}
	// backfill needs a --since; this one is valid on any day the test runs.
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")
	load := func(args ...string) []string {
		return append(append([]string{"load", "--bucket", t.TempDir()}, port...), args...)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"load unknown stream", load("--streams", "nosuch"), `unknown stream "nosuch"`},
		{"load streams naming nothing", load("--streams", ","), "--streams"},
		{"load streams of blanks", load("--streams", " , ,"), "--streams"},
		{"extract streams naming nothing", append([]string{"extract", "--streams", ","}, okta...), "--streams"},
		{"port concurrency zero", load("--port-concurrency", "0"), "--port-concurrency"},
		{"port concurrency negative", load("--port-concurrency", "-3"), "--port-concurrency"},
		{"port init concurrency zero", append([]string{"port", "init", "--port-concurrency", "0"}, port...), "--port-concurrency"},
		{"mapping timeout zero", load("--mapping-timeout", "0"), "--mapping-timeout"},
		{"mapping timeout negative", load("--mapping-timeout", "-1s"), "--mapping-timeout"},
		{"map mapping timeout zero", []string{"map", "--mapping-timeout", "0s", "x.jsonl"}, "--mapping-timeout"},
		{"load poll interval zero", load("--follow", "--poll-interval", "0"), "--poll-interval"},
		{"load full-list interval zero", load("--follow", "--full-list-every", "0"), "--full-list-every"},
		{"extract max concurrency zero", append([]string{"extract", "--max-concurrency", "0"}, okta...), "--max-concurrency"},
		{"extract rate-limit share zero", append([]string{"extract", "--rate-limit-share", "0"}, okta...), "--rate-limit-share"},
		{"backfill window zero", append([]string{"backfill", "logs", "--since", yesterday, "--window", "0"}, okta...), "--window"},
		{"backfill window negative", append([]string{"backfill", "logs", "--since", yesterday, "--window", "-1h"}, okta...), "--window"},
		{"extract format unknown", append([]string{"extract", "--format", "csv"}, okta...), `--format: "csv" is not jsonl or parquet`},
		{"parquet option with jsonl", append([]string{"extract", "--parquet-compression-codec", "zstd"}, okta...), "--parquet-compression-codec applies to --format parquet"},
		{"parquet codec unknown", append([]string{"extract", "--format", "parquet", "--parquet-compression-codec", "lz4"}, okta...), "--parquet-compression-codec"},
		{"parquet block size zero", append([]string{"extract", "--format", "parquet", "--parquet-block-size-mb", "0"}, okta...), "--parquet-block-size-mb"},
		{"parquet page size negative", append([]string{"backfill", "logs", "--since", yesterday, "--format", "parquet", "--parquet-page-size-kb", "-1"}, okta...), "--parquet-page-size-kb"},
		{"parquet with the v1 envelope", append([]string{"extract", "--format", "parquet", "--envelope", "v1"}, okta...), "--envelope v1 applies to --format jsonl"},
		{"backfill workers zero", append([]string{"backfill", "logs", "--since", yesterday, "--workers", "0"}, okta...), "--workers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("OKTALAKE_STREAMS", "")
			// A bound, so that a value taken as "run forever" (a zero poll
			// interval with --follow) fails the test instead of hanging it.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var outb, errb bytes.Buffer
			code := run(ctx, append([]string{"oktalake"}, tc.args...), &outb, &errb)
			out, errOut := outb.String(), errb.String()
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("code %d (want 2), stderr %q (want it to mention %q)\nstdout:\n%s", code, errOut, tc.want, out)
			}
		})
	}
}

// An empty OKTALAKE_STREAMS (as docker-compose writes an unset variable)
// means the default, every stream: it is not "--streams ,".
func TestEmptyStreamsEnvironmentMeansEveryStream(t *testing.T) {
	t.Setenv("OKTALAKE_STREAMS", "")
	_, errOut, code := runCLI(t, "load", "--bucket", t.TempDir(), "--port-client-id", "id", "--port-client-secret", "s", "--port-base-url", "http://127.0.0.1:1")
	if strings.Contains(errOut, "--streams") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}
