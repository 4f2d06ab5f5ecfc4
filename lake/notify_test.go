package lake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
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

// subscribe opens the store at env with opts and subscribes to data/.
func subscribe(t *testing.T, env *laketest.S3Env, opts StoreOptions) (<-chan struct{}, <-chan error, error) {
	t.Helper()
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
	wake, err := n.NotifyCreated(ctx, "data/", func(err error) {
		select {
		case drops <- err:
		default:
		}
	})
	return wake, drops, err
}

// TestNotifyCreatedSignsWithTheStoresCredentials: the subscription to
// MinIO's notifications signs with the store's own credentials (here static
// keys from StoreOptions, with nothing in the environment), so it stays up;
// with a wrong key it is refused at once and says why, which shows the
// credentials are what is tested.
func TestNotifyCreatedSignsWithTheStoresCredentials(t *testing.T) {
	env := laketest.MinIO(t)
	isolateAWSCredentials(t)
	wrong := s3Options(env)
	wrong.SecretKey = "not-" + wrong.SecretKey
	if _, _, err := subscribe(t, env, wrong); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("a subscription signed with a wrong key: err = %v, want MinIO's 403", err)
	} else if strings.Contains(err.Error(), wrong.SecretKey) {
		t.Errorf("the error shows the secret key: %v", err)
	}
	_, drops, err := subscribe(t, env, s3Options(env))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-drops:
		t.Fatalf("the subscription with the store's credentials dropped: %v", err)
	case <-time.After(2 * time.Second):
	}
}

// TestNotifyCreatedWakesWithinASecond: on MinIO each new object under the
// prefix wakes the subscriber within about a second (no polling here), and
// objects elsewhere do not.
func TestNotifyCreatedWakesWithinASecond(t *testing.T) {
	env := laketest.MinIO(t)
	isolateAWSCredentials(t)
	wake, _, err := subscribe(t, env, s3Options(env))
	if errors.Is(err, ErrNotificationsNotStreamed) {
		t.Fatalf("%v\n(the MinIO binary the tests run does not stream notifications: rebuild it with `make minio`)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	// minio-go's listen request may still be on its way: the first object
	// is put once the subscription provably delivers.
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; ; i++ {
		env.Put(t, fmt.Sprintf("data/warmup-%d", i), []byte("x"))
		select {
		case <-wake:
		case <-time.After(500 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("no notification within 5s of the subscription")
			}
			continue
		}
		break
	}
	drain(wake)
	env.Put(t, "other/x", []byte("x"))
	select {
	case <-wake:
		t.Error("an object outside data/ woke the subscriber")
	case <-time.After(700 * time.Millisecond):
	}
	for i := range 3 {
		start := time.Now()
		env.Put(t, fmt.Sprintf("data/obj-%d", i), []byte("x"))
		select {
		case <-wake:
			t.Logf("object %d: woken after %v", i, time.Since(start))
		case <-time.After(1500 * time.Millisecond):
			t.Fatalf("object %d: no notification within 1.5s", i)
		}
	}
}

func drain(c <-chan struct{}) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// A server that accepts the listen request but sends nothing (what MinIO
// builds from commit 52eee5a2f do: cmd/api-response.go's
// trackingResponseWriter has no Flush, so cmd/listen-notification-handlers.go's
// flushes never reach the client) is refused with ErrNoNotifications and
// ErrNotificationsNotStreamed; one that answers at once is accepted.
func TestNotifyCreatedRefusesASilentServer(t *testing.T) {
	isolateAWSCredentials(t)
	for _, tc := range []struct {
		name   string
		silent bool
	}{{"silent", true}, {"streaming", false}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("events") == "" || r.Header.Get("Authorization") == "" {
					http.Error(w, "not a signed listen request", http.StatusBadRequest)
					return
				}
				if tc.silent {
					<-r.Context().Done()
					return
				}
				w.Header().Set("Content-Type", "text/event-stream")
				w.WriteHeader(http.StatusOK)
				for {
					// MinIO's ping: an empty Records object every ping seconds.
					if _, err := w.Write([]byte("{\"Records\":null}\n")); err != nil {
						return
					}
					w.(http.Flusher).Flush()
					select {
					case <-r.Context().Done():
						return
					case <-time.After(time.Second):
					}
				}
			}))
			t.Cleanup(srv.Close)
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			s, _, err := OpenStore(ctx, "s3://some-bucket/data", StoreOptions{S3Endpoint: srv.URL, Region: "us-east-1", AccessKey: "a", SecretKey: "b"})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = s.(Notifier).NotifyCreated(ctx, "data/", nil)
			took := time.Since(start)
			if tc.silent {
				if !errors.Is(err, ErrNoNotifications) || !errors.Is(err, ErrNotificationsNotStreamed) {
					t.Errorf("err = %v, want ErrNoNotifications and ErrNotificationsNotStreamed", err)
				}
				if took > notifyProbeTimeout+2*time.Second {
					t.Errorf("refused after %v, want about %v", took, notifyProbeTimeout)
				}
				return
			}
			if err != nil {
				t.Errorf("a streaming server: err = %v", err)
			}
		})
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
