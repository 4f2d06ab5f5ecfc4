package lake

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/lake/laketest"
)

func TestMain(m *testing.M) { laketest.Main(m) }

// testStore is one backend under test, with an independent view of its
// contents for assertions.
type testStore struct {
	name  string
	store Store
	// rawKeys lists every object or file actually present, bypassing Store
	// (minio-go for S3, the filesystem for local), so hidden leftovers show.
	rawKeys func(t *testing.T) []string
	// rawGet reads an object bypassing Store.
	rawGet func(t *testing.T, key string) []byte
}

func localTestStore(t *testing.T) testStore {
	t.Helper()
	dir := t.TempDir()
	s, err := NewLocalStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return testStore{
		name:    "local",
		store:   s,
		rawKeys: func(t *testing.T) []string { return filesUnder(t, dir) },
		rawGet: func(t *testing.T, key string) []byte {
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(key)))
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
	}
}

func s3TestStore(t *testing.T) testStore {
	t.Helper()
	env := laketest.MinIO(t)
	opts := s3Options(env)
	opts.PartSize = minPartSize // exercise multipart uploads with little data
	s, prefix, err := OpenStore(context.Background(), env.URL(""), opts)
	if err != nil {
		t.Fatal(err)
	}
	if prefix != "" {
		t.Fatalf("prefix = %q, want empty", prefix)
	}
	return testStore{
		name:  "s3",
		store: s,
		rawKeys: func(t *testing.T) []string {
			return append(env.Keys(t, ""), env.IncompleteUploads(t, "")...)
		},
		rawGet: func(t *testing.T, key string) []byte { return env.Get(t, key) },
	}
}

func s3Options(env *laketest.S3Env) StoreOptions {
	return StoreOptions{S3Endpoint: env.Endpoint, Region: env.Region, AccessKey: env.AccessKey, SecretKey: env.SecretKey}
}

// forEachStore runs fn as a subtest on a fresh local directory and on a
// fresh MinIO bucket (skipped when no MinIO is available, unless required).
func forEachStore(t *testing.T, fn func(t *testing.T, ts testStore)) {
	t.Run("local", func(t *testing.T) { fn(t, localTestStore(t)) })
	t.Run("s3", func(t *testing.T) { fn(t, s3TestStore(t)) })
}

// filesUnder lists every regular file under dir, temp files included, as
// slash-separated paths.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func listKeys(t *testing.T, s Store, prefix, startAfter string) []string {
	t.Helper()
	var keys []string
	err := s.List(context.Background(), prefix, startAfter, func(o ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q, %q): %v", prefix, startAfter, err)
	}
	return keys
}

func create(t *testing.T, s Store, key string, data []byte) error {
	t.Helper()
	w, err := s.Create(context.Background(), key)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Abort()
		return err
	}
	return w.Commit()
}

func readAll(t *testing.T, s Store, key string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return b
}

func TestStoreList(t *testing.T) {
	// "a-b" sorts before "a/x" byte-wise ('-' < '/'): the local walk must
	// agree with S3's order, not with a naive directory walk.
	keys := []string{"a/x/1", "a/x/2", "a-b", "a/y", "b/z/deep/1", "b0", "a/x/10"}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	forEachStore(t, func(t *testing.T, ts testStore) {
		for _, k := range keys {
			if err := create(t, ts.store, k, []byte(k)); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			prefix, startAfter string
			want               []string
		}{
			{"", "", sorted},
			{"a/", "", []string{"a/x/1", "a/x/10", "a/x/2", "a/y"}},
			{"a", "", []string{"a-b", "a/x/1", "a/x/10", "a/x/2", "a/y"}},
			{"a/x/1", "", []string{"a/x/1", "a/x/10"}},
			{"", "a/x/10", []string{"a/x/2", "a/y", "b/z/deep/1", "b0"}},
			{"", "a/x", []string{"a/x/1", "a/x/10", "a/x/2", "a/y", "b/z/deep/1", "b0"}},
			{"", "a/xz", []string{"a/y", "b/z/deep/1", "b0"}},
			{"b", "b/", []string{"b/z/deep/1", "b0"}},
			{"b/z/", "b/z/deep/1", nil},
			{"nope/", "", nil},
			{"", "c", nil},
		}
		for _, tt := range tests {
			got := listKeys(t, ts.store, tt.prefix, tt.startAfter)
			if !slices.Equal(got, tt.want) {
				t.Errorf("List(%q, %q) = %q, want %q", tt.prefix, tt.startAfter, got, tt.want)
			}
		}
		var sizes []int64
		_ = ts.store.List(context.Background(), "a/x/", "", func(o ObjectInfo) error {
			sizes = append(sizes, o.Size)
			if o.LastModified.IsZero() {
				t.Errorf("%s: zero LastModified", o.Key)
			}
			return nil
		})
		if !slices.Equal(sizes, []int64{5, 6, 5}) {
			t.Errorf("sizes = %v, want [5 6 5]", sizes)
		}
		stop := errors.New("stop")
		n := 0
		err := ts.store.List(context.Background(), "", "", func(ObjectInfo) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("List with failing fn: err=%v after %d calls, want stop after 1", err, n)
		}
	})
}

