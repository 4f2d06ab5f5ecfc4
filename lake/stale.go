package lake

import (
	"context"
	"time"
)

// DefaultStaleAge is how old a leftover of a killed writer must be before
// CleanStale's callers remove it by default: far longer than any live
// upload of a concurrent run takes, so only the dead are touched.
const DefaultStaleAge = 24 * time.Hour

// StaleCleaner is a Store that can remove what writers killed mid-write
// (SIGKILL, a crash) left behind under a prefix, where Abort never ran: on
// S3 multipart uploads never completed or aborted, in a directory the
// temporary files of objects never committed. Neither is ever visible to
// readers, but both stay forever (and S3 bills the parts).
type StaleCleaner interface {
	// CleanStale removes leftovers under prefix at least olderThan old on
	// the store's own clock (an upload's Initiated time against the S3
	// server's Date; a file's modification time) and returns how many it
	// removed. With olderThan <= 0 it removes every leftover under prefix,
	// live writes included.
	CleanStale(ctx context.Context, prefix string, olderThan time.Duration) (int, error)
}
