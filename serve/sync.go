package serve

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/lake"
)

// Sync ids. Every commit of serve is a sync of its own: it takes the
// namespace's next sync id from the counter extract keeps in its state
// (lake.StateKey), so ids stay unique and increasing across extract and
// serve, and one stream's manifests (keyed by sync id) never overwrite each
// other. The counter is bumped with lake.Update, a conditional write that
// rereads and retries when extract saved its state in between, so neither
// loses the other's change; serve touches no cursor. (An extract that keeps
// its state in a local --state file has a counter of its own, which serve
// does not see.)

// nextSync takes the namespace's next sync id and returns it with the
// generation ids the state holds for streams (0 for a stream without state).
func (s *Server) nextSync(ctx context.Context, names ...string) (int64, map[string]int64, error) {
	key := lake.StateKey(s.cfg.Prefix, s.cfg.Namespace)
	var id int64
	gens := map[string]int64{}
	err := lake.Update(ctx, s.cfg.Store, key, func(cur []byte) ([]byte, error) {
		var st extract.State
		if len(cur) > 0 {
			if err := json.Unmarshal(cur, &st); err != nil {
				return nil, fmt.Errorf("decoding state %s: %w", key, err)
			}
		}
		if st.Streams == nil {
			st.Streams = map[string]extract.StreamState{}
		}
		st.SyncID++
		id = st.SyncID
		for _, n := range names {
			gens[n] = st.Streams[n].GenerationID
		}
		b, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("encoding state %s: %w", key, err)
		}
		return append(b, '\n'), nil
	})
	if err != nil {
		return 0, nil, fmt.Errorf("taking a sync id in state %s: %w", key, err)
	}
	return id, gens, nil
}

// syncRun is one commit's sync id and the generations of its streams.
type syncRun struct {
	id   int64
	gens map[string]int64
}