func TestStoreCreateCommitAbort(t *testing.T) {
	forEachStore(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		w, err := ts.store.Create(ctx, "d/obj")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		if got := listKeys(t, ts.store, "", ""); len(got) != 0 {
			t.Errorf("before Commit, List = %q, want nothing", got)
		}
		if _, err := ts.store.Open(ctx, "d/obj"); !errors.Is(err, ErrNotExist) {
			t.Errorf("before Commit, Open err = %v, want ErrNotExist", err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, ts.store, "d/obj"); string(got) != "hello" {
			t.Errorf("read %q, want hello", got)
		}

		// Never overwrite: a second Create of the key fails at Commit and
		// leaves the first object intact.
		err = create(t, ts.store, "d/obj", []byte("other"))
		if !errors.Is(err, ErrExist) {
			t.Errorf("Commit over an existing key: err = %v, want ErrExist", err)
		}
		if got := readAll(t, ts.store, "d/obj"); string(got) != "hello" {
			t.Errorf("after refused overwrite, read %q, want hello", got)
		}

		w, err = ts.store.Create(ctx, "d/aborted")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("partial")); err != nil {
			t.Fatal(err)
		}
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("more")); err == nil {
			t.Error("Write after Abort succeeded")
		}
		if err := w.Commit(); err == nil {
			t.Error("Commit after Abort succeeded")
		}
		if got := ts.rawKeys(t); !slices.Equal(got, []string{"d/obj"}) {
			t.Errorf("after abort and refused overwrite, raw contents = %q, want only d/obj", got)
		}
	})
}

func TestStorePutOpenDelete(t *testing.T) {
	forEachStore(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		if _, err := ts.store.Open(ctx, "state/missing.json"); !errors.Is(err, ErrNotExist) {
			t.Errorf("Open missing: err = %v, want ErrNotExist", err)
		}
		for _, v := range []string{"one", "two, longer"} {
			if err := ts.store.Put(ctx, "state/s.json", []byte(v)); err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, ts.store, "state/s.json"); string(got) != v {
				t.Errorf("after Put(%q), read %q", v, got)
			}
		}
		if err := ts.store.Delete(ctx, "state/s.json"); err != nil {
			t.Fatal(err)
		}
		if err := ts.store.Delete(ctx, "state/s.json"); err != nil {
			t.Errorf("deleting a missing key: %v", err)
		}
		if got := ts.rawKeys(t); len(got) != 0 {
			t.Errorf("after Delete, raw contents = %q", got)
		}
	})
}

func TestReadWriteJSON(t *testing.T) {
	type state struct {
		Published string `json:"published"`
	}
	forEachStore(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		var s state
		found, err := ReadJSON(ctx, ts.store, "data/_oktalake/state/okta.json", &s)
		if err != nil || found {
			t.Fatalf("ReadJSON missing = %v, %v; want false, nil", found, err)
		}
		want := state{Published: "2024-05-17T10:00:00.000Z"}
		if err := WriteJSON(ctx, ts.store, "data/_oktalake/state/okta.json", want); err != nil {
			t.Fatal(err)
		}
		found, err = ReadJSON(ctx, ts.store, "data/_oktalake/state/okta.json", &s)
		if err != nil || !found || s != want {
			t.Fatalf("ReadJSON = %v, %v, %+v; want true, nil, %+v", found, err, s, want)
		}
		if err := ts.store.Put(ctx, "bad.json", []byte("{")); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadJSON(ctx, ts.store, "bad.json", &s); err == nil || !strings.Contains(err.Error(), "bad.json") {
			t.Errorf("ReadJSON of invalid JSON: err = %v, want an error naming the key", err)
		}
	})
}

