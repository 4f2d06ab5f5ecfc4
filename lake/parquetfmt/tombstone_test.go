package parquetfmt

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// TestTombstonesHaveColumns: every stream that can hold tombstones (all
// but the append-only System Log) has the typed columns _ab_cdc_deleted_at
// (timestamp[ms, UTC], for queries such as "who had access on date X") and
// _oktalake_deleted_by; a tombstone round-trips, its time in the typed
// column rather than the additional properties.
func TestTombstonesHaveColumns(t *testing.T) {
	for _, st := range streams.All() {
		sc, err := Schema(st.Name)
		if err != nil {
			t.Fatal(err)
		}
		del, hasDel := sc.FieldsByName(lake.TombstoneField)
		by, hasBy := sc.FieldsByName(lake.DeletedByField)
		if st.AppendOnly {
			if hasDel || hasBy {
				t.Errorf("%s is append-only but has tombstone columns", st.Name)
			}
			continue
		}
		if !hasDel || !arrow.TypeEqual(del[0].Type, timestampMS) {
			t.Errorf("%s: %s is %v, want timestamp[ms, UTC]", st.Name, lake.TombstoneField, del)
		}
		if !hasBy || by[0].Type.ID() != arrow.STRING {
			t.Errorf("%s: %s is %v, want string", st.Name, lake.DeletedByField, by)
		}
	}
	at := time.Date(2026, 11, 19, 8, 30, 0, 0, time.UTC)
	tomb := lake.NewTombstone([]lake.KeyField{{Name: "id", Value: "00u1"}}, at, lake.DeletedBySnapshot)
	data := encode(t, "users", []json.RawMessage{tomb}, Options{})
	recs := decodeAll(t, data)
	if len(recs) != 1 || !sameJSON(t, recs[0].Data, tomb) {
		t.Fatalf("tombstone %s read back as %v", tomb, recs)
	}
	got := columnAt(t, data, lake.TombstoneField)
	ts, ok := got.(*array.Timestamp)
	if !ok || ts.IsNull(0) || ts.Value(0).ToTime(arrow.Millisecond) != at {
		t.Errorf("%s column holds %v, want %v", lake.TombstoneField, got, at)
	}
}

// columnAt reads a top-level column of a Parquet object with arrow's own
// reader, apart from the Decoder.
func columnAt(t *testing.T, data []byte, name string) arrow.Array {
	t.Helper()
	tbl, err := pqarrow.ReadTable(context.Background(), bytes.NewReader(data), parquet.NewReaderProperties(memory.DefaultAllocator), pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	idx := tbl.Schema().FieldIndices(name)
	if len(idx) != 1 {
		t.Fatalf("no column %s in %v", name, tbl.Schema())
	}
	return tbl.Column(idx[0]).Data().Chunk(0)
}
