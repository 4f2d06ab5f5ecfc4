package lake

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// bucketCreator is a Store that can create its own bucket.
type bucketCreator interface {
	createBucket(ctx context.Context) error
}

// EnsureBucket creates the store's bucket if it does not exist yet (for a
// local MinIO or a fresh directory); an existing bucket is left alone.
func EnsureBucket(ctx context.Context, s Store) error {
	if c, ok := s.(bucketCreator); ok {
		return c.createBucket(ctx)
	}
	return nil
}

func (s *s3Store) createBucket(ctx context.Context) error {
	_, err := s.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.bucket)})
	var owned *types.BucketAlreadyOwnedByYou
	var exists *types.BucketAlreadyExists
	if err == nil || errors.As(err, &owned) || errors.As(err, &exists) {
		return nil
	}
	return fmt.Errorf("creating bucket %s on %s: %w", s.bucket, s.endpoint, err)
}
