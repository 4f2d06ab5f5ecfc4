package load

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake"
)

// TestPreservedOldModificationTimesStillLoad: objects copied into the
// bucket with their times preserved (cp -p, rsync -a, a migrated Airbyte
// bucket) look weeks old next to what was loaded; they load all the same,
// whether their keys sort before or after the loaded ones.
func TestPreservedOldModificationTimesStillLoad(t *testing.T) {
	dir := t.TempDir()
	store, _, err := lake.OpenStore(context.Background(), dir, lake.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pe := newPort(t, portSetup{})
	recent := dataKey("users", "15_2000_0")
	putObject(t, store, recent, users(0, 10))
	run(t, newLoader(t, store, pe, Config{}))
	run(t, newLoader(t, store, pe, Config{})) // a pass with nothing pending

	// The copies keep modification times from a month before the loaded
	// object's (derived from the file system's clock, like the loaded one's).
	info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(recent)))
	if err != nil {
		t.Fatal(err)
	}
	old := info.ModTime().Add(-30 * 24 * time.Hour)
	for i, name := range []string{"01_1000_0", "20_3000_0"} {
		key := dataKey("users", name)
		putObject(t, store, key, users(100+10*i, 110+10*i))
		if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(key)), old, old); err != nil {
			t.Fatal(err)
		}
	}
	sum := run(t, newLoader(t, store, pe, Config{}))
	if got := pe.count("okta_user"); got != 30 {
		t.Errorf("%d users in Port, want 30: objects with old modification times were skipped", got)
	}
	if len(sum.Streams) != 1 || sum.Streams[0].Objects != 2 {
		t.Errorf("summary %+v, want the two copied objects loaded", sum.Streams)
	}
}

