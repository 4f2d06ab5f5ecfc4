package lake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
)

// ErrNoNotifications is wrapped by NotifyCreated for a bucket that cannot
// notify: only a MinIO server has ListenBucketNotification.
var ErrNoNotifications = errors.New("bucket notifications need an s3:// bucket on a MinIO server (a custom S3 endpoint)")

// Notifier is a Store that can say when objects are created: an S3 store
// on a MinIO server, through MinIO's ListenBucketNotification.
type Notifier interface {
	// NotifyCreated subscribes to the creation of objects under prefix and
	// returns a channel that receives a value, without blocking and
	// coalesced, whenever one is created, until ctx is done. A dropped
	// subscription is made again after a pause; onDrop, when set, hears
	// why it dropped. Notifications may be missed: callers poll as well.
	NotifyCreated(ctx context.Context, prefix string, onDrop func(error)) (<-chan struct{}, error)
}

// notifyRetryPause is how long a dropped subscription waits before it is
// made again.
const notifyRetryPause = 5 * time.Second

// NotifyCreated implements Notifier with minio-go, signing with the same
// credentials, endpoint and region as the store's own client. It first
// checks that the server streams the notifications at all (see
// ErrNotificationsNotStreamed).
func (s *s3Store) NotifyCreated(ctx context.Context, prefix string, onDrop func(error)) (<-chan struct{}, error) {
	if s.endpointURL == nil {
		return nil, fmt.Errorf("subscribing to notifications of s3://%s on %s: %w", s.bucket, s.endpoint, ErrNoNotifications)
	}
	// A server that accepts the listen request but never streams it would
	// leave the caller waiting for notifications that cannot come.
	if err := s.probeListen(ctx, prefix); err != nil {
		return nil, err
	}
	client, err := minio.New(s.endpointURL.Host, &minio.Options{
		Creds:  miniocreds.New(awsCredentials{s.creds}),
		Secure: s.endpointURL.Scheme == "https",
		Region: s.region,
	})
	if err != nil {
		return nil, fmt.Errorf("subscribing to notifications of s3://%s on %s: %w", s.bucket, s.endpoint, err)
	}
	wake := make(chan struct{}, 1)
	go func() {
		for ctx.Err() == nil {
			for info := range client.ListenBucketNotification(ctx, s.bucket, prefix, "", []string{"s3:ObjectCreated:*"}) {
				if info.Err != nil {
					if onDrop != nil && ctx.Err() == nil {
						onDrop(fmt.Errorf("listening to notifications of s3://%s on %s: %w", s.bucket, s.endpoint, info.Err))
					}
					break
				}
				select {
				case wake <- struct{}{}:
				default:
				}
			}
			t := time.NewTimer(notifyRetryPause)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
		}
	}()
	return wake, nil
}

// awsCredentials lends the AWS SDK's credentials (its chain, or the
// store's static keys, cached by the SDK) to minio-go.
type awsCredentials struct {
	p aws.CredentialsProvider
}

func (a awsCredentials) RetrieveWithCredContext(cc *miniocreds.CredContext) (miniocreds.Value, error) {
	ctx := context.Background()
	if cc != nil && cc.Context != nil {
		ctx = cc.Context
	}
	if a.p == nil {
		return miniocreds.Value{SignerType: miniocreds.SignatureAnonymous}, nil
	}
	c, err := a.p.Retrieve(ctx)
	if err != nil {
		return miniocreds.Value{}, fmt.Errorf("retrieving AWS credentials: %w", err)
	}
	return miniocreds.Value{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		Expiration: c.Expires, SignerType: miniocreds.SignatureV4}, nil
}

func (a awsCredentials) Retrieve() (miniocreds.Value, error) { return a.RetrieveWithCredContext(nil) }

// IsExpired is always true: the SDK's provider caches and renews the
// credentials itself, so minio-go asks it every time.
func (awsCredentials) IsExpired() bool { return true }

var _ Notifier = (*s3Store)(nil)
