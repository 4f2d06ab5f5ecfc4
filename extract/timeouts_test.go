package extract

import (
	"testing"

	"github.com/oktalake/oktalake/extract/oktatest"
)

// TestEveryStreamShrinksPagesThatTimeOut: an org whose pages over 30
// records time out (Okta's 500) still yields every record of every stream,
// fan-outs and the System Log included, as the same org answering in full.
func TestEveryStreamShrinksPagesThatTimeOut(t *testing.T) {
	var halvings int64
	counts := func(opts oktatest.Options) map[string]int64 {
		f := newFixture(t, fixtureOptions{server: opts})
		sum := mustRun(t, f.config())
		out := map[string]int64{}
		for _, st := range sum.Streams {
			out[st.Stream] = st.Records
		}
		halvings = 0
		for _, st := range f.client.Stats() {
			halvings += st.Retries
		}
		return out
	}
	want := counts(oktatest.Options{})
	got := counts(oktatest.Options{TimeoutPagesOver: 30})
	if halvings == 0 {
		t.Fatal("no page was asked again: nothing timed out")
	}
	for stream, n := range want {
		if got[stream] != n {
			t.Errorf("%s: %d records with pages timing out, want %d", stream, got[stream], n)
		}
	}
	if want["users"] <= 30 || want["logs"] <= 30 {
		t.Fatalf("the org is too small to time out a page: %v", want)
	}
}
