package lake

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake/laketest"
)

// isolateAWSCredentials leaves a test no credentials but what it passes in
// StoreOptions: no environment variables, files or instance metadata.
func isolateAWSCredentials(t *testing.T) {
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// TestNotifyCreatedSignsWithTheStoresCredentials: the subscription to
// MinIO's notifications signs with the store's own credentials (here static
// keys from StoreOptions, with nothing in the environment), so it stays up;
// with a wrong key it drops at once and says why, which shows the
// credentials are what is tested. (The MinIO build the tests use delivers
// listen events only sporadically, so delivery itself is asserted by
// load's follow test, where polling is the safety net.)
func TestNotifyCreatedSignsWithTheStoresCredentials(t *testing.T) {
	env := laketest.MinIO(t)
	isolateAWSCredentials(t)
	subscribe := func(opts StoreOptions) <-chan error {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		s, _, err := OpenStore(ctx, env.URL(""), opts)
		if err != nil {
			t.Fatal(err)
		}
		n, ok := s.(Notifier)
		if !ok {
			t.Fatal("the S3 store is not a Notifier")
		}
		drops := make(chan error, 16)
		if _, err := n.NotifyCreated(ctx, "data/", func(err error) {
			select {
			case drops <- err:
			default:
			}
		}); err != nil {
			t.Fatal(err)
		}
		return drops
	}
	wrong := s3Options(env)
	wrong.SecretKey = "not-" + wrong.SecretKey
	select {
	case err := <-subscribe(wrong):
		t.Logf("with a wrong key: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("a subscription signed with a wrong key did not drop within 10s")
	}
	select {
	case err := <-subscribe(s3Options(env)):
		t.Fatalf("the subscription with the store's credentials dropped: %v", err)
	case <-time.After(2 * time.Second):
	}
}

// Only an S3 store on a custom endpoint (MinIO) can notify: on AWS S3 the
// subscription is refused with ErrNoNotifications, and a directory store
// is no Notifier.
func TestNotifyCreatedNeedsMinIO(t *testing.T) {
	isolateAWSCredentials(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	ctx := context.Background()
	s, _, err := OpenStore(ctx, "s3://some-bucket/data", StoreOptions{Region: "us-east-1", AccessKey: "a", SecretKey: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.(Notifier).NotifyCreated(ctx, "data/", nil); !errors.Is(err, ErrNoNotifications) {
		t.Errorf("NotifyCreated on AWS S3: err = %v, want ErrNoNotifications", err)
	}
	local, err := NewLocalStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := local.(Notifier); ok {
		t.Error("a directory store claims to notify")
	}
}
