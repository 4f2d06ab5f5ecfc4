package lake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

const (
	// DefaultPartSize is the default multipart upload part size.
	DefaultPartSize = 8 << 20
	// minPartSize is S3's minimum size for every part but the last.
	minPartSize = 5 << 20
	// maxConditionalPut is the largest object committed with a single
	// conditional PutObject. A server that refuses the condition answers 412
	// without reading the body; above what Go's HTTP server drains (256 KiB)
	// it then resets the connection while the client is still sending, and
	// the client sees "connection reset" instead of 412 (observed with
	// MinIO). Larger objects go through a multipart upload, whose
	// conditional request, CompleteMultipartUpload, has a tiny body.
	maxConditionalPut = 128 << 10
	// abortTimeout bounds the clean-up request sent after a failed or
	// cancelled write, which runs even when the write's context is done.
	abortTimeout = 30 * time.Second
)

// s3Store is a Store on an S3 bucket.
type s3Store struct {
	client   *s3.Client
	bucket   string
	endpoint string // for error messages: the custom endpoint or "AWS S3"
	partSize int64
	// endpointURL (nil on AWS), region and creds are what the client was
	// built from, for the MinIO client that subscribes to notifications.
	endpointURL *url.URL
	region      string
	creds       aws.CredentialsProvider
}

func newS3Store(ctx context.Context, bucket string, opts StoreOptions) (*s3Store, error) {
	partSize := opts.PartSize
	if partSize == 0 {
		partSize = DefaultPartSize
	}
	if partSize < minPartSize {
		return nil, fmt.Errorf("opening s3://%s: part size %d is below S3's minimum of %d bytes", bucket, partSize, minPartSize)
	}
	endpoint := opts.S3Endpoint
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL_S3")
	}
	var endpointURL *url.URL
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("opening s3://%s: S3 endpoint %q is not a URL such as http://127.0.0.1:9000", bucket, endpoint)
		}
		endpointURL = u
	}
	var loadOpts []func(*config.LoadOptions) error
	if opts.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.Region))
	}
	if opts.MaxAttempts > 0 {
		loadOpts = append(loadOpts, config.WithRetryMaxAttempts(opts.MaxAttempts))
	}
	if opts.AccessKey != "" || opts.SecretKey != "" {
		if opts.AccessKey == "" || opts.SecretKey == "" {
			return nil, fmt.Errorf("opening s3://%s: static credentials need both an access key and a secret key", bucket)
		}
		loadOpts = append(loadOpts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(opts.AccessKey, opts.SecretKey, "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("opening s3://%s: loading AWS configuration: %w", bucket, err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		// Multipart objects carry a checksum of checksums the SDK cannot
		// verify on download; it would log a warning for every such read.
		o.DisableLogOutputChecksumValidationSkipped = true
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
	})
	name := endpoint
	if name == "" {
		name = "AWS S3 in " + cfg.Region
	}
	return &s3Store{client: client, bucket: bucket, endpoint: name, partSize: partSize,
		endpointURL: endpointURL, region: cfg.Region, creds: cfg.Credentials}, nil
}

func (s *s3Store) String() string { return "s3://" + s.bucket }

// wrap turns an SDK error into one that says what went wrong in the
// user's terms (missing bucket, denied, unreachable) and wraps ErrNotExist
// or ErrExist where they apply.
func (s *s3Store) wrap(op, key string, err error) error {
	loc := "s3://" + s.bucket + "/" + key
	var code string
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	var status int
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s %s: %w", op, loc, err)
	case code == "NoSuchBucket":
		return fmt.Errorf("%s %s: bucket %q does not exist at %s: %w", op, loc, s.bucket, s.endpoint, err)
	case code == "NoSuchKey" || (status == 404 && (code == "NotFound" || code == "")):
		return fmt.Errorf("%s %s: %w", op, loc, ErrNotExist)
	case code == "PreconditionFailed" || status == 412:
		return fmt.Errorf("%s %s: %w", op, loc, ErrExist)
	case code == "AccessDenied" || code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" || status == 403:
		return fmt.Errorf("%s %s: access denied to bucket %q at %s (check the credentials and bucket policy): %w", op, loc, s.bucket, s.endpoint, err)
	case errors.As(err, &ne):
		return fmt.Errorf("%s %s: cannot reach S3 endpoint %s: %w", op, loc, s.endpoint, err)
	default:
		return fmt.Errorf("%s %s: %w", op, loc, err)
	}
}

