package extract

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"

	"github.com/oktalake/oktalake/streams"
)

// recordKey gives KeyOf's key, or its error, for records of every stream
// of the simulated org and for malformed ones.
func TestRecordKeyMatchesKeyOf(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	mustRun(t, f.config())
	for _, st := range streams.All() {
		n := 0
		for _, l := range rawRecords(t, f, st.Name) {
			want, werr := st.KeyOf(l)
			got, gerr := recordKey(st, l)
			if got != want || (werr == nil) != (gerr == nil) {
				t.Fatalf("%s: recordKey = %q, %v; KeyOf = %q, %v", st.Name, got, gerr, want, werr)
			}
			n++
		}
		if n == 0 {
			t.Errorf("%s: no records to compare", st.Name)
		}
	}
	users, _ := streams.Lookup("group_members")
	for _, rec := range []string{`{"id":"00u1"}`, `{"groupId":"00g/1","id":"00u%2"}`, `{"groupId":"","id":"x"}`, `{"groupId":7,"id":"x"}`, `[1]`, `{"groupId":null,"id":"x"}`, `{"groupId":{"a":1},"id":"x"}`} {
		want, werr := users.KeyOf(json.RawMessage(rec))
		got, gerr := recordKey(users, json.RawMessage(rec))
		if got != want || (werr == nil) != (gerr == nil) {
			t.Errorf("%s: recordKey = %q, %v; KeyOf = %q, %v", rec, got, gerr, want, werr)
		}
	}
}

// rawRecords returns the records of a stream as written.
func rawRecords(t *testing.T, f *fixture, stream string) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	eachRecord(t, f.store, stream, func(m map[string]any) {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	})
	return out
}

// BenchmarkRecordKey reads the keys of 200 users records of the simulated
// org with recordKey and with KeyOf (the baseline), in the same run, and
// reports recordKey's time as a ratio of KeyOf's.
func BenchmarkRecordKey(b *testing.B) {
	org := oktatest.NewOrg(oktatest.DefaultOrgConfig())
	srv := oktatest.NewServer(org, oktatest.Options{Token: "t"})
	defer srv.Close()
	client, err := okta.New(okta.Config{Domain: srv.URL, APIToken: "t"})
	if err != nil {
		b.Fatal(err)
	}
	var recs []json.RawMessage
	if err := client.List(context.Background(), "/api/v1/users?limit=200", okta.ListOptions{}, func(p *okta.Page) error {
		recs = append(recs, p.Records...)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	st, _ := streams.Lookup("users")
	measure := func(fn func(streams.Stream, json.RawMessage) (string, error)) time.Duration {
		t0 := time.Now()
		for i := 0; i < b.N; i++ {
			for _, r := range recs {
				if _, err := fn(st, r); err != nil {
					b.Fatal(err)
				}
			}
		}
		return time.Since(t0)
	}
	base := measure(streams.Stream.KeyOf)
	fast := measure(recordKey)
	b.ReportMetric(float64(fast)/float64(base), "recordKey/KeyOf")
	b.ReportMetric(float64(fast.Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}
