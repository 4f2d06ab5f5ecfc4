package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/oktalake/oktalake/lake"
)

func newStore(t testing.TB) lake.Store {
	t.Helper()
	s, _, err := lake.OpenStore(context.Background(), t.TempDir(), lake.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sample(n int) *Stream {
	s := New("group_members", 4)
	for i := range n {
		key := fmt.Sprintf("00g%03d/00u%05d", i%7, i)
		s.Put(key, Entry{Sync: int64(i%3 + 1), Gone: i%5 == 0,
			Entities: []Entity{{Blueprint: "okta_group_membership", Identifier: strings.ReplaceAll(key, "/", "_"), Hash: uint64(i + 1)}},
			Orphans:  orphans(i)})
	}
	s.See(3)
	s.See(3)
	return s
}

func orphans(i int) []Entity {
	if i%4 != 0 {
		return nil
	}
	return []Entity{{Blueprint: "okta_user", Identifier: fmt.Sprintf("old%d", i), Hash: 0}}
}

// TestRoundTrip saves a ledger and reads it back: every entry, the applied
// sync and the seen counts survive.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	want := sample(100)
	want.Applied(1)
	if err := want.Save(ctx, store, "data", "default"); err != nil {
		t.Fatal(err)
	}
	got, found, err := Load(ctx, store, "data", "default", "group_members")
	if err != nil || !found {
		t.Fatalf("Load: found=%v err=%v", found, err)
	}
	if got.Len() != want.Len() || got.AppliedSync != 1 || got.Seen[3] != 2 || got.Shards() != 4 {
		t.Fatalf("read back %d entries, applied %d, seen %v, %d shards; want %d, 1, map[3:2], 4", got.Len(), got.AppliedSync, got.Seen, got.Shards(), want.Len())
	}
	want.Range(func(k string, e Entry) bool {
		g, ok := got.Get(k)
		if !ok || fmt.Sprint(g) != fmt.Sprint(e) {
			t.Errorf("%s: read back %v, want %v", k, g, e)
		}
		return true
	})
	if got.Dirty() {
		t.Error("a ledger just read is dirty")
	}
}

// TestMissing: a stream never saved is not found, and no error.
func TestMissing(t *testing.T) {
	s, found, err := Load(context.Background(), newStore(t), "data", "default", "users")
	if s != nil || found || err != nil {
		t.Fatalf("Load of a missing ledger = %v, %v, %v; want nil, false, nil", s, found, err)
	}
}

// TestSaveWritesChangedShardsOnly: a change to one key rewrites one shard
// (and the meta), not the others.
func TestSaveWritesChangedShardsOnly(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	s := sample(200)
	if err := s.Save(ctx, store, "data", "default"); err != nil {
		t.Fatal(err)
	}
	rec := &recordingStore{Store: store}
	if err := s.Save(ctx, rec, "data", "default"); err != nil {
		t.Fatal(err)
	}
	if len(rec.puts) != 0 {
		t.Fatalf("saving an unchanged ledger wrote %v", rec.puts)
	}
	s.Put("00g001/00u00001", Entry{Entities: []Entity{{Blueprint: "okta_group_membership", Identifier: "x", Hash: 9}}})
	if err := s.Save(ctx, rec, "data", "default"); err != nil {
		t.Fatal(err)
	}
	want := []string{ShardKey("data", "default", "group_members", s.shardOf("00g001/00u00001")), MetaKey("data", "default", "group_members")}
	if fmt.Sprint(rec.puts) != fmt.Sprint(want) {
		t.Fatalf("saving one change wrote %v, want %v", rec.puts, want)
	}
}

type recordingStore struct {
	lake.Store
	puts []string
}

func (r *recordingStore) Put(ctx context.Context, key string, data []byte) error {
	r.puts = append(r.puts, key)
	return r.Store.Put(ctx, key, data)
}

// TestCorrupt: every way a ledger can be damaged is a *CorruptError naming
// the object (and the line when there is one), never an empty ledger.
func TestCorrupt(t *testing.T) {
	ctx := context.Background()
	shard0 := ShardKey("data", "default", "group_members", 0)
	meta := MetaKey("data", "default", "group_members")
	gz := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = io.WriteString(zw, s)
		_ = zw.Close()
		return b.Bytes()
	}
	tests := []struct {
		name     string
		key      string
		data     []byte // nil deletes the object
		wantKey  string
		wantLine bool
	}{
		{"shard not gzip", shard0, []byte("not gzip"), shard0, false},
		{"shard bad line", shard0, gz("{\"k\":\"a\"}\n{oops\n"), shard0, true},
		{"shard truncated gzip", shard0, nil, shard0, true},
		{"shard lost", shard0, nil, meta, false},
		{"meta not json", meta, []byte("{"), meta, false},
		{"meta wrong shards", meta, []byte(`{"stream":"group_members","shards":3,"entries":0}`), meta, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newStore(t)
			s := sample(100)
			if err := s.Save(ctx, store, "data", "default"); err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.name == "shard truncated gzip":
				rc, _ := store.Open(ctx, shard0)
				b, _ := io.ReadAll(rc)
				rc.Close()
				_ = store.Put(ctx, shard0, b[:len(b)/2])
			case tt.data == nil:
				_ = store.Delete(ctx, tt.key)
			default:
				_ = store.Put(ctx, tt.key, tt.data)
			}
			_, found, err := Load(ctx, store, "data", "default", "group_members")
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Load = found %v, err %v; want a *CorruptError", found, err)
			}
			if ce.Key != tt.wantKey || (ce.Line > 0) != tt.wantLine || !strings.Contains(err.Error(), tt.wantKey) {
				t.Fatalf("error %q names %s line %d; want %s (line given: %v)", err, ce.Key, ce.Line, tt.wantKey, tt.wantLine)
			}
		})
	}
}

// TestPutRemovesEmpty: an entry with nothing to own or delete is dropped.
func TestPutRemovesEmpty(t *testing.T) {
	s := New("users", 0)
	s.Put("a", Entry{Entities: []Entity{{Blueprint: "b", Identifier: "a", Hash: 1}}})
	s.Put("a", Entry{Sync: 4})
	if _, ok := s.Get("a"); ok || s.Len() != 0 {
		t.Fatalf("entry kept with nothing in it (len %d)", s.Len())
	}
}

func TestDoomed(t *testing.T) {
	a := Entity{Blueprint: "b", Identifier: "a", Hash: 1}
	o := Entity{Blueprint: "b", Identifier: "o"}
	tests := []struct {
		e    Entry
		want int
	}{
		{Entry{Entities: []Entity{a}}, 0},
		{Entry{Entities: []Entity{a}, Orphans: []Entity{o}}, 1},
		{Entry{Gone: true, Entities: []Entity{a}, Orphans: []Entity{o}}, 2},
	}
	for i, tt := range tests {
		if got := len(tt.e.Doomed()); got != tt.want {
			t.Errorf("%d: %d doomed, want %d", i, got, tt.want)
		}
	}
}
