package load

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/laketest"
)

// TestFollow runs the loader in follow mode: it picks up objects written
// after it started, by polling or at once when woken (with a poll interval
// far too long to explain the load), and returns cleanly when cancelled.
func TestFollow(t *testing.T) {
	tests := []struct {
		name string
		poll time.Duration
		wake bool
	}{
		{"polling", 20 * time.Millisecond, false},
		{"woken by a notification", time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newStore(t)
			putObject(t, store, dataKey("users", "01_1000_0"), users(0, 30))
			pe := newPort(t, portSetup{})
			wake := make(chan struct{}, 1)
			cfg := Config{Follow: true, PollInterval: tt.poll}
			if tt.wake {
				cfg.Wake = wake
			}
			l := newLoader(t, store, pe, cfg)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			type result struct {
				sum *Summary
				err error
			}
			done := make(chan result, 1)
			go func() {
				sum, err := l.Run(ctx)
				done <- result{sum, err}
			}()

			eventually(t, 5*time.Second, "the first object", func() bool { return pe.count("okta_user") == 30 })
			// Let the first pass end so the loader is waiting, not listing.
			eventually(t, 5*time.Second, "the first pass to checkpoint", func() bool {
				var cp Checkpoint
				found, err := lake.ReadJSON(context.Background(), store, lake.CheckpointKey("data", "default"), &cp)
				return err == nil && found && cp.Streams["users"] != nil && len(cp.Streams["users"].Done) == 1
			})
			putObject(t, store, dataKey("users", "01_2000_0"), users(30, 50))
			if tt.wake {
				wake <- struct{}{}
			}
			eventually(t, 5*time.Second, "the object written after the start", func() bool { return pe.count("okta_user") == 50 })

			cancel()
			select {
			case r := <-done:
				if r.err != nil {
					t.Fatalf("Run after cancel = %v, want nil", r.err)
				}
				if r.sum.Entities() != 50 || r.sum.Streams[0].Objects != 2 {
					t.Errorf("summary: %d entities from %d objects, want 50 from 2", r.sum.Entities(), r.sum.Streams[0].Objects)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Run did not return after cancel")
			}
		})
	}
}

// TestFollowMinIONotifications follows a MinIO bucket with notifications
// subscribed and polling as the safety net: objects written by another
// client after the loader started are loaded, and cancelling stops it. (The
// MinIO build the tests use delivers listen events only sporadically, so
// the test asserts the outcome, not which of the two paths woke the loader.)
func TestFollowMinIONotifications(t *testing.T) {
	env := laketest.MinIO(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store, _, err := lake.OpenStore(ctx, env.URL(""), lake.StoreOptions{S3Endpoint: env.Endpoint, Region: env.Region, AccessKey: env.AccessKey, SecretKey: env.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	notes, err := Notifications(ctx, store, "data", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	onAWS, _, err := lake.OpenStore(ctx, env.URL(""), lake.StoreOptions{Region: env.Region, AccessKey: env.AccessKey, SecretKey: env.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Notifications(ctx, onAWS, "data", slog.New(slog.DiscardHandler)); !errors.Is(err, lake.ErrNoNotifications) {
		t.Errorf("notifications without an endpoint: err = %v, want lake.ErrNoNotifications", err)
	}
	if _, err := Notifications(ctx, newStore(t), "data", slog.New(slog.DiscardHandler)); !errors.Is(err, lake.ErrNoNotifications) {
		t.Errorf("notifications on a directory bucket: err = %v, want lake.ErrNoNotifications", err)
	}

	pe := newPort(t, portSetup{realClock: true})
	l := newLoader(t, store, pe, Config{Follow: true, PollInterval: 300 * time.Millisecond, Wake: notes, Clock: clock.Real()})
	done := make(chan error, 1)
	go func() {
		_, err := l.Run(ctx)
		done <- err
	}()
	env.Put(t, dataKey("users", "01_1000_0"), encodeObject(t, lake.V2, users(0, 10)))
	eventually(t, 10*time.Second, "the first object", func() bool { return pe.count("okta_user") == 10 })
	env.Put(t, dataKey("users", "01_2000_0"), encodeObject(t, lake.V2, users(10, 25)))
	eventually(t, 10*time.Second, "the second object", func() bool { return pe.count("okta_user") == 25 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel = %v", err)
	}
}
