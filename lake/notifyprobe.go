package lake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/minio/minio-go/v7/pkg/signer"
	"github.com/oktalake/oktalake/internal/httpx"
)

// ErrNotificationsNotStreamed is wrapped (with ErrNoNotifications) by
// NotifyCreated for a MinIO server that accepts ListenBucketNotification but
// never sends its stream: MinIO builds from commit 52eee5a2f (PR #21651,
// October 2025) to the last community release wrap every S3 response in a
// writer without http.Flusher, so the listen handler's flushes are no-ops
// and its headers, pings and events stay in the server's buffers until some
// kilobytes pile up. Polling is then the only way to see new objects.
var ErrNotificationsNotStreamed = errors.New("the MinIO server does not stream bucket notifications: it sends no response to a listen request within " +
	notifyProbeTimeout.String() + " although asked to ping every second (MinIO builds from commit 52eee5a2f, PR #21651, never flush the stream; " +
	"run a MinIO built before it, or with its trackingResponseWriter forwarding Flush, as oktalake's make minio builds it)")

// notifyProbeTimeout is how long the probe waits for the listen response:
// a streaming server answers within its ping interval (one second).
const notifyProbeTimeout = 3 * time.Second

// probeListen asks the server for a listen stream that pings every second
// (MinIO's ListenBucketNotification with ping=1, the API minio-go's client
// calls) and reports whether its response starts within notifyProbeTimeout.
func (s *s3Store) probeListen(ctx context.Context, prefix string) error {
	u := *s.endpointURL
	u.Path = "/" + s.bucket
	q := url.Values{}
	q.Set("ping", "1")
	q.Set("prefix", prefix)
	q.Set("suffix", "")
	q["events"] = []string{"s3:ObjectCreated:*"}
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, notifyProbeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("probing notifications of s3://%s on %s: %w", s.bucket, s.endpoint, err)
	}
	req.Header.Set("X-Amz-Content-Sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") // empty body
	if s.creds != nil {
		c, err := s.creds.Retrieve(ctx)
		if err != nil {
			return fmt.Errorf("probing notifications of s3://%s on %s: retrieving AWS credentials: %w", s.bucket, s.endpoint, err)
		}
		req = signer.SignV4(*req, c.AccessKeyID, c.SecretAccessKey, c.SessionToken, s.region)
	}
	hc := httpx.SameOriginClient(&http.Client{}, s.endpointURL)
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("subscribing to notifications of s3://%s on %s: %w: %w", s.bucket, s.endpoint, ErrNoNotifications, ErrNotificationsNotStreamed)
		}
		return fmt.Errorf("probing notifications of s3://%s on %s: %w", s.bucket, s.endpoint, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("probing notifications of s3://%s on %s: listen answered %s", s.bucket, s.endpoint, resp.Status)
	}
	return nil
}
