package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/oktalake/oktalake/lake"
)

// State is Airbyte's per-stream STATE, one object per stream, as stored at
// lake.StateKey.
type State struct {
	// SyncID is the sync id of the namespace's latest run (Airbyte's
	// _airbyte_meta.sync_id): each run takes the next one.
	SyncID int64 `json:"syncId,omitempty"`
	// Streams maps a stream name to its cursor.
	Streams map[string]StreamState `json:"streams"`
}

// StreamState is one stream's cursor. Users and groups keep lastUpdated; logs
// keep published (Airbyte's cursor field, for humans and other tools) and
// Next, Okta's polling cursor, which is what makes the log cursor gap-free.
type StreamState struct {
	LastUpdated string `json:"lastUpdated,omitempty"`
	Published   string `json:"published,omitempty"`
	// Next is the next link (path and query) of the last log page read: Okta's polling
	// cursor in persistence order.
	Next string `json:"next,omitempty"`
	// GenerationID is the stream's _airbyte_generation_id: it counts the
	// stream's full generations (full snapshots, reconciles), as Airbyte
	// counts full refreshes.
	GenerationID int64 `json:"generationId,omitempty"`
	// Changes is the next link of the stream's change feed (the System Log
	// events it follows, streams.ChangeFeed), where the next run reads on.
	Changes string `json:"changes,omitempty"`
	// ParentsChanged is the cursor on the parents' ParentsChangedField
	// (groups' lastMembershipUpdated) of a change-driven fan-out stream.
	ParentsChanged string `json:"parentsChanged,omitempty"`
	// ReconciledAt is when the stream last re-listed everything.
	ReconciledAt string `json:"reconciledAt,omitempty"`
	// UpdatedAt is when this state was written.
	UpdatedAt string `json:"updatedAt,omitempty"`
}

// StateStore reads and writes the state document, either in the bucket or in
// a local file (--state FILE). Each save rewrites only its own stream's
// cursor, read-modify-write under a conditional write (lake.Update), so
// extracts of different streams may run at once against one state and keep
// each other's cursors. Writes within one run are serialised: streams finish
// concurrently and each saves its own cursor.
type StateStore struct {
	mu    sync.Mutex
	store lake.Store
	key   string
	file  string
	err   error // why a --state file cannot be used
	// known is each stream's cursor as this run last read or wrote it
	// (nil before Load): a stored cursor that differs was moved by another
	// run of that stream.
	known map[string]StreamState
}

// NewBucketState keeps state at key in store.
func NewBucketState(store lake.Store, key string) *StateStore {
	return &StateStore{store: store, key: key}
}

// NewFileState keeps state in a local file: a directory store rooted at its
// directory, so the file gets the same atomic, conditional writes.
func NewFileState(path string) *StateStore {
	path = filepath.Clean(path)
	store, err := lake.NewLocalStore(filepath.Dir(path))
	return &StateStore{store: store, key: filepath.Base(path), file: path, err: err}
}

// Where names the state location for messages.
func (s *StateStore) Where() string {
	if s.file != "" {
		return s.file
	}
	return s.key
}

// Load reads the state; a missing state is empty, not an error.
func (s *StateStore) Load(ctx context.Context) (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return State{}, fmt.Errorf("opening state file %s: %w", s.file, s.err)
	}
	st := State{Streams: map[string]StreamState{}}
	if _, err := lake.ReadJSON(ctx, s.store, s.key, &st); err != nil {
		return st, fmt.Errorf("reading state %s: %w", s.Where(), err)
	}
	if st.Streams == nil {
		st.Streams = map[string]StreamState{}
	}
	s.known = cloneState(st).Streams
	return st, nil
}

// errCursorMoved marks a save refused because another run moved the
// stream's cursor.
var errCursorMoved = errors.New("changed since this run read it")

// Save records one stream's cursor, leaving every other stream's as stored
// now. Callers call it only after the objects the cursor covers are
// committed. It refuses to overwrite a cursor of the same stream that
// another run moved meanwhile: two extracts of one stream at once would
// otherwise move it back, and the next run would read events again.
func (s *StateStore) Save(ctx context.Context, stream string, ss StreamState, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return fmt.Errorf("opening state file %s: %w", s.file, s.err)
	}
	ss.UpdatedAt = now.UTC().Format(time.RFC3339)
	err := lake.Update(ctx, s.store, s.key, func(cur []byte) ([]byte, error) {
		st := State{}
		if len(cur) > 0 {
			if err := json.Unmarshal(cur, &st); err != nil {
				return nil, fmt.Errorf("decoding state %s: %w", s.Where(), err)
			}
		}
		if st.Streams == nil {
			st.Streams = map[string]StreamState{}
		}
		if s.known != nil && st.Streams[stream] != s.known[stream] {
			return nil, fmt.Errorf("the %s cursor in state %s %w (updated at %s): another extract of %s is running or ran meanwhile; not overwriting it (run one extract per stream at a time)",
				stream, s.Where(), errCursorMoved, st.Streams[stream].UpdatedAt, stream)
		}
		st.Streams[stream] = ss
		b, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("encoding state: %w", err)
		}
		return append(b, '\n'), nil
	})
	if err != nil {
		if errors.Is(err, errCursorMoved) {
			return err
		}
		return fmt.Errorf("writing state %s: %w", s.Where(), err)
	}
	if s.known != nil {
		s.known[stream] = ss
	}
	return nil
}

func cloneState(st State) State {
	out := State{Streams: make(map[string]StreamState, len(st.Streams))}
	for k, v := range st.Streams {
		out.Streams[k] = v
	}
	return out
}

// NextSyncID takes the namespace's next sync id and records it at once, so
// that two runs never share one, even when one of them fails later.
func (s *StateStore) NextSyncID(ctx context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, fmt.Errorf("opening state file %s: %w", s.file, s.err)
	}
	var id int64
	err := lake.Update(ctx, s.store, s.key, func(cur []byte) ([]byte, error) {
		st := State{}
		if len(cur) > 0 {
			if err := json.Unmarshal(cur, &st); err != nil {
				return nil, fmt.Errorf("decoding state %s: %w", s.Where(), err)
			}
		}
		if st.Streams == nil {
			st.Streams = map[string]StreamState{}
		}
		st.SyncID++
		id = st.SyncID
		b, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("encoding state: %w", err)
		}
		return append(b, '\n'), nil
	})
	if err != nil {
		return 0, fmt.Errorf("taking a sync id in state %s: %w", s.Where(), err)
	}
	return id, nil
}