// TestLegacyCheckpointMigrates reads a checkpoint written before archives:
// keys in done stay done, and doneBefore no longer makes objects missing
// from done count as loaded (it is dropped from the file).
func TestLegacyCheckpointMigrates(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{})
	loaded, unlisted := dataKey("users", "01_1000_0"), dataKey("users", "02_1000_0")
	putObject(t, store, loaded, users(0, 10))
	putObject(t, store, unlisted, users(10, 20))
	// doneBefore far after every modification time: the old loader took
	// every object as loaded.
	legacy := fmt.Sprintf(`{"streams": {"users": {"done": {%q: "2026-11-01T00:00:00Z"}, "doneBefore": "2999-01-01T00:00:00Z", "objects": 1, "records": 10}}}`, loaded)
	if err := store.Put(context.Background(), lake.CheckpointKey("data", "default"), []byte(legacy)); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	run(t, newLoader(t, store, pe, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	if got := pe.srv.Stats().EntitiesUpserted; got != 10 {
		t.Errorf("%d entities upserted, want the 10 of the object not in done (and not the 10 already loaded)", got)
	}
	if !strings.Contains(logs.String(), "doneBefore") {
		t.Errorf("no warning about the ignored doneBefore:\n%s", logs.String())
	}
	raw, err := readAll(store, lake.CheckpointKey("data", "default"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, "doneBefore") {
		t.Errorf("the rewritten checkpoint still has doneBefore:\n%s", raw)
	}
	sc := readCheckpoint(t, store, "data", "default").Streams["users"]
	if got := doneKeys(sc.Done); !slices.Equal(got, []string{loaded, unlisted}) || sc.Objects != 2 {
		t.Errorf("checkpoint keys %v, objects %d", got, sc.Objects)
	}
}

// TestArchivedKeysAndLateObjects compacts loaded keys into the archive,
// then commits a late object whose key sorts before them: it loads, alone,
// and the archived objects are not sent again.
func TestArchivedKeysAndLateObjects(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{})
	for i, name := range []string{"02_1000_0", "02_2000_0", "03_1000_0"} {
		putObject(t, store, dataKey("users", name), users(10*i, 10*i+10))
	}
	newSmall := func() *Loader {
		l := newLoader(t, store, pe, Config{})
		l.cp.compactAt = 2
		return l
	}
	run(t, newSmall())
	run(t, newSmall()) // compacts: three keys in done
	sc := readCheckpoint(t, store, "data", "default").Streams["users"]
	if len(sc.Done) != 0 || sc.Archive == nil || sc.Archive.Count != 3 || sc.Archive.Through != dataKey("users", "03_1000_0") {
		t.Fatalf("after compaction: done %v, archive %+v", doneKeys(sc.Done), sc.Archive)
	}
	late := dataKey("users", "01_1000_0")
	between := dataKey("users", "02_1500_0")
	putObject(t, store, late, users(30, 40))
	putObject(t, store, between, users(40, 50))
	before := pe.srv.Stats().EntitiesUpserted
	run(t, newSmall())
	if got := pe.srv.Stats().EntitiesUpserted - before; got != 20 {
		t.Errorf("upserted %d entities, want only the late objects' 20", got)
	}
	if got := pe.count("okta_user"); got != 50 {
		t.Errorf("%d users in Port, want 50", got)
	}
	// Everything is loaded now: another pass sends nothing.
	before = pe.srv.Stats().EntitiesUpserted
	run(t, newSmall())
	run(t, newLoader(t, store, pe, Config{}))
	if got := pe.srv.Stats().EntitiesUpserted - before; got != 0 {
		t.Errorf("passes with nothing new upserted %d entities", got)
	}
}

// TestCheckpointOfAYearOfHourlyObjectsStaysSmall runs the checkpoint
// through a year of hourly objects (a day per pass), with late objects
// whose keys sort among those loaded weeks ago and a lifecycle rule
// deleting old objects: every object is pending exactly once, the
// checkpoint stays a few KB and the archive is read only when the listing
// changed below it.
func TestCheckpointOfAYearOfHourlyObjectsStaysSmall(t *testing.T) {
	ctx := context.Background()
	store := &memStore{objects: map[string][]byte{}}
	cfg := Config{Store: store, Prefix: "data", Name: "default"}
	cfg.SetDefaults()
	cs, err := loadCheckpoint(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	key := func(at time.Time, part int) string {
		return lake.JoinKey("data", "okta", "users", at.Format("year=2006"), at.Format("month=01"), fmt.Sprintf("%s_%d_%d.jsonl.gz", at.Format("02"), at.UnixMilli(), part))
	}
	listed := map[string]bool{}
	var largest int
	loads := map[string]int{}
	for day := range 365 {
		var added []string
		for hour := range 24 {
			added = append(added, key(start.AddDate(0, 0, day).Add(time.Duration(hour)*time.Hour), 0))
		}
		if day%30 == 29 {
			// A late part of an object from three weeks ago.
			added = append(added, key(start.AddDate(0, 0, day-21), 1))
		}
		if day == 200 {
			// The bucket's lifecycle rule expires the first two months.
			for k := range listed {
				if k < key(start.AddDate(0, 2, 0), 0) {
					delete(listed, k)
				}
			}
		}
		for _, k := range added {
			listed[k] = true
		}
		var infos []lake.ObjectInfo
		for k := range listed {
			infos = append(infos, lake.ObjectInfo{Key: k, LastModified: start.AddDate(0, 0, day)})
		}
		sort.Slice(infos, func(i, j int) bool { return infos[i].Key < infos[j].Key })
		pending, err := cs.pending(ctx, "users", infos)
		if err != nil {
			t.Fatalf("day %d: %v", day, err)
		}
		var got []string
		for _, o := range pending {
			got = append(got, o.Key)
			loads[o.Key]++
			if err := cs.markDone(ctx, "users", o, 10); err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(got)
		slices.Sort(added)
		if !slices.Equal(got, added) {
			t.Fatalf("day %d: pending %d objects, want exactly the %d new ones", day, len(got), len(added))
		}
		largest = max(largest, len(store.get(lake.CheckpointKey("data", "default"))))
	}
	for k, n := range loads {
		if n != 1 {
			t.Errorf("%s pending %d times", k, n)
		}
	}
	archive := store.get(lake.ArchiveKey("data", "default", "users"))
	t.Logf("%d objects: checkpoint at most %d bytes, archive %d bytes, read %d times", len(loads), largest, len(archive), store.opens(lake.ArchiveKey("data", "default", "users")))
	if largest > 16<<10 {
		t.Errorf("the checkpoint grew to %d bytes, want at most 16 KiB", largest)
	}
	if len(archive) > 128<<10 {
		t.Errorf("the archive is %d bytes, want at most 128 KiB", len(archive))
	}
	// Late keys (12), the lifecycle deletion (1), nothing else.
	if n := store.opens(lake.ArchiveKey("data", "default", "users")); n > 13 {
		t.Errorf("the archive was read %d times, want only when the listing changed below it", n)
	}
}

// TestArchiveOfDeletedObjectsIsDropped: once every archived object is gone
// from the bucket, the archive goes too, instead of being read at every
// pass because the listing no longer matches it.
func TestArchiveOfDeletedObjectsIsDropped(t *testing.T) {
	ctx := context.Background()
	store := &memStore{objects: map[string][]byte{}}
	cfg := Config{Store: store}
	cfg.SetDefaults()
	cs, err := loadCheckpoint(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cs.compactAt = 1
	objs := []lake.ObjectInfo{{Key: dataKey("users", "01_1000_0")}, {Key: dataKey("users", "01_2000_0")}}
	for _, o := range objs {
		if err := cs.markDone(ctx, "users", o, 1); err != nil {
			t.Fatal(err)
		}
	}
	if p, err := cs.pending(ctx, "users", objs); err != nil || len(p) != 0 || cs.cp.Streams["users"].Archive == nil {
		t.Fatalf("pending %v, err %v, archive %+v: want the two keys archived", p, err, cs.cp.Streams["users"].Archive)
	}
	archive := lake.ArchiveKey("data", "default", "users")
	for range 3 {
		if p, err := cs.pending(ctx, "users", nil); err != nil || len(p) != 0 {
			t.Fatalf("pending %v, err %v", p, err)
		}
	}
	if n := store.opens(archive); n != 1 {
		t.Errorf("the archive of deleted objects was read %d times, want once", n)
	}
	if sc := cs.cp.Streams["users"]; sc.Archive != nil || store.get(archive) != nil {
		t.Errorf("archive %+v still referenced or stored", sc.Archive)
	}
}

func readAll(store lake.Store, key string) (string, error) {
	rc, err := store.Open(context.Background(), key)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), err
}

// memStore is an in-memory lake.Store for checkpoint tests that write
// thousands of times (the local store syncs every write to disk).
type memStore struct {
	mu      sync.Mutex
	objects map[string][]byte
	opened  map[string]int
}

func (m *memStore) get(key string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.objects[key]
}

func (m *memStore) opens(key string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.opened[key]
}

func (m *memStore) List(_ context.Context, prefix, startAfter string, fn func(lake.ObjectInfo) error) error {
	m.mu.Lock()
	var keys []string
	for k := range m.objects {
		if strings.HasPrefix(k, prefix) && k > startAfter {
			keys = append(keys, k)
		}
	}
	m.mu.Unlock()
	sort.Strings(keys)
	for _, k := range keys {
		if err := fn(lake.ObjectInfo{Key: k, Size: int64(len(m.get(k)))}); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) Create(context.Context, string) (lake.ObjectWriter, error) {
	return nil, fmt.Errorf("memStore: Create is not supported")
}

func (m *memStore) Open(_ context.Context, key string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.opened == nil {
		m.opened = map[string]int{}
	}
	m.opened[key]++
	b, ok := m.objects[key]
	if !ok {
		return nil, fmt.Errorf("memStore %s: %w", key, lake.ErrNotExist)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m *memStore) Put(_ context.Context, key string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objects[key] = bytes.Clone(data)
	return nil
}

func (m *memStore) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objects, key)
	return nil
}

func TestKeyHashIsFNV1a(t *testing.T) {
	for _, k := range []string{"", "a", dataKey("users", "01_1000_0")} {
		h := fnv.New64a()
		h.Write([]byte(k))
		if got := keyHash(k); got != h.Sum64() {
			t.Errorf("keyHash(%q) = %x, want FNV-1a %x", k, got, h.Sum64())
		}
	}
}
