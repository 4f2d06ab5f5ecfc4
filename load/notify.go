package load

import (
	"context"
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
// notification only delays a load until the next poll.
func Notifications(ctx context.Context, store lake.Store, prefix string, log *slog.Logger) (<-chan struct{}, error) {
	n, ok := store.(lake.Notifier)
	if !ok {
		return nil, fmt.Errorf("subscribing to notifications of %v: %w", store, lake.ErrNoNotifications)
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return n.NotifyCreated(ctx, prefix, func(err error) {
		log.Warn("bucket notifications interrupted; polling continues", "err", err)
	})
}
