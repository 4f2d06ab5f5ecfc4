package airbyte

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// Options are what every command but spec and discover needs besides the
// configuration.
type Options struct {
	// Emitter receives the messages.
	Emitter *Emitter
	// Logger receives logs (use NewLogger to make them LOG messages).
	Logger *slog.Logger
	// Clock tells time (default real); HTTPClient sends Okta's requests
	// (default the Okta client's).
	Clock      clock.Clock
	HTTPClient *http.Client
	// UserAgent is sent to Okta.
	UserAgent string
}

func (o *Options) setDefaults() {
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

func newClient(cfg Config, scopes []string, o Options) (*okta.Client, error) {
	oc := cfg.OktaConfig()
	if len(oc.Scopes) == 0 && oc.ClientID != "" {
		oc.Scopes = scopes
	}
	oc.HTTPClient, oc.Clock, oc.Logger, oc.UserAgent = o.HTTPClient, o.Clock, o.Logger, o.UserAgent
	c, err := okta.New(oc)
	if err != nil {
		return nil, fmt.Errorf("configuring the Okta client: %w", err)
	}
	return c, nil
}

// Check emits CONNECTION_STATUS: SUCCEEDED when Okta accepts the
// credentials for a one-user listing (source-okta checks the users
// stream), FAILED with the reason otherwise. The error is nil either way
// unless the message cannot be written.
func Check(ctx context.Context, cfg Config, o Options) error {
	o.setDefaults()
	status := ConnectionStatus{Status: "SUCCEEDED"}
	client, err := newClient(cfg, streams.Scopes(streams.All()), o)
	if err == nil {
		_, err = client.Get(ctx, "/api/v1/users?limit=1")
		if err != nil {
			err = fmt.Errorf("listing users at %s: %w", client.BaseURL(), err)
		}
	}
	if err != nil {
		status = ConnectionStatus{Status: "FAILED", Message: err.Error()}
	}
	return o.Emitter.Emit(Message{Type: TypeConnectionStatus, ConnectionStatus: &status})
}

// ErrStreamsFailed is returned by Read when a stream did not complete (its
// error is in a TRACE message).
var ErrStreamsFailed = errors.New("airbyte read: streams failed")

// Read runs the configured streams through extract and emits their
// records, states and stream statuses: STARTED for every stream first,
// RUNNING before its first record, then COMPLETE, or an error trace and
// INCOMPLETE. Incremental streams start from state (else the start date);
// full-refresh streams read everything.
func Read(ctx context.Context, cfg Config, catalog *ConfiguredCatalog, state map[string]extract.StreamState, o Options) error {
	o.setDefaults()
	sel, err := catalog.resolve()
	if err != nil {
		return err
	}
	em := o.Emitter
	var all []streams.Stream
	all = append(append(all, sel.incremental...), sel.full...)
	client, err := newClient(cfg, streams.Scopes(all), o)
	if err != nil {
		return err
	}

	const prefix, namespace = "data", "okta"
	store := newMessageStore(em, prefix, namespace)
	doc := extract.State{Streams: map[string]extract.StreamState{}}
	for _, s := range sel.incremental {
		if ss, ok := state[s.Name]; ok {
			doc.Streams[s.Name] = ss
		}
	}
	seed, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encoding the input state: %w", err)
	}
	if err := store.seedState(seed); err != nil {
		return err
	}

	for _, name := range sel.names {
		if err := em.StreamStatus(name, StatusStarted); err != nil {
			return err
		}
	}
	failed := 0
	for _, group := range []struct {
		streams []streams.Stream
		full    bool
	}{{sel.incremental, false}, {sel.full, true}} {
		if len(group.streams) == 0 {
			continue
		}
		sum, err := extract.Run(ctx, extract.Config{
			Client: client, Store: store, Prefix: prefix, Namespace: namespace,
			Envelope: lake.Raw, MaxFileSize: objectSize, Streams: group.streams,
			FullRefresh: group.full, StartDate: cfg.Start(), Clock: o.Clock, Logger: o.Logger,
			NoKeyIndex: true, // Airbyte keeps only the state between reads
		})
		if sum == nil {
			// The run did not start (a bad start date, a state it cannot use).
			for _, s := range group.streams {
				if e := streamFailed(em, s.Name, err); e != nil {
					return e
				}
				failed++
			}
			continue
		}
		for _, st := range sum.Streams {
			if st.Err != nil {
				if e := streamFailed(em, st.Stream, st.Err); e != nil {
					return e
				}
				failed++
				continue
			}
			if !group.full {
				if err := store.confirmState(st.Stream); err != nil {
					return err
				}
			}
			if err := em.StreamStatus(st.Stream, StatusComplete); err != nil {
				return err
			}
		}
		if err != nil { // interrupted
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%w: %d of %d", ErrStreamsFailed, failed, len(sel.names))
	}
	return nil
}

// objectSize is the compressed size at which extract hands an object over,
// so records flow out as a stream is read and a run holds at most this
// much of them.
const objectSize = 4 << 20

func streamFailed(em *Emitter, stream string, err error) error {
	kind := FailureSystem
	var se *okta.Error
	var oe *okta.OAuthError
	if errors.As(err, &oe) {
		kind = FailureConfig
	}
	if errors.As(err, &se) {
		switch {
		case se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden:
			kind = FailureConfig
		case se.Status == http.StatusTooManyRequests || se.Status >= 500:
			kind = FailureTransient
		}
	}
	if e := em.Error(kind, fmt.Sprintf("stream %s failed: %v", stream, err), err.Error(), stream); e != nil {
		return e
	}
	return em.StreamStatus(stream, StatusIncomplete)
}