func TestCheckWritable(t *testing.T) {
	forEachStore(t, func(t *testing.T, ts testStore) {
		if err := CheckWritable(context.Background(), ts.store, "data"); err != nil {
			t.Fatal(err)
		}
		if got := ts.rawKeys(t); len(got) != 0 {
			t.Errorf("CheckWritable left %q behind", got)
		}
	})
}

func TestStoreCancelledContext(t *testing.T) {
	forEachStore(t, func(t *testing.T, ts testStore) {
		ctx, cancel := context.WithCancel(context.Background())
		w, err := ts.store.Create(ctx, "c/obj")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(bytes.Repeat([]byte("x"), 1000)); err != nil {
			t.Fatal(err)
		}
		cancel()
		if _, err := w.Write([]byte("y")); !errors.Is(err, context.Canceled) {
			t.Errorf("Write after cancel: err = %v, want context.Canceled", err)
		}
		if err := w.Commit(); err == nil {
			t.Error("Commit after cancel succeeded")
		}
		if got := ts.rawKeys(t); len(got) != 0 {
			t.Errorf("cancelled write left %q behind", got)
		}
	})
}

func TestOpenStoreURLs(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url        string
		wantPrefix string
		wantErr    string
	}{
		{url: "s3://bucket", wantPrefix: ""},
		{url: "s3://bucket/", wantPrefix: ""},
		{url: "s3://bucket/some/prefix/", wantPrefix: "some/prefix"},
		{url: "file://" + dir + "/sub", wantPrefix: ""},
		{url: dir, wantPrefix: ""},
		{url: filepath.Join(dir, "not-yet"), wantPrefix: ""},
		{url: "", wantErr: "no bucket"},
		{url: "s3:///x", wantErr: "no bucket name"},
		{url: "gs://bucket", wantErr: "unsupported scheme"},
		{url: "file://host/x", wantErr: "local path"},
		{url: file, wantErr: "not a directory"},
	}
	for _, tt := range tests {
		opts := StoreOptions{S3Endpoint: "http://127.0.0.1:1", AccessKey: "a", SecretKey: "b"}
		s, prefix, err := OpenStore(context.Background(), tt.url, opts)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("OpenStore(%q) err = %v, want %q", tt.url, err, tt.wantErr)
			}
			continue
		}
		if err != nil || s == nil || prefix != tt.wantPrefix {
			t.Errorf("OpenStore(%q) = %v, %q, %v; want a store and prefix %q", tt.url, s, prefix, err, tt.wantPrefix)
		}
	}
	optErrs := []struct {
		opts    StoreOptions
		wantErr string
	}{
		{StoreOptions{S3Endpoint: "127.0.0.1:9000"}, "not a URL"},
		{StoreOptions{S3Endpoint: "http://127.0.0.1:9000", AccessKey: "only"}, "both"},
		{StoreOptions{S3Endpoint: "http://127.0.0.1:9000", PartSize: 1 << 20}, "minimum"},
	}
	for _, tt := range optErrs {
		if _, _, err := OpenStore(context.Background(), "s3://b", tt.opts); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("OpenStore with %+v: err = %v, want %q", tt.opts, err, tt.wantErr)
		}
	}
}

func TestJoinKey(t *testing.T) {
	tests := []struct {
		parts []string
		want  string
	}{
		{[]string{"data", "_oktalake", "state/okta.json"}, "data/_oktalake/state/okta.json"},
		{[]string{"", "_oktalake"}, "_oktalake"},
		{[]string{"pre/", "/x/"}, "pre/x"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := JoinKey(tt.parts...); got != tt.want {
			t.Errorf("JoinKey(%q) = %q, want %q", tt.parts, got, tt.want)
		}
	}
}
