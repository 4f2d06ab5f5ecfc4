package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/oktalake/oktalake/lake"
)

// Notifications asks the bucket to say when objects are created under
// prefix and returns a channel for Config.Wake: it receives a value
// (without blocking, coalesced) whenever one is. The store must be a
// lake.Notifier (an S3 bucket on MinIO); any other gives an error wrapping
// lake.ErrNoNotifications. A dropped subscription is logged and made again
// after a pause; polling stays the loader's safety net, so a missed
// notification only delays a load until the next poll. A MinIO server that
// does not stream notifications (lake.ErrNotificationsNotStreamed) gives a
// nil channel, no error and a warning: the loader then only polls.
func Notifications(ctx context.Context, store lake.Store, prefix string, log *slog.Logger) (<-chan struct{}, error) {
	n, ok := store.(lake.Notifier)
	if !ok {
		return nil, fmt.Errorf("subscribing to notifications of %v: %w", store, lake.ErrNoNotifications)
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	wake, err := n.NotifyCreated(ctx, prefix, func(err error) {
		log.Warn("bucket notifications interrupted; polling continues", "err", err)
	})
	if errors.Is(err, lake.ErrNotificationsNotStreamed) {
		// The server is MinIO but cannot notify: polling still loads
		// everything, only later.
		log.Warn("bucket notifications unavailable; new objects are found by polling only", "err", err)
		return nil, nil
	}
	return wake, err
}
