package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/laketest"
	"github.com/oktalake/oktalake/lake/parquetfmt"
	"github.com/oktalake/oktalake/schemas"
	"github.com/oktalake/oktalake/streams"
)

// orgSource is the default simulated org served over HTTP, read by every
// extract of a test: the records (their _links name the server) are the
// same whichever format they are written in.
type orgSource struct {
	client *okta.Client
	clk    *oktatest.ManualClock
}

func newOrgSource(tb testing.TB) orgSource {
	tb.Helper()
	cfg := oktatest.DefaultOrgConfig()
	cfg.Now = testNow
	clk := oktatest.NewManualClock(testNow)
	token := "okta-test-token-" + uuid.NewString()
	srv := oktatest.NewServer(oktatest.NewOrg(cfg), oktatest.Options{Token: token, Clock: clk})
	tb.Cleanup(srv.Close)
	client, err := okta.New(okta.Config{Domain: srv.URL, APIToken: token, Clock: clk, RateLimitShare: 1, MaxConcurrency: 8})
	if err != nil {
		tb.Fatal(err)
	}
	return orgSource{client: client, clk: clk}
}

// extract writes every stream of the org into store, in format (nil for
// gzip JSONL), with the real extractor.
func (o orgSource) extract(tb testing.TB, store lake.Store, format lake.Format) {
	tb.Helper()
	sum, err := extract.Run(context.Background(), extract.Config{
		Client: o.client, Store: store, Prefix: "data", Streams: streams.All(), FullRefresh: true, Clock: o.clk, Format: format,
	})
	if err != nil {
		tb.Fatalf("extracting: %v", err)
	}
	if err := sum.Err(); err != nil {
		tb.Fatalf("extracting: %v", err)
	}
}

// portEntities is every entity of every shipped blueprint in the simulated
// Port, as JSON.
func portEntities(tb testing.TB, pe *portEnv) map[string][]byte {
	tb.Helper()
	bps, err := schemas.PortBlueprints()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][]byte{}
	for name := range bps {
		b, err := json.Marshal(pe.srv.Entities(name))
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = b
	}
	return out
}

// TestLoadsParquetLikeJSONL extracts the simulated org twice, as gzip
// JSONL and as Parquet, and loads each into its own simulated Port: every
// Parquet object is read (from a local directory and, spooled, from S3),
// nothing is rejected, and the two Ports hold the same entities.
func TestLoadsParquetLikeJSONL(t *testing.T) {
	format, err := parquetfmt.NewFormat(parquetfmt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	org := newOrgSource(t)
	jsonlStore := newStore(t)
	org.extract(t, jsonlStore, nil)
	jpe := newPort(t, portSetup{})
	jsum := run(t, newLoader(t, jsonlStore, jpe, Config{}))
	want := portEntities(t, jpe)

	s3 := func(t *testing.T) lake.Store {
		env := laketest.MinIO(t)
		s, _, err := lake.OpenStore(context.Background(), env.URL(""), lake.StoreOptions{S3Endpoint: env.Endpoint, Region: env.Region, AccessKey: env.AccessKey, SecretKey: env.SecretKey})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for name, open := range map[string]func(t *testing.T) lake.Store{"local": func(t *testing.T) lake.Store { return newStore(t) }, "s3": s3} {
		t.Run(name, func(t *testing.T) {
			store := open(t)
			org.extract(t, store, format)
			for _, st := range streams.All() {
				keys := dataKeys(t, store, st.Name)
				if len(keys) == 0 || !strings.HasSuffix(keys[0], ".parquet") {
					t.Fatalf("%s: objects %v, want Parquet", st.Name, keys)
				}
			}
			pe := newPort(t, portSetup{})
			sum := run(t, newLoader(t, store, pe, Config{}))
			if n := sum.DeadLettered(); n != 0 {
				_, dls := deadLettersIn(t, store, "data")
				t.Fatalf("%d dead letters loading Parquet, first: %s line %d: %.200s", n, dls[0].ObjectKey, dls[0].Line, dls[0].Reason)
			}
			if got, want := totalRecords(sum), totalRecords(jsum); got != want || got == 0 {
				t.Errorf("%d records loaded from Parquet, %d from JSONL", got, want)
			}
			got := portEntities(t, pe)
			for bp, w := range want {
				if !bytes.Equal(got[bp], w) {
					t.Errorf("%s: the Parquet load made other entities than the JSONL load\n Parquet %.400s\n JSONL   %.400s", bp, got[bp], w)
				}
			}
		})
	}
}

// TestCorruptParquetIsDeadLettered: a Parquet object that cannot be opened
// (not Parquet, truncated) is dead-lettered by reference with a reason
// naming it, and the good objects beside it load.
func TestCorruptParquetIsDeadLettered(t *testing.T) {
	format, err := parquetfmt.NewFormat(parquetfmt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store := newStore(t)
	ctx := context.Background()
	enc := func(recs []map[string]any) []byte {
		var buf bytes.Buffer
		e, err := format.NewEncoder(&buf, "users")
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range recs {
			b, _ := json.Marshal(r)
			if err := e.Write(b, lake.LineMeta{RawID: uuid.NewString(), ExtractedAt: testNow, SyncID: int64(i)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	pkey := func(name string) string { return strings.TrimSuffix(dataKey("users", name), ".jsonl.gz") + ".parquet" }
	good := enc(users(0, 30))
	objects := map[string][]byte{
		pkey("01_1000_0"): good,
		pkey("01_1000_1"): good[:len(good)/2],
		pkey("01_1000_2"): []byte("PAR1 but nothing else"),
		pkey("01_1000_3"): enc(users(30, 40)),
	}
	for k, v := range objects {
		if err := store.Put(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	pe := newPort(t, portSetup{})
	sum := run(t, newLoader(t, store, pe, Config{}))
	if n := pe.count("okta_user"); n != 40 {
		t.Errorf("%d users in Port, want the 40 of the good objects", n)
	}
	_, dls := deadLettersIn(t, store, "data")
	var got []string
	for _, dl := range dls {
		got = append(got, fmt.Sprintf("%s line %d (%s): %.120s", dl.ObjectKey, dl.Line, dl.Stream, dl.Reason))
	}
	if len(dls) != 2 || sum.DeadLettered() != 2 {
		t.Fatalf("dead letters %q (summary %d), want one per corrupt object", got, sum.DeadLettered())
	}
	for i, k := range []string{pkey("01_1000_1"), pkey("01_1000_2")} {
		if dls[i].ObjectKey != k || !strings.Contains(dls[i].Reason, "unreadable object") || !strings.Contains(dls[i].Reason, k) || dls[i].Stream != "users" {
			t.Errorf("dead letter %d: %s, want the unreadable object %s, named in the reason", i, got[i], k)
		}
	}
}

func totalRecords(s *Summary) int64 {
	var n int64
	for _, st := range s.Streams {
		n += st.Records
	}
	return n
}
