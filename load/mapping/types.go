package mapping

import (
	"log/slog"
	"time"
)

// Dialect names the mapping language of a file.
type Dialect string

// The two mapping dialects.
const (
	// Webhook is Port's webhook/S3 mapping: a JSON array of mappings.
	Webhook Dialect = "webhook"
	// Ocean is an Ocean integration's port-app-config YAML (resources:).
	Ocean Dialect = "ocean"
)

// Default limits applied by Options.SetDefaults.
const (
	DefaultTimeout       = time.Second
	DefaultMaxValueBytes = 1 << 20
	DefaultMaxEvalBytes  = 128 << 20
)

// Options tune a Mapping. The zero value is usable.
type Options struct {
	// Timeout bounds the jq evaluation of one record across all mappings
	// (default 1s), so `repeat(1)` or `[range(1e12)]` cannot stall the loader.
	Timeout time.Duration
	// MaxValueBytes bounds the approximate JSON size of one value computed by jq
	// (default 1 MiB; negative disables the check); a bigger value is an error.
	MaxValueBytes int
	// MaxEvalBytes bounds the memory of one record's jq evaluation
	// (default 128 MiB; negative disables it): no single step may build a
	// value bigger than this (a string repeated, two strings or arrays
	// added, a value encoded, joined, added up or flattened), and an
	// evaluation that grows the heap by more is stopped, its record
	// dead-lettered like a timed-out one.
	MaxEvalBytes int
	// Logger receives start-up warnings (ignored Ocean selector options,
	// single-quote fallbacks). Default slog.Default().
	Logger *slog.Logger
}

// SetDefaults fills zero fields with their defaults.
func (o *Options) SetDefaults() {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxValueBytes == 0 {
		o.MaxValueBytes = DefaultMaxValueBytes
	}
	if o.MaxEvalBytes == 0 {
		o.MaxEvalBytes = DefaultMaxEvalBytes
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Result is what one record turned into.
type Result struct {
	// Entities to upsert, in mapping order.
	Entities []Entity `json:"entities,omitempty"`
	// Deletes requested by mappings whose operation is delete.
	Deletes []Delete `json:"deletes,omitempty"`
	// Rejected entities: they broke Port's identifier rule or lacked a
	// blueprint; they must not be sent.
	Rejected []Rejection `json:"rejected,omitempty"`
	// Errors from jq (the field took null) and from filters that were not booleans.
	Errors []EvalError `json:"errors,omitempty"`
	// Interrupted says why evaluation stopped early (the record's time budget
	// ran out, or ctx was cancelled): the result is incomplete and the record
	// must be retried or kept, not taken as mapped.
	Interrupted string `json:"interrupted,omitempty"`
}

// Entity is one Port entity produced by a mapping.
type Entity struct {
	// MappingIndex is the position of the producing mapping (or Ocean resource).
	MappingIndex int `json:"mappingIndex"`
	// Blueprint is the target blueprint identifier.
	Blueprint string `json:"blueprint"`
	// Identifier is a string, or a search query object ({combinator, rules})
	// whose jq leaves have been evaluated, as Port accepts for identifiers.
	Identifier any `json:"identifier"`
	// Title, Icon and Team are the first outputs of their expressions (nil when unset).
	Title any `json:"title,omitempty"`
	Icon  any `json:"icon,omitempty"`
	Team  any `json:"team,omitempty"`
	// Properties and Relations map names to values; relation values may be
	// identifiers, arrays of them, or search query objects.
	Properties map[string]any `json:"properties"`
	Relations  map[string]any `json:"relations"`
	// CreateMissingRelated carries Ocean's createMissingRelatedEntities (nil when unset).
	CreateMissingRelated *bool `json:"createMissingRelatedEntities,omitempty"`
}

// Delete asks for an entity to be deleted (operation "delete").
type Delete struct {
	MappingIndex int    `json:"mappingIndex"`
	Blueprint    string `json:"blueprint"`
	// Identifier is a string or a search query object, as for Entity.
	Identifier any `json:"identifier"`
	// DeleteDependents is the operation's deleteDependents flag.
	DeleteDependents bool `json:"deleteDependents"`
}

// Rejection is an entity (or delete) that must not be sent, and why.
type Rejection struct {
	MappingIndex int    `json:"mappingIndex"`
	Entity       Entity `json:"entity"`
	Reason       string `json:"reason"`
}

// EvalError is a jq failure while mapping one record.
type EvalError struct {
	// MappingIndex is the mapping's position, or -1 for record-level errors.
	MappingIndex int `json:"mappingIndex"`
	// Field is the mapping field, such as "filter" or "entity.properties.email".
	Field string `json:"field"`
	// Err is gojq's message (or the reason a filter was not applied).
	Err string `json:"error"`
}

// Error formats the failure as mapping[i].field: message.
func (e EvalError) Error() string {
	return "mapping[" + itoa(e.MappingIndex) + "]." + e.Field + ": " + e.Err
}
