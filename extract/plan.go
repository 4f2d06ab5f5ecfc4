package extract

import (
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// streamPlan is what one run does with one stream, decided before its
// first request: the kind of snapshot its manifest will describe, and the
// generation its lines carry.
type streamPlan struct {
	// kind is lake.ManifestFull, ManifestIncremental or ManifestPerParent.
	kind string
	// generation is the stream's _airbyte_generation_id in this run: one
	// more than the stored one for a full snapshot, the stored one otherwise.
	generation int64
}

// planStream decides how st runs this time.
func (r *run) planStream(st streams.Stream) streamPlan {
	prev := r.state.Streams[st.Name]
	p := streamPlan{kind: lake.ManifestIncremental, generation: prev.GenerationID}
	switch {
	case st.CursorKind == streams.CursorLogPolling:
		// The System Log is append-only: every run adds events, none is a
		// snapshot of the stream.
	case st.CursorKind == streams.CursorNone:
		p.kind = lake.ManifestFull
	case st.CursorKind == streams.CursorLastUpdated && r.startCursor(st.Name) == epochCursor:
		// No cursor (first run, or a full refresh): the listing holds every record.
		p.kind = lake.ManifestFull
	}
	if p.kind == lake.ManifestFull {
		p.generation++
	}
	return p
}
