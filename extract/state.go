package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/oktalake/oktalake/lake"
)

// State is Airbyte's per-stream STATE, one object per stream, as stored at
// <prefix>/_oktalake/state/<namespace>.json.
type State struct {
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
	// UpdatedAt is when this state was written.
	UpdatedAt string `json:"updatedAt,omitempty"`
}

// StateStore reads and writes the state document, either in the bucket or in
// a local file (--state FILE). Writes are serialised: streams finish
// concurrently and each saves its own cursor.
type StateStore struct {
	mu    sync.Mutex
	store lake.Store
	key   string
	file  string
	state State
}

// NewBucketState keeps state at key in store.
func NewBucketState(store lake.Store, key string) *StateStore {
	return &StateStore{store: store, key: key}
}

// NewFileState keeps state in a local file.
func NewFileState(path string) *StateStore { return &StateStore{file: path} }

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
	st := State{Streams: map[string]StreamState{}}
	if s.file != "" {
		b, err := os.ReadFile(s.file)
		if errors.Is(err, os.ErrNotExist) {
			s.state = st
			return st, nil
		}
		if err != nil {
			return st, fmt.Errorf("reading state file: %w", err)
		}
		if err := json.Unmarshal(b, &st); err != nil {
			return st, fmt.Errorf("decoding state file %s: %w", s.file, err)
		}
	} else {
		if _, err := lake.ReadJSON(ctx, s.store, s.key, &st); err != nil {
			return st, fmt.Errorf("reading state %s: %w", s.key, err)
		}
	}
	if st.Streams == nil {
		st.Streams = map[string]StreamState{}
	}
	s.state = st
	return cloneState(st), nil
}

// Save records one stream's cursor and writes the whole document. Callers
// call it only after the objects the cursor covers are committed.
func (s *StateStore) Save(ctx context.Context, stream string, ss StreamState, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.Streams == nil {
		s.state.Streams = map[string]StreamState{}
	}
	ss.UpdatedAt = now.UTC().Format(time.RFC3339)
	s.state.Streams[stream] = ss
	b, err := json.MarshalIndent(s.state, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding state: %w", err)
	}
	if s.file != "" {
		return writeFileAtomic(s.file, b)
	}
	if err := s.store.Put(ctx, s.key, b); err != nil {
		return fmt.Errorf("writing state %s: %w", s.key, err)
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

func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating state directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".state-*")
	if err != nil {
		return fmt.Errorf("writing state file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("writing state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing state file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing state file: %w", err)
	}
	return nil
}
