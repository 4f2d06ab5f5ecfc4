package lake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// ErrChanged is wrapped by a conditional write whose object changed, or
// appeared, since it was read.
var ErrChanged = errors.New("object changed since it was read")

// ConditionalStore is a Store that can replace a small object only if it is
// unchanged since it was read (compare and swap), so several processes can
// update one document without losing each other's changes. S3 does it with
// If-Match / If-None-Match; a local directory with a lock on the object's
// directory.
type ConditionalStore interface {
	Store
	// ReadVersion reads a small object and an opaque version of it; a
	// missing key gives an error wrapping ErrNotExist.
	ReadVersion(ctx context.Context, key string) (data []byte, version string, err error)
	// PutIfVersion writes data at key if the object's version is still
	// version, or, with version "", if key does not exist. Otherwise it
	// writes nothing and returns an error wrapping ErrChanged.
	PutIfVersion(ctx context.Context, key string, data []byte, version string) error
}

// maxUpdateAttempts bounds how often Update reads again after losing a race.
const maxUpdateAttempts = 20

// Update replaces the small object at key with fn's answer to its current
// content (nil when it does not exist). On a ConditionalStore the write is
// conditional: when another writer changed the object in between, Update
// reads it again and asks fn again, so concurrent updates of different parts
// of one document all survive. An error from fn is returned as is. Other
// stores get a plain read-modify-write.
func Update(ctx context.Context, s Store, key string, fn func(current []byte) ([]byte, error)) error {
	cs, ok := s.(ConditionalStore)
	if !ok {
		cur, err := readSmall(ctx, s, key)
		if err != nil {
			return err
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		return s.Put(ctx, key, next)
	}
	for attempt := 1; ; attempt++ {
		cur, version, err := cs.ReadVersion(ctx, key)
		if errors.Is(err, ErrNotExist) {
			cur, version, err = nil, "", nil
		}
		if err != nil {
			return err
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		err = cs.PutIfVersion(ctx, key, next, version)
		if !errors.Is(err, ErrChanged) {
			return err
		}
		if attempt == maxUpdateAttempts {
			return fmt.Errorf("updating %s: changed by other writers %d times in a row: %w", key, attempt, err)
		}
		// Another writer won: wait a little (jittered, so two losers do
		// not collide again) and start over from its version.
		t := time.NewTimer(time.Duration(attempt) * time.Duration(1+rand.IntN(10)) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("updating %s: %w", key, ctx.Err())
		case <-t.C:
		}
	}
}

// readSmall reads a whole small object; a missing key gives nil.
func readSmall(ctx context.Context, s Store, key string) ([]byte, error) {
	rc, err := s.Open(ctx, key)
	if errors.Is(err, ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	return data, nil
}