func (s *s3Store) List(ctx context.Context, prefix, startAfter string, fn func(ObjectInfo) error) error {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(prefix)}
	if startAfter != "" {
		in.StartAfter = aws.String(startAfter)
	}
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return s.wrap("listing", prefix, err)
		}
		for _, o := range page.Contents {
			info := ObjectInfo{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), LastModified: aws.ToTime(o.LastModified)}
			if err := fn(info); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *s3Store) Create(ctx context.Context, key string) (ObjectWriter, error) {
	if key == "" {
		return nil, fmt.Errorf("creating object in s3://%s: empty key", s.bucket)
	}
	if err := ctx.Err(); err != nil {
		return nil, s.wrap("creating", key, err)
	}
	return &s3Writer{ctx: ctx, s: s, key: key}, nil
}

func (s *s3Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, s.wrap("opening", key, err)
	}
	return out.Body, nil
}

func (s *s3Store) Put(ctx context.Context, key string, data []byte) error {
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
	})
	if err != nil {
		return s.wrap("writing", key, err)
	}
	return nil
}

func (s *s3Store) Delete(ctx context.Context, key string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return s.wrap("deleting", key, err)
	}
	return nil
}

// ReadVersion reads a small object and its ETag.
func (s *s3Store) ReadVersion(ctx context.Context, key string) ([]byte, string, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, "", s.wrap("reading", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, "", s.wrap("reading", key, err)
	}
	return data, aws.ToString(out.ETag), nil
}

// PutIfVersion is a PutObject with If-Match on the ETag read, or
// If-None-Match: * when the object was absent. S3 answers 412 when the
// condition fails, 409 when another conditional write is in flight, and 404
// when If-Match names an object that is gone: each means someone else wrote.
func (s *s3Store) PutIfVersion(ctx context.Context, key string, data []byte, version string) error {
	in := &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
	}
	if version == "" {
		in.IfNoneMatch = aws.String("*")
	} else {
		in.IfMatch = aws.String(version)
	}
	_, err := s.client.PutObject(ctx, in)
	if err == nil {
		return nil
	}
	var ae smithy.APIError
	var re *awshttp.ResponseError
	code, status := "", 0
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	switch {
	case code == "PreconditionFailed" || code == "ConditionalRequestConflict" || status == 412 || status == 409,
		version != "" && (code == "NoSuchKey" || status == 404):
		return fmt.Errorf("writing s3://%s/%s: %w", s.bucket, key, ErrChanged)
	}
	return s.wrap("writing", key, err)
}

// CleanStale aborts the multipart uploads under prefix initiated at least
// olderThan before the server's time (its Date header; our clock when it
// sends none). It lists the bucket's uploads and filters by prefix itself:
// MinIO lists uploads only for an exact key or the whole bucket, and answers
// none for a folder-like prefix.
func (s *s3Store) CleanStale(ctx context.Context, prefix string, olderThan time.Duration) (int, error) {
	p := s3.NewListMultipartUploadsPaginator(s.client, &s3.ListMultipartUploadsInput{Bucket: aws.String(s.bucket)})
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return n, s.wrap("listing incomplete uploads under", prefix, err)
		}
		now, ok := awsmiddleware.GetServerTime(page.ResultMetadata)
		if !ok {
			now = time.Now()
		}
		for _, u := range page.Uploads {
			if !strings.HasPrefix(aws.ToString(u.Key), prefix) {
				continue
			}
			if olderThan > 0 && now.Sub(aws.ToTime(u.Initiated)) < olderThan {
				continue // perhaps a concurrent run's live upload
			}
			_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(s.bucket), Key: u.Key, UploadId: u.UploadId})
			if err != nil && !isNoSuchUpload(err) {
				return n, s.wrap("aborting a stale upload of", aws.ToString(u.Key), err)
			}
			n++
		}
	}
	return n, nil
}

// isNoSuchUpload tells an upload that ended meanwhile (completed or aborted
// by its owner or another cleaner) from a real failure.
func isNoSuchUpload(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "NoSuchUpload"
}

// s3Writer buffers one part at a time. A small object is a single
// conditional PutObject; a larger one is a multipart upload whose
// completion is conditional. Both use If-None-Match: * so a commit never
// replaces an existing object (MinIO honours it on both, see the tests).
// Any failure aborts the multipart upload, so nothing is left behind.
type s3Writer struct {
	ctx      context.Context
	s        *s3Store
	key      string
	buf      []byte
	uploadID *string
	parts    []types.CompletedPart
	done     bool
	err      error // the failure that ended the write, returned by later calls
}

