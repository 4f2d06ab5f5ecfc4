package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/laketest"
)

// TestCorruptObjectsAndBadLines loads a stream holding bad lines, a
// truncated gzip object, a broken gzip header and text named .jsonl.gz:
// each problem is dead-lettered with its object key and line number, and
// everything readable, in those objects and the others, is loaded.
func TestCorruptObjectsAndBadLines(t *testing.T) {
	store := newStore(t)
	line := func(rec map[string]any) string {
		b, _ := json.Marshal(map[string]any{"_airbyte_raw_id": "r", "_airbyte_extracted_at": 1, "_airbyte_data": rec})
		return string(b)
	}
	badLines := dataKey("users", "01_1000_0")
	mixed := strings.Join([]string{
		line(userRecord(0)),
		`{"_airbyte_raw_id":"r","_airbyte_data":{"id":`, // 2: invalid JSON
		line(userRecord(1)),
		`{"_airbyte_raw_id":"r","_airbyte_extracted_at":1,"_airbyte_data":null}`, // 4: no record
		`{"_airbyte_raw_id":"r","_airbyte_extracted_at":1}`,                      // 5: no _airbyte_data: an empty flat record
		`[1,2,3]`, // 6: not an object
		"",        // 7: blank lines are skipped
		line(userRecord(2)),
	}, "\n") + "\n"
	if err := store.Put(context.Background(), badLines, gzipBytes(t, []byte(mixed))); err != nil {
		t.Fatal(err)
	}

	truncated := dataKey("users", "01_1000_1")
	whole := encodeObject(t, lake.V2, users(10, 60))
	if err := store.Put(context.Background(), truncated, whole[:len(whole)*2/3]); err != nil {
		t.Fatal(err)
	}
	notGzip := dataKey("users", "01_1000_2")
	if err := store.Put(context.Background(), notGzip, []byte("\x1f\x8b\x00garbage that is not gzip")); err != nil {
		t.Fatal(err)
	}
	plainGarbage := dataKey("users", "01_1000_3")
	if err := store.Put(context.Background(), plainGarbage, []byte("{{{ not json\n")); err != nil {
		t.Fatal(err)
	}
	good := dataKey("users", "01_1000_4")
	putObject(t, store, good, users(100, 110))

	var logs bytes.Buffer
	pe := newPort(t, portSetup{})
	l := newLoader(t, store, pe, Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	sum := run(t, l)

	_, dls := deadLettersIn(t, store, "data")
	type where struct {
		key  string
		line int
	}
	var got []where
	byLoc := map[where]DeadLetter{}
	for _, dl := range dls {
		w := where{dl.ObjectKey, dl.Line}
		got = append(got, w)
		byLoc[w] = dl
		if dl.Stream != "users" || dl.At == "" {
			t.Errorf("dead letter %s:%d: stream %q at %q", dl.ObjectKey, dl.Line, dl.Stream, dl.At)
		}
	}
	// The truncated object yields the records before the cut, then one
	// dead letter at the first line it could not read.
	var cut DeadLetter
	for _, dl := range dls {
		if dl.ObjectKey == truncated {
			cut = dl
		}
	}
	if cut.Line < 1 || cut.Line > 50 || !strings.Contains(cut.Reason, "corrupt object") {
		t.Fatalf("truncated object: dead letter %+v, want one at the first unreadable line", cut)
	}
	want := []where{{badLines, 2}, {badLines, 4}, {badLines, 5}, {badLines, 6}, {truncated, cut.Line}, {notGzip, 0}, {plainGarbage, 0}}
	if !slices.Equal(got, want) {
		t.Fatalf("dead letters at %v, want %v", got, want)
	}
	reasons := map[where]string{
		{badLines, 2}:     "bad line",
		{badLines, 4}:     "_airbyte_data is null",
		{badLines, 5}:     "identifier",
		{badLines, 6}:     "not a JSON object",
		{notGzip, 0}:      "unreadable object",
		{plainGarbage, 0}: "not gzip", // named .jsonl.gz: not read as plain text
	}
	for w, reason := range reasons {
		if dl := byLoc[w]; !strings.Contains(dl.Reason, reason) {
			t.Errorf("%s:%d: reason %q, want it to mention %q", w.key, w.line, dl.Reason, reason)
		}
	}
	// The mapping rejected line 5: its dead letter carries the record and
	// the mapping index so it can be replayed.
	if dl := byLoc[where{badLines, 5}]; dl.MappingIndex == nil || *dl.MappingIndex != 0 || string(dl.Record) != "{}" || dl.Blueprint != "okta_user" {
		t.Errorf("rejected line: mapping %v record %s blueprint %q", dl.MappingIndex, dl.Record, dl.Blueprint)
	}

	wantUsers := []int{0, 1, 2}
	for i := 10; i < 10+cut.Line-1; i++ {
		wantUsers = append(wantUsers, i)
	}
	for i := 100; i < 110; i++ {
		wantUsers = append(wantUsers, i)
	}
	var ids []string
	for _, e := range pe.srv.Entities("okta_user") {
		ids = append(ids, e.Identifier)
	}
	var wantIDs []string
	for _, i := range wantUsers {
		wantIDs = append(wantIDs, userID(i))
	}
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("users in Port %v, want %v", ids, wantIDs)
	}
	if got := sum.DeadLettered(); got != int64(len(want)) {
		t.Errorf("summary counts %d dead-lettered, want %d", got, len(want))
	}
	if cp := readCheckpoint(t, store, "data", "default"); len(cp.Streams["users"].Done) != 5 {
		t.Errorf("%d objects checkpointed, want all 5: a bad object must not stop the stream", len(cp.Streams["users"].Done))
	}
	// The log reports each problem with its object key and line.
	if !strings.Contains(logs.String(), `"object":"`+badLines+`","line":2`) {
		t.Errorf("log does not report %s line 2:\n%s", badLines, logs.String())
	}
}

