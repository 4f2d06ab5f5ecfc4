package load

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktalake/oktalake/load/port"
)

// TestBatcherOrdersEachBlueprint: each blueprint's batches hold one kind
// and reach send in record order, upserts cut at the batch size; one batch
// per blueprint is in flight while other blueprints are sent alongside.
func TestBatcherOrdersEachBlueprint(t *testing.T) {
	upsert := func(id string) op { return op{entity: port.Entity{Identifier: id}} }
	del := func(id string) op { return op{origin: origin{delete: true}, identifier: id} }
	type add struct {
		blueprint string
		op        op
	}
	adds := []add{
		{"a", upsert("1")}, {"a", upsert("2")}, {"a", upsert("3")}, // cut at 2
		{"b", del("x")},
		{"a", del("4")}, {"a", del("5")}, // deletes are not cut
		{"a", del("6")},
		{"b", upsert("y")},
		{"a", upsert("7")},
	}
	want := map[string][]string{
		"a": {"upsert 1 2", "upsert 3", "delete 4 5 6", "upsert 7"},
		"b": {"delete x", "upsert y"},
	}

	var mu sync.Mutex
	got := map[string][]string{}
	inflight := map[string]int{}
	bStarted := make(chan struct{})
	var once sync.Once
	send := func(_ context.Context, b batch) {
		mu.Lock()
		inflight[b.blueprint]++
		if n := inflight[b.blueprint]; n > 1 {
			t.Errorf("%d batches of %s in flight at once", n, b.blueprint)
		}
		words := []string{"upsert"}
		if b.delete {
			words[0] = "delete"
		}
		for _, o := range b.ops {
			if o.origin.delete != b.delete {
				t.Errorf("batch of %s mixes kinds: %+v", b.blueprint, b)
			}
			if b.delete {
				words = append(words, o.identifier)
			} else {
				words = append(words, fmt.Sprint(o.entity.Identifier))
			}
		}
		got[b.blueprint] = append(got[b.blueprint], strings.Join(words, " "))
		mu.Unlock()
		switch line := strings.Join(words, " "); {
		case line == "upsert y":
			once.Do(func() { close(bStarted) })
		case line == "upsert 7":
			// The last batches of a and b are in flight together:
			// blueprints are sent concurrently.
			select {
			case <-bStarted:
			case <-time.After(10 * time.Second):
				t.Error("a's last batch waited 10s for b's: blueprints are not sent concurrently")
			}
		}
		mu.Lock()
		inflight[b.blueprint]--
		mu.Unlock()
	}
	bt := newBatcher(2, send)
	ctx := context.Background()
	for _, a := range adds {
		bt.add(ctx, a.blueprint, a.op)
	}
	bt.flushAll(ctx)
	bt.wait()
	for bp, w := range want {
		if strings.Join(got[bp], " | ") != strings.Join(w, " | ") {
			t.Errorf("%s's batches: %q, want %q", bp, got[bp], w)
		}
	}
}
