package parquetfmt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/laketest"
)

// parquetWriter is a lake.Writer of stream in the Parquet format.
func parquetWriter(tb testing.TB, store lake.Store, stream string, maxFileSize int64, opts Options) *lake.Writer {
	tb.Helper()
	f, err := NewFormat(opts)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := lake.NewWriter(store, lake.WriterConfig{Prefix: "data", Namespace: "okta", Stream: stream,
		MaxFileSize: maxFileSize, Now: clock.NewManual(extractedAt).Now, Format: f})
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// readStoreObject reads every record of a committed Parquet object.
func readStoreObject(tb testing.TB, store lake.Store, key string) []lake.Record {
	tb.Helper()
	rc, err := store.Open(context.Background(), key)
	if err != nil {
		tb.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatal(err)
	}
	return decodeAll(tb, data)
}

// listKeys lists every key under prefix.
func listKeys(tb testing.TB, store lake.Store, prefix string) []string {
	tb.Helper()
	var keys []string
	if err := store.List(context.Background(), prefix, "", func(o lake.ObjectInfo) error { keys = append(keys, o.Key); return nil }); err != nil {
		tb.Fatal(err)
	}
	return keys
}

var parquetKeyRE = regexp.MustCompile(`^data/okta/users/year=2026/month=11/20_\d{13}_\d+\.parquet$`)

// TestWriterWritesParquetParts drives the Parquet format through
// lake.Writer as extract does: parts in the JSONL key layout ending
// .parquet, rotated at MaxFileSize, each a whole Parquet object whose rows
// are the records written, in order, with the writer's metadata.
func TestWriterWritesParquetParts(t *testing.T) {
	users := repeated(orgRecords(t)["users"], 3000)
	store, err := lake.NewLocalStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Small row groups so that rotation, which sees written row groups,
	// happens several times.
	w := parquetWriter(t, store, "users", 128<<10, Options{RowGroupSize: 128 << 10})
	for _, r := range users {
		if err := w.Write(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	objs := w.Objects()
	if len(objs) < 3 {
		t.Fatalf("%d objects, want the stream rotated into at least 3", len(objs))
	}
	if w.Records() != int64(len(users)) {
		t.Errorf("Records() = %d, want %d", w.Records(), len(users))
	}
	if got := listKeys(t, store, "data/"); len(got) != len(objs) {
		t.Errorf("the store holds %v, the writer committed %d objects", got, len(objs))
	}
	i := 0
	for n, o := range objs {
		if !parquetKeyRE.MatchString(o.Key) || !strings.HasSuffix(o.Key, "_"+itoa(n)+".parquet") {
			t.Errorf("object %d key %q: want the JSONL layout, part %d, ending .parquet", n, o.Key, n)
		}
		recs := readStoreObject(t, store, o.Key)
		if n < len(objs)-1 && o.Size < 128<<10 {
			t.Errorf("%s: %d bytes, committed before MaxFileSize", o.Key, o.Size)
		}
		for _, r := range recs {
			if !sameJSON(t, r.Data, users[i]) {
				t.Fatalf("%s row %d: read %s, wrote %s", o.Key, r.Line, r.Data, users[i])
			}
			if r.RawID == "" || !r.ExtractedAt.Equal(extractedAt) {
				t.Fatalf("%s row %d: raw id %q, extracted at %v", o.Key, r.Line, r.RawID, r.ExtractedAt)
			}
			i++
		}
	}
	if i != len(users) {
		t.Errorf("read %d records, wrote %d", i, len(users))
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestWriterParquetRejectsAndAborts: a record Parquet cannot take is
// refused without harming the part (and a part it alone would open is not
// left behind); a cancelled write aborts the part, leaving nothing; part
// numbers already taken in either format are never reused.
func TestWriterParquetRejectsAndAborts(t *testing.T) {
	users := orgRecords(t)["users"][:20]
	ctx := context.Background()

	t.Run("rejected records", func(t *testing.T) {
		store, err := lake.NewLocalStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		w := parquetWriter(t, store, "users", lake.DefaultMaxFileSize, Options{})
		if err := w.Write(ctx, json.RawMessage(`["not an object"]`)); !errors.Is(err, lake.ErrRejected) {
			t.Fatalf("writing an array: %v, want ErrRejected", err)
		}
		for _, r := range users {
			if err := w.Write(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Write(ctx, json.RawMessage("{\"id\":\"\xff\"}")); !errors.Is(err, lake.ErrRejected) {
			t.Fatalf("writing invalid UTF-8: %v, want ErrRejected", err)
		}
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		objs := w.Objects()
		if len(objs) != 1 || objs[0].Key != lake.PartKeyWith(strings.TrimSuffix(objs[0].Key, "0.parquet"), 0, ".parquet") {
			t.Fatalf("objects %v, want part 0 alone", objs)
		}
		if n := len(readStoreObject(t, store, objs[0].Key)); n != len(users) {
			t.Errorf("%d rows, want the %d good records", n, len(users))
		}
	})

	t.Run("only rejected records", func(t *testing.T) {
		store, err := lake.NewLocalStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		w := parquetWriter(t, store, "users", lake.DefaultMaxFileSize, Options{})
		if err := w.Write(ctx, json.RawMessage(`42`)); !errors.Is(err, lake.ErrRejected) {
			t.Fatalf("writing a number: %v, want ErrRejected", err)
		}
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if keys := listKeys(t, store, ""); len(keys) != 0 || len(w.Objects()) != 0 {
			t.Errorf("a stream of rejected records left %v", keys)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		store, err := lake.NewLocalStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		w := parquetWriter(t, store, "users", lake.DefaultMaxFileSize, Options{})
		for _, r := range users {
			if err := w.Write(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := w.Write(cctx, users[0]); !errors.Is(err, context.Canceled) {
			t.Fatalf("writing with a cancelled context: %v", err)
		}
		if err := w.Close(ctx); err == nil {
			t.Error("Close after a failed write succeeded")
		}
		if keys := listKeys(t, store, ""); len(keys) != 0 {
			t.Errorf("an aborted part left %v", keys)
		}
	})

	t.Run("part numbers shared with JSONL", func(t *testing.T) {
		store, err := lake.NewLocalStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		jw, err := lake.NewWriter(store, lake.WriterConfig{Prefix: "data", Namespace: "okta", Stream: "users", Now: clock.NewManual(extractedAt).Now})
		if err != nil {
			t.Fatal(err)
		}
		if err := jw.Write(ctx, users[0]); err != nil {
			t.Fatal(err)
		}
		if err := jw.Close(ctx); err != nil {
			t.Fatal(err)
		}
		pw := parquetWriter(t, store, "users", lake.DefaultMaxFileSize, Options{})
		if err := pw.Write(ctx, users[0]); err != nil {
			t.Fatal(err)
		}
		if err := pw.Close(ctx); err != nil {
			t.Fatal(err)
		}
		j, p := jw.Objects()[0].Key, pw.Objects()[0].Key
		if want := strings.TrimSuffix(j, "0.jsonl.gz") + "1.parquet"; p != want {
			t.Errorf("Parquet part beside %s is %s, want %s", j, p, want)
		}
	})

	t.Run("envelope", func(t *testing.T) {
		f, err := NewFormat(Options{})
		if err != nil {
			t.Fatal(err)
		}
		store, err := lake.NewLocalStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lake.NewWriter(store, lake.WriterConfig{Stream: "users", Envelope: lake.V1, Format: f}); err == nil || !strings.Contains(err.Error(), "Envelope") {
			t.Errorf("a V1 envelope with Parquet: %v, want an error naming Envelope", err)
		}
	})
}

// TestWriterParquetOnS3 writes Parquet parts larger than S3's multipart
// part size to a real MinIO: each is committed by a completed multipart
// upload, readable whole, and no upload is left incomplete.
func TestWriterParquetOnS3(t *testing.T) {
	env := laketest.MinIO(t)
	store, _, err := lake.OpenStore(context.Background(), env.URL(""), lake.StoreOptions{
		S3Endpoint: env.Endpoint, Region: env.Region, AccessKey: env.AccessKey, SecretKey: env.SecretKey, PartSize: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	users := repeated(orgRecords(t)["users"], 30000)
	ctx := context.Background()
	w := parquetWriter(t, store, "users", 6<<20, Options{Compression: Uncompressed, DisableDictionary: true, RowGroupSize: 4 << 20})
	for _, r := range users {
		if err := w.Write(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	objs := w.Objects()
	if len(objs) < 2 || objs[0].Size <= 5<<20 {
		t.Fatalf("objects %v: want at least two, the first over one multipart part", objs)
	}
	rows := 0
	for _, o := range objs {
		data := env.Get(t, o.Key) // minio-go, not the store under test
		if int64(len(data)) != o.Size {
			t.Errorf("%s: %d bytes in S3, the writer counted %d", o.Key, len(data), o.Size)
		}
		if !bytes.HasSuffix(data, []byte("PAR1")) {
			t.Errorf("%s does not end with Parquet's magic", o.Key)
		}
		rows += len(decodeAll(t, data))
	}
	if rows != len(users) {
		t.Errorf("%d rows in S3, wrote %d", rows, len(users))
	}
	if inc := env.IncompleteUploads(t, ""); len(inc) != 0 {
		t.Errorf("incomplete uploads left: %v", inc)
	}
}
