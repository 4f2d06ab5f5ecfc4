package main

import (
	"strings"
	"testing"
	"time"
)

// A bucket URL with credentials or a query is a usage error on every
// command that opens a bucket, whether it comes from --bucket or
// OKTALAKE_BUCKET; the message says where credentials go, and neither the
// credentials nor the query are ever printed.
func TestBucketURLWithCredentialsOrQueryIsAUsageErrorAndNeverPrinted(t *testing.T) {
	const keyID, secret, query = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMIsecret", "sig=q5ecr3t"
	// Static credentials keep the SDK from probing the instance metadata
	// service should a URL get as far as a request.
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	okta := []string{"--okta-domain", "x.okta.com", "--okta-api-token", "t"}
	port := []string{"--port-client-id", "id", "--port-client-secret", "s"}
	commands := map[string][]string{
		"check":    {"check", "--skip-okta", "--s3-endpoint", "http://127.0.0.1:1"},
		"extract":  append([]string{"extract", "--streams", "users", "--s3-endpoint", "http://127.0.0.1:1"}, okta...),
		"backfill": append([]string{"backfill", "logs", "--since", time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02"), "--s3-endpoint", "http://127.0.0.1:1"}, okta...),
		"load":     append([]string{"load", "--s3-endpoint", "http://127.0.0.1:1"}, port...),
		"demo":     {"demo", "--s3-endpoint", "http://127.0.0.1:1"},
		"status":   {"status", "--s3-endpoint", "http://127.0.0.1:1"},
	}
	urls := map[string]struct{ url, want string }{
		"credentials":             {"s3://" + keyID + ":" + secret + "@bucket/x", "AWS_ACCESS_KEY_ID"},
		"unparseable credentials": {"s3://" + keyID + ":" + secret + " x@bucket/x", "AWS_ACCESS_KEY_ID"},
		"query":                   {"s3://bucket/x?" + query, "query"},
	}
	for cname, args := range commands {
		for uname, u := range urls {
			for _, viaEnv := range []bool{false, true} {
				name := cname + "/" + uname
				a := append([]string(nil), args...)
				if viaEnv {
					name += "/env"
					t.Setenv("OKTALAKE_BUCKET", u.url)
				} else {
					t.Setenv("OKTALAKE_BUCKET", "")
					a = append(a, "--bucket", u.url)
				}
				out, errOut, code := runCLI(t, a...)
				if code != 2 || !strings.Contains(errOut, u.want) || !strings.Contains(errOut, "bucket") {
					t.Errorf("%s: code %d (want 2), stderr %q (want it to mention %q)", name, code, errOut, u.want)
				}
				for _, s := range []string{keyID, secret, query} {
					if strings.Contains(out+errOut, s) {
						t.Errorf("%s: the output repeats %q:\n%s%s", name, s, out, errOut)
					}
				}
			}
		}
	}
}

// Credentials in --s3-endpoint (or AWS_ENDPOINT_URL_S3) are refused the same
// way, and never printed.
func TestS3EndpointWithCredentialsIsAUsageErrorAndNeverPrinted(t *testing.T) {
	const secret = "minio-s3cret"
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	for _, ep := range []string{"http://admin:" + secret + "@127.0.0.1:9000", "http://admin:" + secret + " x@127.0.0.1:9000"} {
		for _, viaEnv := range []bool{false, true} {
			args := []string{"check", "--skip-okta", "--bucket", "s3://bucket"}
			if viaEnv {
				t.Setenv("AWS_ENDPOINT_URL_S3", ep)
			} else {
				t.Setenv("AWS_ENDPOINT_URL_S3", "")
				args = append(args, "--s3-endpoint", ep)
			}
			out, errOut, code := runCLI(t, args...)
			if code != 2 || !strings.Contains(errOut, "--s3-endpoint") || !strings.Contains(errOut, "AWS_ACCESS_KEY_ID") {
				t.Errorf("%q (env %v): code %d (want 2), stderr %q", ep, viaEnv, code, errOut)
			}
			if strings.Contains(out+errOut, secret) {
				t.Errorf("%q (env %v): the output repeats the secret:\n%s%s", ep, viaEnv, out, errOut)
			}
		}
	}
}
