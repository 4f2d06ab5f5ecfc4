// Package airbyte speaks the Airbyte source protocol (spec, check, discover,
// read) on top of extract: messages are JSON lines on stdout as the
// protocol's AirbyteMessage describes them, so oktalake can be added to an
// Airbyte workspace as a custom source with source-okta's configuration.
package airbyte

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Message types (AirbyteMessage.type).
const (
	TypeRecord           = "RECORD"
	TypeState            = "STATE"
	TypeLog              = "LOG"
	TypeSpec             = "SPEC"
	TypeConnectionStatus = "CONNECTION_STATUS"
	TypeCatalog          = "CATALOG"
	TypeTrace            = "TRACE"
)

// Stream statuses (AirbyteStreamStatus).
const (
	StatusStarted    = "STARTED"
	StatusRunning    = "RUNNING"
	StatusComplete   = "COMPLETE"
	StatusIncomplete = "INCOMPLETE"
)

// Failure types of an error trace (AirbyteErrorTraceMessage.failure_type).
const (
	FailureSystem    = "system_error"
	FailureConfig    = "config_error"
	FailureTransient = "transient_error"
)

// Message is one AirbyteMessage: Type says which one other field is set.
type Message struct {
	Type             string            `json:"type"`
	Log              *LogMessage       `json:"log,omitempty"`
	Spec             *Spec             `json:"spec,omitempty"`
	ConnectionStatus *ConnectionStatus `json:"connectionStatus,omitempty"`
	Catalog          *Catalog          `json:"catalog,omitempty"`
	Record           *RecordMessage    `json:"record,omitempty"`
	State            *StateMessage     `json:"state,omitempty"`
	Trace            *TraceMessage     `json:"trace,omitempty"`
}

// LogMessage is AirbyteLogMessage.
type LogMessage struct {
	Level   string `json:"level"`
	Message string `json:"message"`
}

// ConnectionStatus is AirbyteConnectionStatus: SUCCEEDED or FAILED.
type ConnectionStatus struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// RecordMessage is AirbyteRecordMessage.
type RecordMessage struct {
	Stream string          `json:"stream"`
	Data   json.RawMessage `json:"data"`
	// EmittedAt is epoch milliseconds.
	EmittedAt int64 `json:"emitted_at"`
}

// StateMessage is AirbyteStateMessage of type STREAM.
type StateMessage struct {
	Type        string       `json:"type"`
	Stream      *StreamState `json:"stream"`
	SourceStats *StateStats  `json:"sourceStats,omitempty"`
}

// StreamState is AirbyteStreamState.
type StreamState struct {
	StreamDescriptor StreamDescriptor `json:"stream_descriptor"`
	StreamState      json.RawMessage  `json:"stream_state,omitempty"`
}

// StreamDescriptor names a stream.
type StreamDescriptor struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

// StateStats is AirbyteStateStats: the records a state message covers.
type StateStats struct {
	RecordCount float64 `json:"recordCount"`
}

// TraceMessage is AirbyteTraceMessage (ERROR or STREAM_STATUS).
type TraceMessage struct {
	Type string `json:"type"`
	// EmittedAt is epoch milliseconds.
	EmittedAt    float64            `json:"emitted_at"`
	Error        *ErrorTrace        `json:"error,omitempty"`
	StreamStatus *StreamStatusTrace `json:"stream_status,omitempty"`
}

// ErrorTrace is AirbyteErrorTraceMessage.
type ErrorTrace struct {
	Message          string            `json:"message"`
	InternalMessage  string            `json:"internal_message,omitempty"`
	FailureType      string            `json:"failure_type,omitempty"`
	StreamDescriptor *StreamDescriptor `json:"stream_descriptor,omitempty"`
}

// StreamStatusTrace is AirbyteStreamStatusTraceMessage.
type StreamStatusTrace struct {
	StreamDescriptor StreamDescriptor `json:"stream_descriptor"`
	Status           string           `json:"status"`
}

// Emitter writes messages, one JSON line each, from any goroutine.
type Emitter struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
	err error
}

// NewEmitter writes to w, stamping messages with now.
func NewEmitter(w io.Writer, now func() time.Time) *Emitter {
	if now == nil {
		now = time.Now
	}
	return &Emitter{w: w, now: now}
}

// Emit writes m. After a failed write every later Emit fails the same way.
func (e *Emitter) Emit(m Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding %s message: %w", m.Type, err)
	}
	b = append(b, '\n')
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err != nil {
		return e.err
	}
	if _, err := e.w.Write(b); err != nil {
		e.err = fmt.Errorf("writing %s message: %w", m.Type, err)
	}
	return e.err
}

func (e *Emitter) millis() int64 { return e.now().UnixMilli() }

// Record emits one record of stream.
func (e *Emitter) Record(stream string, data json.RawMessage) error {
	return e.Emit(Message{Type: TypeRecord, Record: &RecordMessage{Stream: stream, Data: data, EmittedAt: e.millis()}})
}

// State emits stream's state, covering records emitted before it.
func (e *Emitter) State(stream string, state json.RawMessage, records int64) error {
	return e.Emit(Message{Type: TypeState, State: &StateMessage{Type: "STREAM",
		Stream:      &StreamState{StreamDescriptor: StreamDescriptor{Name: stream}, StreamState: state},
		SourceStats: &StateStats{RecordCount: float64(records)}}})
}

// Log emits a log line at level (FATAL, ERROR, WARN, INFO, DEBUG, TRACE).
func (e *Emitter) Log(level, msg string) error {
	return e.Emit(Message{Type: TypeLog, Log: &LogMessage{Level: level, Message: msg}})
}

// StreamStatus emits a stream-status trace.
func (e *Emitter) StreamStatus(stream, status string) error {
	return e.Emit(Message{Type: TypeTrace, Trace: &TraceMessage{Type: "STREAM_STATUS", EmittedAt: float64(e.millis()),
		StreamStatus: &StreamStatusTrace{StreamDescriptor: StreamDescriptor{Name: stream}, Status: status}}})
}

// Error emits an error trace; stream is "" when the error is not one
// stream's.
func (e *Emitter) Error(failureType, msg, internal, stream string) error {
	et := &ErrorTrace{Message: msg, InternalMessage: internal, FailureType: failureType}
	if stream != "" {
		et.StreamDescriptor = &StreamDescriptor{Name: stream}
	}
	return e.Emit(Message{Type: TypeTrace, Trace: &TraceMessage{Type: "ERROR", EmittedAt: float64(e.millis()), Error: et}})
}
