package load

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/laketest"
)

// On MinIO, load --follow picks up a new object within about a second
// through bucket notifications alone: the poll interval here is an hour, so
// a missing notification fails the test.
func TestFollowWakesOnMinIONotifications(t *testing.T) {
	env := laketest.MinIO(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store, _, err := lake.OpenStore(ctx, env.URL(""), lake.StoreOptions{S3Endpoint: env.Endpoint, Region: env.Region, AccessKey: env.AccessKey, SecretKey: env.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	notes, err := Notifications(ctx, store, "data", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if notes == nil {
		t.Fatalf("no notifications from the MinIO the tests run (rebuild it with `make minio`, or set OKTALAKE_MINIO_BIN):\n%s", logs.String())
	}
	pe := newPort(t, portSetup{realClock: true})
	l := newLoader(t, store, pe, Config{Follow: true, PollInterval: time.Hour, Wake: notes, Clock: clock.Real()})
	done := make(chan error, 1)
	go func() {
		_, err := l.Run(ctx)
		done <- err
	}()
	// The first pass runs at once; give it time to finish so that what
	// follows is found through a notification only.
	time.Sleep(500 * time.Millisecond)
	for i, want := range []int{10, 25} {
		start := time.Now()
		env.Put(t, dataKey("users", []string{"01_1000_0", "01_2000_0"}[i]), encodeObject(t, lake.V2, users(want-[]int{10, 15}[i], want)))
		eventually(t, 3*time.Second, "the object through a notification", func() bool { return pe.count("okta_user") == want })
		t.Logf("object %d in Port after %v", i+1, time.Since(start))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel = %v", err)
	}
}

// A MinIO that never streams its notifications (see
// lake.ErrNotificationsNotStreamed) gives no wake channel and a warning
// that says why: the loader polls, it does not wait for wakes that cannot come.
func TestNotificationsFromASilentServerWarn(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // accepts the listen request, sends nothing
	}))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	ctx := context.Background()
	store, _, err := lake.OpenStore(ctx, "s3://some-bucket/data", lake.StoreOptions{S3Endpoint: srv.URL, Region: "us-east-1", AccessKey: "a", SecretKey: "b"})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	notes, err := Notifications(ctx, store, "data", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil || notes != nil {
		t.Fatalf("Notifications = %v, %v; want no channel and no error", notes, err)
	}
	if !strings.Contains(logs.String(), "does not stream") || !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("log %q, want a warning saying the server does not stream", logs.String())
	}
	if _, err := Notifications(ctx, newStore(t), "data", slog.New(slog.DiscardHandler)); !errors.Is(err, lake.ErrNoNotifications) {
		t.Errorf("a directory bucket: err = %v, want lake.ErrNoNotifications", err)
	}
}