func (w *s3Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.done {
		return 0, fmt.Errorf("writing s3://%s/%s: write after commit or abort", w.s.bucket, w.key)
	}
	if err := w.ctx.Err(); err != nil {
		return 0, w.fail(w.s.wrap("writing", w.key, err))
	}
	written := 0
	for len(p) > 0 {
		// Upload a full part only once more data arrives, so the last part
		// is never empty and a part-sized object is a single PutObject.
		if int64(len(w.buf)) == w.s.partSize {
			if err := w.uploadPart(); err != nil {
				return written, w.fail(err)
			}
		}
		if w.buf == nil {
			w.buf = make([]byte, 0, min(w.s.partSize, 256<<10))
		}
		n := min(len(p), int(w.s.partSize)-len(w.buf))
		w.buf = append(w.buf, p[:n]...)
		p = p[n:]
		written += n
	}
	return written, nil
}

// uploadPart sends the buffer as the next part, starting the multipart
// upload on the first one.
func (w *s3Writer) uploadPart() error {
	if w.uploadID == nil {
		out, err := w.s.client.CreateMultipartUpload(w.ctx, &s3.CreateMultipartUploadInput{
			Bucket:            aws.String(w.s.bucket),
			Key:               aws.String(w.key),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
		})
		if err != nil {
			return w.s.wrap("starting upload of", w.key, err)
		}
		w.uploadID = out.UploadId
	}
	n := int32(len(w.parts) + 1)
	out, err := w.s.client.UploadPart(w.ctx, &s3.UploadPartInput{
		Bucket:            aws.String(w.s.bucket),
		Key:               aws.String(w.key),
		UploadId:          w.uploadID,
		PartNumber:        aws.Int32(n),
		Body:              bytes.NewReader(w.buf),
		ContentLength:     aws.Int64(int64(len(w.buf))),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		return fmt.Errorf("uploading part %d: %w", n, w.s.wrap("writing", w.key, err))
	}
	w.parts = append(w.parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n), ChecksumCRC32: out.ChecksumCRC32})
	w.buf = w.buf[:0]
	return nil
}

func (w *s3Writer) Commit() error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return fmt.Errorf("committing s3://%s/%s: already committed or aborted", w.s.bucket, w.key)
	}
	if err := w.ctx.Err(); err != nil {
		return w.fail(w.s.wrap("committing", w.key, err))
	}
	if w.uploadID == nil && len(w.buf) <= maxConditionalPut {
		_, err := w.s.client.PutObject(w.ctx, &s3.PutObjectInput{
			Bucket:        aws.String(w.s.bucket),
			Key:           aws.String(w.key),
			Body:          bytes.NewReader(w.buf),
			ContentLength: aws.Int64(int64(len(w.buf))),
			IfNoneMatch:   aws.String("*"),
		})
		if err != nil {
			return w.fail(w.s.wrap("committing", w.key, err))
		}
		w.finish()
		return nil
	}
	if len(w.buf) > 0 {
		if err := w.uploadPart(); err != nil {
			return w.fail(err)
		}
	}
	_, err := w.s.client.CompleteMultipartUpload(w.ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          aws.String(w.s.bucket),
		Key:             aws.String(w.key),
		UploadId:        w.uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: w.parts},
		IfNoneMatch:     aws.String("*"),
	})
	if err != nil {
		return w.fail(w.s.wrap("committing", w.key, err))
	}
	w.uploadID = nil
	w.finish()
	return nil
}

func (w *s3Writer) Abort() error {
	if w.done {
		return nil
	}
	w.err = fmt.Errorf("writing s3://%s/%s: aborted", w.s.bucket, w.key)
	return w.abort()
}

// fail records err as the end of the write and aborts the upload.
func (w *s3Writer) fail(err error) error {
	w.err = err
	if aerr := w.abort(); aerr != nil {
		return fmt.Errorf("%w (and %w)", err, aerr)
	}
	return err
}

func (w *s3Writer) abort() error {
	id := w.uploadID
	w.finish()
	if id == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.ctx), abortTimeout)
	defer cancel()
	_, err := w.s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(w.s.bucket), Key: aws.String(w.key), UploadId: id,
	})
	if err != nil {
		return w.s.wrap("aborting upload of", w.key, err)
	}
	return nil
}

func (w *s3Writer) finish() {
	w.done = true
	w.uploadID = nil
	w.buf = nil
	w.parts = nil
}