// TestStoreReadFailureIsNotCorruption cuts the connection while an object
// is downloaded from MinIO. That is the store failing, not a corrupt object:
// the load fails without checkpointing or dead-lettering it, and the next
// run loads all of it.
func TestStoreReadFailureIsNotCorruption(t *testing.T) {
	env := laketest.MinIO(t)
	key := dataKey("users", "01_1000_0")
	env.Put(t, key, encodeObject(t, lake.V2, users(0, 300)))

	target, err := url.Parse(env.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	proxy.FlushInterval = -1 // send headers and the first bytes before the cut
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method == http.MethodGet && strings.HasSuffix(resp.Request.URL.Path, key) {
			resp.Body = &failingBody{ReadCloser: resp.Body, left: 200}
		}
		return nil
	}
	front := httptest.NewServer(proxy)
	defer front.Close()

	open := func(endpoint string) lake.Store {
		s, _, err := lake.OpenStore(context.Background(), env.URL(""), lake.StoreOptions{
			S3Endpoint: endpoint, Region: env.Region, AccessKey: env.AccessKey, SecretKey: env.SecretKey, MaxAttempts: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pe := newPort(t, portSetup{})
	flaky := open(front.URL)
	_, err = newLoader(t, flaky, pe, Config{}).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), key) {
		t.Fatalf("Run through a failing connection = %v, want an error naming %s", err, key)
	}
	if keys, _ := deadLettersIn(t, flaky, "data"); len(keys) != 0 {
		t.Errorf("a failed download was dead-lettered as %v", keys)
	}
	var cp Checkpoint
	if _, err := lake.ReadJSON(context.Background(), flaky, lake.CheckpointKey("data", "default"), &cp); err != nil {
		t.Fatal(err)
	}
	if sc := cp.Streams["users"]; sc != nil && len(sc.Done) > 0 {
		t.Fatalf("a failed download was checkpointed: %v", sc.Done)
	}

	sum := run(t, newLoader(t, open(env.Endpoint), pe, Config{}))
	if got := pe.count("okta_user"); got != 300 || sum.DeadLettered() != 0 {
		t.Errorf("after the retry: %d users in Port, %d dead letters; want 300 and 0", got, sum.DeadLettered())
	}
}

// failingBody breaks a download after left bytes, as a dropped connection does.
type failingBody struct {
	io.ReadCloser
	left int
}

func (b *failingBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errors.New("connection reset by test")
	}
	if len(p) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= n
	return n, err
}
