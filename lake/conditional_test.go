package lake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// Compare and swap on both stores: a write conditional on a version read
// earlier fails once someone else wrote, and an "absent" condition fails
// once the object exists.
func TestPutIfVersion(t *testing.T) {
	forEachStore(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		cs, ok := ts.store.(ConditionalStore)
		if !ok {
			t.Fatalf("%s store does not support conditional writes", ts.name)
		}
		const key = "data/_oktalake/state/okta.json"
		if _, _, err := cs.ReadVersion(ctx, key); !errors.Is(err, ErrNotExist) {
			t.Fatalf("ReadVersion of a missing key = %v, want ErrNotExist", err)
		}
		if err := cs.PutIfVersion(ctx, key, []byte("one"), ""); err != nil {
			t.Fatalf("creating: %v", err)
		}
		if err := cs.PutIfVersion(ctx, key, []byte("two"), ""); !errors.Is(err, ErrChanged) {
			t.Fatalf("creating again = %v, want ErrChanged", err)
		}
		data, v1, err := cs.ReadVersion(ctx, key)
		if err != nil || string(data) != "one" || v1 == "" {
			t.Fatalf("ReadVersion = %q, %q, %v", data, v1, err)
		}
		if err := cs.PutIfVersion(ctx, key, []byte("two"), v1); err != nil {
			t.Fatalf("replacing the version read: %v", err)
		}
		if err := cs.PutIfVersion(ctx, key, []byte("three"), v1); !errors.Is(err, ErrChanged) {
			t.Fatalf("replacing a stale version = %v, want ErrChanged", err)
		}
		data, v2, err := cs.ReadVersion(ctx, key)
		if err != nil || string(data) != "two" || v2 == v1 {
			t.Fatalf("after the stale write: %q, version %q (was %q), %v", data, v2, v1, err)
		}
		if err := cs.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if err := cs.PutIfVersion(ctx, key, []byte("four"), v2); !errors.Is(err, ErrChanged) {
			t.Fatalf("replacing a deleted object = %v, want ErrChanged", err)
		}
		if got := ts.rawKeys(t); len(got) != 0 {
			t.Errorf("left behind: %v", got)
		}
	})
}

// Concurrent updates of different fields of one document all survive.
func TestUpdateConcurrentWritersLoseNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, ts testStore) {
		if _, ok := ts.store.(ConditionalStore); !ok {
			t.Fatalf("%s store does not support conditional writes", ts.name)
		}
		ctx := context.Background()
		const key, writers, rounds = "data/_oktalake/state/okta.json", 6, 8
		var wg sync.WaitGroup
		errs := make(chan error, writers*rounds)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range rounds {
					errs <- Update(ctx, ts.store, key, func(cur []byte) ([]byte, error) {
						doc := map[string]int{}
						if cur != nil {
							if err := json.Unmarshal(cur, &doc); err != nil {
								return nil, err
							}
						}
						doc[fmt.Sprintf("w%d", w)] = r + 1
						return json.Marshal(doc)
					})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var doc map[string]int
		if err := json.Unmarshal(readAll(t, ts.store, key), &doc); err != nil {
			t.Fatal(err)
		}
		for w := range writers {
			if got := doc[fmt.Sprintf("w%d", w)]; got != rounds {
				t.Errorf("writer %d's field is %d, want %d (an update was lost): %v", w, got, rounds, doc)
			}
		}
	})
}
