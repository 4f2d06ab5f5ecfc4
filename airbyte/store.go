package airbyte

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/oktalake/oktalake/lake"
)

// messageStore is the output seam: a lake.Store that extract writes to as
// it writes to a bucket, whose committed data objects become RECORD
// messages and whose state writes become STATE messages. extract commits a
// stream's objects before it saves the cursor that covers them, so each
// STATE follows the records it covers, the same promise the bucket keeps.
// Everything else extract keeps (its state document, manifests, indexes)
// stays in memory for the run.
type messageStore struct {
	em *Emitter
	// data is "<prefix>/<namespace>/": keys under it are data objects.
	data     string
	stateKey string

	mu      sync.Mutex
	objects map[string][]byte // non-data objects
	written map[string]int64  // committed data objects: their sizes
	// emitted counts each stream's records since its last STATE; running
	// marks the streams that have emitted RUNNING.
	emitted map[string]int64
	running map[string]bool
	// states is each stream's state as last emitted (or given);
	// stated marks the streams that emitted one in this run.
	states map[string]string
	stated map[string]bool
}

func newMessageStore(em *Emitter, prefix, namespace string) *messageStore {
	return &messageStore{
		em: em, data: lake.JoinKey(prefix, namespace) + "/", stateKey: lake.StateKey(prefix, namespace),
		objects: map[string][]byte{}, written: map[string]int64{}, emitted: map[string]int64{}, running: map[string]bool{}, states: map[string]string{}, stated: map[string]bool{},
	}
}

// List lists what the run wrote, in key order.
func (s *messageStore) List(ctx context.Context, prefix, startAfter string, fn func(lake.ObjectInfo) error) error {
	s.mu.Lock()
	var infos []lake.ObjectInfo
	for k, b := range s.objects {
		if strings.HasPrefix(k, prefix) && k > startAfter {
			infos = append(infos, lake.ObjectInfo{Key: k, Size: int64(len(b))})
		}
	}
	for k, n := range s.written {
		if strings.HasPrefix(k, prefix) && k > startAfter {
			infos = append(infos, lake.ObjectInfo{Key: k, Size: n})
		}
	}
	s.mu.Unlock()
	sort.Slice(infos, func(i, j int) bool { return infos[i].Key < infos[j].Key })
	for _, o := range infos {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	return nil
}

// Create buffers an object; Commit emits it (data) or keeps it.
func (s *messageStore) Create(_ context.Context, key string) (lake.ObjectWriter, error) {
	return &messageObject{s: s, key: key}, nil
}

// Open reads a kept object. Data objects are emitted, not kept.
func (s *messageStore) Open(_ context.Context, key string) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.objects[key]; ok {
		return io.NopCloser(bytes.NewReader(b)), nil
	}
	if _, ok := s.written[key]; ok {
		return nil, fmt.Errorf("opening %s: its records were emitted as messages, not kept", key)
	}
	return nil, fmt.Errorf("opening %s: %w", key, lake.ErrNotExist)
}

// Put keeps a small object; a write of the state document emits a STATE
// message for each stream whose cursor it changes.
func (s *messageStore) Put(_ context.Context, key string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[key] = append([]byte(nil), data...)
	if key != s.stateKey {
		return nil
	}
	var doc struct {
		Streams map[string]json.RawMessage `json:"streams"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("decoding state document: %w", err)
	}
	names := make([]string, 0, len(doc.Streams))
	for name := range doc.Streams {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var compact bytes.Buffer
		if err := json.Compact(&compact, doc.Streams[name]); err != nil {
			return fmt.Errorf("decoding state of %s: %w", name, err)
		}
		if s.states[name] == compact.String() {
			continue
		}
		s.states[name] = compact.String()
		if err := s.emitState(name); err != nil {
			return err
		}
	}
	return nil
}

func (s *messageStore) emitState(name string) error {
	if err := s.em.State(name, json.RawMessage(s.states[name]), s.emitted[name]); err != nil {
		return err
	}
	s.emitted[name] = 0
	s.stated[name] = true
	return nil
}

// confirmState emits the state of a stream that finished without moving
// its cursor (nothing new since the state it was given), so every
// incremental stream's read ends with a checkpoint. A stream with no state
// at all emits none.
func (s *messageStore) confirmState(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stated[name] || s.states[name] == "" {
		return nil
	}
	return s.emitState(name)
}

// Delete forgets an object.
func (s *messageStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.objects, key)
	return nil
}

// seedState sets the state document extract starts from, without emitting.
func (s *messageStore) seedState(doc []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var parsed struct {
		Streams map[string]json.RawMessage `json:"streams"`
	}
	if err := json.Unmarshal(doc, &parsed); err != nil {
		return fmt.Errorf("encoding the input state: %w", err)
	}
	for name, raw := range parsed.Streams {
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return err
		}
		s.states[name] = compact.String()
	}
	s.objects[s.stateKey] = doc
	return nil
}

// emitObject emits the records of a committed data object, one RECORD per
// line (extract writes them with lake.Raw: the record as Okta gave it).
func (s *messageStore) emitObject(key string, gz []byte) error {
	rest, ok := strings.CutPrefix(key, s.data)
	i := strings.IndexByte(rest, '/')
	if !ok || i <= 0 {
		return fmt.Errorf("committing %s: not under %s<stream>/", key, s.data)
	}
	stream := rest[:i]
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return fmt.Errorf("reading %s: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.written[key]; dup {
		return fmt.Errorf("committing %s: %w", key, lake.ErrExist)
	}
	br := bufio.NewReaderSize(zr, 64<<10)
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if rec := bytes.TrimSpace(b); len(rec) > 0 {
			if !s.running[stream] {
				s.running[stream] = true
				if err := s.em.StreamStatus(stream, StatusRunning); err != nil {
					return err
				}
			}
			if err := s.em.Record(stream, rec); err != nil {
				return err
			}
			s.emitted[stream]++
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading %s line %d: %w", key, line, err)
		}
	}
	s.written[key] = int64(len(gz))
	return nil
}

// messageObject is an object being written to a messageStore.
type messageObject struct {
	s    *messageStore
	key  string
	buf  bytes.Buffer
	done bool
}

func (o *messageObject) Write(p []byte) (int, error) { return o.buf.Write(p) }

func (o *messageObject) Commit() error {
	if o.done {
		return errors.New("object already committed or aborted")
	}
	o.done = true
	if lake.IsDataObject(o.key) && strings.HasPrefix(o.key, o.s.data) {
		err := o.s.emitObject(o.key, o.buf.Bytes())
		o.buf = bytes.Buffer{}
		return err
	}
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	if _, exists := o.s.objects[o.key]; exists {
		return fmt.Errorf("committing %s: %w", o.key, lake.ErrExist)
	}
	o.s.objects[o.key] = o.buf.Bytes()
	return nil
}

func (o *messageObject) Abort() error {
	o.done = true
	o.buf = bytes.Buffer{}
	return nil
}
