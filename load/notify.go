package load

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// MinIONotifications subscribes to MinIO's bucket notifications for new
// objects under prefix and returns a channel that receives a value (without
// blocking, coalesced) whenever one arrives. A dropped subscription is
// re-established after a pause; polling stays the loader's safety net, so a
// missed notification only delays a load until the next poll.
func MinIONotifications(ctx context.Context, bucketURL, endpoint, region, prefix string, log *slog.Logger) (<-chan struct{}, error) {
	u, err := url.Parse(bucketURL)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return nil, fmt.Errorf("--minio-notify needs an s3://bucket URL, got %q", bucketURL)
	}
	if endpoint == "" {
		return nil, fmt.Errorf("--minio-notify needs --s3-endpoint (the MinIO server)")
	}
	ep, err := url.Parse(endpoint)
	if err != nil || ep.Host == "" {
		return nil, fmt.Errorf("--s3-endpoint: %q is not a URL", endpoint)
	}
	client, err := minio.New(ep.Host, &minio.Options{
		Creds:  credentials.NewChainCredentials([]credentials.Provider{&credentials.EnvAWS{}, &credentials.EnvMinio{}, &credentials.FileAWSCredentials{}}),
		Secure: ep.Scheme == "https",
		Region: region,
	})
	if err != nil {
		return nil, fmt.Errorf("connecting to MinIO at %s: %w", ep.Host, err)
	}
	bucket := u.Host
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	wake := make(chan struct{}, 1)
	go func() {
		for ctx.Err() == nil {
			for info := range client.ListenBucketNotification(ctx, bucket, prefix, "", []string{"s3:ObjectCreated:*"}) {
				if info.Err != nil {
					log.Warn("minio notifications interrupted; polling continues", "err", info.Err)
					break
				}
				select {
				case wake <- struct{}{}:
				default:
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
		}
	}()
	return wake, nil
}
