package lake

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// BucketURLError is a bucket URL that OpenStore refuses as written: a usage
// mistake rather than a failure of the bucket. URL is the redacted form
// (RedactBucketURL), so the error is safe to print.
type BucketURLError struct {
	// URL is the bucket URL without credentials, query or fragment.
	URL string
	// Reason says what is wrong and what to write instead.
	Reason string
}

func (e *BucketURLError) Error() string {
	if e.URL == "" {
		return "bucket URL: " + e.Reason
	}
	return fmt.Sprintf("bucket URL %s: %s", e.URL, e.Reason)
}

// redacted stands in for the parts of a URL that are never printed.
const redacted = "REDACTED"

// credentialsReason says where S3 credentials go instead of the URL.
const credentialsReason = "credentials in a bucket URL are refused (and never printed): " +
	"S3 credentials come from the AWS SDK's default chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, " +
	"AWS_PROFILE with the shared config and credentials files, or the instance, task or IRSA role"

// RedactBucketURL returns a bucket URL fit for logs and errors: userinfo
// (credentials) becomes "REDACTED@" and a query or fragment "?REDACTED". A
// plain directory path (no "://") is returned unchanged: '@' and '?' are
// ordinary characters in file names.
func RedactBucketURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = redacted + "@" + authority[i+1:]
	}
	if i := strings.IndexAny(tail, "?#"); i >= 0 {
		tail = tail[:i] + "?" + redacted
	}
	return scheme + "://" + authority + tail
}

// URLHasCredentials reports whether a URL carries userinfo (user:password@)
// in its authority. It reads the raw text, so it also finds credentials in a
// URL that url.Parse rejects (whose error would quote them).
func URLHasCredentials(raw string) bool {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return false
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return strings.Contains(rest, "@")
}

// parseBucketURL parses an s3:// or file:// bucket URL, refusing what a
// bucket URL cannot mean: credentials (userinfo), a query or fragment, and
// for s3 a port (an endpoint belongs in StoreOptions.S3Endpoint). Errors are
// *BucketURLError and never contain the refused parts.
func parseBucketURL(raw string) (*url.URL, error) {
	refuse := func(reason string) error { return &BucketURLError{URL: RedactBucketURL(raw), Reason: reason} }
	// Userinfo is looked for before url.Parse, whose errors quote the whole
	// URL, credentials included.
	if URLHasCredentials(raw) {
		return nil, refuse(credentialsReason)
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL it quotes
		}
		return nil, refuse(fmt.Sprintf("parsing: %v", err))
	}
	switch {
	case u.RawQuery != "" || u.ForceQuery:
		return nil, refuse("a query (?...) is not part of a bucket URL (s3://bucket/prefix or file:///dir); the endpoint goes in lake.StoreOptions.S3Endpoint, the region in lake.StoreOptions.Region")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, refuse("a fragment (#...) is not part of a bucket URL (s3://bucket/prefix or file:///dir)")
	case u.Scheme == "s3" && u.Port() != "":
		return nil, refuse("an S3 bucket name has no port: an S3-compatible server such as MinIO goes in lake.StoreOptions.S3Endpoint (http://127.0.0.1:9000), the bucket in s3://bucket/prefix")
	}
	return u, nil
}
