package lake

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// userRecord is a compact, Okta-user-like record of roughly 400 bytes.
func userRecord(i int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"id":"00u%08d","status":"ACTIVE","created":"2024-01-%02dT10:00:00.000Z",`+
		`"profile":{"login":"user%d@example.com","email":"user%d@example.com","firstName":"First%d","lastName":"Last%d",`+
		`"department":"dept-%d","title":"Engineer \"%d\"","tags":["a","b"]},"credentials":{"provider":{"type":"OKTA","name":"OKTA"}},`+
		`"_links":{"self":{"href":"https://example.okta.com/api/v1/users/00u%08d"}}}`,
		i, i%28+1, i, i, i, i, i%17, i, i))
}

// steppingClock returns a Now that advances by step on every call.
func steppingClock(start time.Time, step time.Duration) func() time.Time {
	t := start
	return func() time.Time {
		now := t
		t = t.Add(step)
		return now
	}
}

var start = time.Date(2024, 5, 17, 10, 0, 0, 0, time.UTC)

// readObject decodes one object through Store.Open and Reader.
func readObject(t *testing.T, s Store, key string) []Record {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	r, err := NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	var out []Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reading %s: %v", key, err)
		}
		out = append(out, rec)
	}
}

// gunzipCommand decompresses with the system's gzip, an independent reader.
func gunzipCommand(t *testing.T, data []byte) []byte {
	t.Helper()
	cmd := exec.Command("gzip", "-dc")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gzip -dc: %v", err)
	}
	return out
}

func TestWriterRoundTrip(t *testing.T) {
	const n = 3000
	keyRE := regexp.MustCompile(`^data/okta/users/year=2024/month=05/17_\d{13}_\d+\.jsonl\.gz$`)
	forEachStore(t, func(t *testing.T, ts testStore) {
		for _, env := range []Envelope{V2, V1, Flat} {
			t.Run(env.String(), func(t *testing.T) {
				ctx := context.Background()
				w, err := NewWriter(ts.store, WriterConfig{
					Prefix: "data", Namespace: "okta", Stream: "users", Envelope: env,
					MaxFileSize: 16 << 10, GenerationID: 2, SyncID: 7,
					Now: steppingClock(start, time.Millisecond),
				})
				if err != nil {
					t.Fatal(err)
				}
				for i := range n {
					if err := w.Write(ctx, userRecord(i)); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(ctx); err != nil {
					t.Fatal(err)
				}
				objs := w.Objects()
				if len(objs) < 4 {
					t.Fatalf("%d objects, want several rotations", len(objs))
				}
				if w.Records() != n {
					t.Errorf("Records() = %d, want %d", w.Records(), n)
				}
				var listed []ObjectInfo
				_ = ts.store.List(ctx, "data/", "", func(o ObjectInfo) error { listed = append(listed, o); return nil })
				if len(listed) != len(objs) {
					t.Errorf("listed %d objects, writer reports %d", len(listed), len(objs))
				}
				sizes := map[string]int64{}
				for _, o := range listed {
					sizes[o.Key] = o.Size
				}
				i := 0
				for j, o := range objs {
					if !keyRE.MatchString(o.Key) {
						t.Errorf("key %q does not follow the Airbyte layout", o.Key)
					}
					if sizes[o.Key] != o.Size {
						t.Errorf("%s: writer says %d bytes, store lists %d", o.Key, o.Size, sizes[o.Key])
					}
					if j < len(objs)-1 && o.Size < 16<<10 {
						t.Errorf("%s rotated at %d bytes, below MaxFileSize", o.Key, o.Size)
					}
					// An independent client and decompressor agree on the lines.
					plain := gunzipCommand(t, ts.rawGet(t, o.Key))
					recs := readObject(t, ts.store, o.Key)
					if got := bytes.Count(plain, []byte("\n")); got != len(recs) {
						t.Errorf("%s: gzip -dc gives %d lines, Reader %d records", o.Key, got, len(recs))
					}
					for _, rec := range recs {
						if want := userRecord(i); !bytes.Equal(rec.Data, want) {
							t.Fatalf("record %d (%s line %d) = %s, want %s", i, o.Key, rec.Line, rec.Data, want)
						}
						if rec.Envelope != env || rec.RawID == "" || rec.ExtractedAt.Before(start) {
							t.Fatalf("record %d: envelope %s, raw id %q, extracted at %v", i, rec.Envelope, rec.RawID, rec.ExtractedAt)
						}
						i++
					}
				}
				if i != n {
					t.Errorf("read back %d records, want %d", i, n)
				}
				for _, o := range objs {
					if err := ts.store.Delete(ctx, o.Key); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	})
}

func TestWriterPartNumbers(t *testing.T) {
	forEachStore(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		cfg := WriterConfig{Prefix: "data", Namespace: "okta", Stream: "groups", MaxFileSize: 1,
			Now: func() time.Time { return start }}
		base := "data/okta/groups/year=2024/month=05/17_" + fmt.Sprint(start.UnixMilli()) + "_"
		// Someone else's part 1 is already there: it must be skipped, not overwritten.
		if err := create(t, ts.store, base+"1.jsonl.gz", []byte("theirs")); err != nil {
			t.Fatal(err)
		}
		w, err := NewWriter(ts.store, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			if err := w.Write(ctx, userRecord(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range w.Objects() {
			keys = append(keys, strings.TrimPrefix(o.Key, base))
		}
		if want := []string{"0.jsonl.gz", "2.jsonl.gz", "3.jsonl.gz", "4.jsonl.gz"}; !slices.Equal(keys, want) {
			t.Errorf("parts = %q, want %q", keys, want)
		}
		if got := readAll(t, ts.store, base+"1.jsonl.gz"); string(got) != "theirs" {
			t.Errorf("existing part overwritten: %q", got)
		}
	})
}

// A part holds whole batches: WriteBatch commits a full part only after the
// batch's last record, so a cursor saved per batch matches the objects.
func TestWriterBatchesNeverSplit(t *testing.T) {
	ctx := context.Background()
	store, err := NewLocalStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const batches, size = 12, 50
	w, err := NewWriter(store, WriterConfig{Namespace: "okta", Stream: "logs", MaxFileSize: 4 << 10, Now: steppingClock(start, time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	for b := range batches {
		recs := make([]json.RawMessage, size)
		for i := range recs {
			recs[i] = userRecord(b*size + i)
		}
		before := len(w.Objects())
		if err := w.WriteBatch(ctx, recs); err != nil {
			t.Fatal(err)
		}
		if len(w.Objects()) > before+1 {
			t.Fatalf("batch %d committed %d objects, want at most one", b, len(w.Objects())-before)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if len(w.Objects()) < 3 {
		t.Fatalf("%d objects: the batches should fill several", len(w.Objects()))
	}
	total := 0
	for _, o := range w.Objects() {
		recs := readObject(t, store, o.Key)
		if len(recs)%size != 0 {
			t.Errorf("%s holds %d records, not whole batches of %d", o.Key, len(recs), size)
		}
		total += len(recs)
	}
	if total != batches*size {
		t.Errorf("%d records in all, want %d", total, batches*size)
	}
}

func TestWriterRaceFailsLoudly(t *testing.T) {
	forEachStore(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		cfg := WriterConfig{Namespace: "okta", Stream: "apps", Now: func() time.Time { return start }}
		a, _ := NewWriter(ts.store, cfg)
		b, _ := NewWriter(ts.store, cfg)
		// Both pick part 0 before either commits.
		if err := a.Write(ctx, json.RawMessage(`{"w":"a"}`)); err != nil {
			t.Fatal(err)
		}
		if err := b.Write(ctx, json.RawMessage(`{"w":"b"}`)); err != nil {
			t.Fatal(err)
		}
		if err := a.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.Close(ctx); !errors.Is(err, ErrExist) {
			t.Fatalf("second writer's Close: err = %v, want ErrExist", err)
		}
		key := a.Objects()[0].Key
		if recs := readObject(t, ts.store, key); len(recs) != 1 || string(recs[0].Data) != `{"w":"a"}` {
			t.Errorf("%s holds %v, want writer a's record", key, recs)
		}
		if got := ts.rawKeys(t); !slices.Equal(got, []string{key}) {
			t.Errorf("raw contents %q, want only %s", got, key)
		}
	})
}

// incompressible returns records of random text, so that compressed parts
// grow as fast as the input.
func incompressible(n int) []json.RawMessage {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]json.RawMessage, n)
	for i := range out {
		b := make([]byte, 1024)
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		out[i] = json.RawMessage(`{"id":` + fmt.Sprint(i) + `,"blob":"` + base64.StdEncoding.EncodeToString(b) + `"}`)
	}
	return out
}

func TestWriterFailureLeavesNothing(t *testing.T) {
	pool := incompressible(97)
	for _, how := range []string{"cancel", "abort"} {
		t.Run(how, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, ts testStore) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				w, err := NewWriter(ts.store, WriterConfig{Prefix: "data", Namespace: "okta", Stream: "logs",
					MaxFileSize: 8 << 20, Now: steppingClock(start, time.Second)})
				if err != nil {
					t.Fatal(err)
				}
				i := 0
				for len(w.Objects()) == 0 {
					if err := w.Write(ctx, pool[i%len(pool)]); err != nil {
						t.Fatal(err)
					}
					i++
				}
				committed := w.Objects()[0].Key
				// About 6 MiB more: beyond one 5 MiB S3 part, short of a rotation.
				for range 6000 {
					if err := w.Write(ctx, pool[i%len(pool)]); err != nil {
						t.Fatal(err)
					}
					i++
				}
				if len(w.Objects()) != 1 {
					t.Fatalf("%d objects committed, want 1 (the test needs an open part)", len(w.Objects()))
				}
				if got := ts.rawKeys(t); len(got) != 2 {
					t.Fatalf("mid-part raw contents = %q, want the committed part and the open one", got)
				}
				switch how {
				case "cancel":
					cancel()
					if err := w.Write(ctx, pool[0]); !errors.Is(err, context.Canceled) {
						t.Errorf("Write after cancel: err = %v, want context.Canceled", err)
					}
				case "abort":
					if err := w.Abort(); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Write(context.Background(), pool[0]); err == nil {
					t.Error("Write after failure succeeded")
				}
				if err := w.Close(context.Background()); err == nil {
					t.Error("Close after failure succeeded")
				}
				if got := ts.rawKeys(t); !slices.Equal(got, []string{committed}) {
					t.Errorf("after %s, raw contents = %q, want only the committed %s", how, got, committed)
				}
				if recs := readObject(t, ts.store, committed); len(recs) != int(w.Records()) || len(recs) == 0 {
					t.Errorf("committed part holds %d records, Records() = %d", len(recs), w.Records())
				}
			})
		})
	}
}

func TestWriterNoEmptyObjects(t *testing.T) {
	forEachStore(t, func(t *testing.T, ts testStore) {
		w, err := NewWriter(ts.store, WriterConfig{Stream: "users"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := ts.rawKeys(t); len(got) != 0 || len(w.Objects()) != 0 {
			t.Errorf("a writer without records wrote %q", got)
		}
	})
}

func TestWriterKeyTimeAndRejectedRecord(t *testing.T) {
	ts := localTestStore(t)
	ctx := context.Background()
	keyTime := time.Date(2023, 2, 3, 4, 5, 6, 0, time.FixedZone("X", 3600))
	w, err := NewWriter(ts.store, WriterConfig{Prefix: "data", Namespace: "okta", Stream: "logs", Envelope: Flat,
		PathFormat: "${NAMESPACE}/${STREAM_NAME}/${YEAR}-${MONTH}-${DAY}T${HOUR}/${UUID}_",
		KeyTime:    keyTime, Now: func() time.Time { return start }})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, json.RawMessage(`["not an object"]`)); err == nil {
		t.Error("flat writer accepted an array")
	}
	if err := w.Write(ctx, json.RawMessage(`{"id":1}`)); err != nil {
		t.Fatalf("writer unusable after a rejected record: %v", err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	key := w.Objects()[0].Key
	if !regexp.MustCompile(`^data/okta/logs/2023-02-03T03/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}_0\.jsonl\.gz$`).MatchString(key) {
		t.Errorf("key %q does not use KeyTime in UTC and a v4 UUID", key)
	}
	recs := readObject(t, ts.store, key)
	if len(recs) != 1 || !recs[0].ExtractedAt.Equal(start) || string(recs[0].Data) != `{"id":1}` {
		t.Errorf("records = %+v, want one extracted at Now (%v)", recs, start)
	}
}

func TestWriterConfigValidate(t *testing.T) {
	tests := []struct {
		cfg     WriterConfig
		wantErr string
	}{
		{WriterConfig{}, "Stream is required"},
		{WriterConfig{Stream: "a/b"}, `Stream "a/b"`},
		{WriterConfig{Stream: "s", Namespace: "x/y"}, `Namespace "x/y"`},
		{WriterConfig{Stream: "s", MaxFileSize: -1}, "MaxFileSize -1"},
		{WriterConfig{Stream: "s", Envelope: 7}, "Envelope 7"},
		{WriterConfig{Stream: "s", PathFormat: "${STREAM_NAME}/${WEEK}"}, "PathFormat: parsing path format"},
	}
	for _, tt := range tests {
		_, err := NewWriter(localTestStore(t).store, tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("NewWriter(%+v) err = %v, want %q", tt.cfg, err, tt.wantErr)
		}
	}
	cfg := WriterConfig{Stream: "s"}
	cfg.SetDefaults()
	if cfg.PathFormat != DefaultPathFormat || cfg.MaxFileSize != DefaultMaxFileSize || cfg.Now == nil || cfg.Envelope != V2 {
		t.Errorf("SetDefaults gave %+v", cfg)
	}
}
