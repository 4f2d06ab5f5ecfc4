package httpx

// Rule is one row of a retry policy: when Match holds for an attempt's
// outcome O, the client takes Action A.
type Rule[O, A any] struct {
	// Name says why, in logs and in per-rule retry counts.
	Name string
	// Match reports whether the row applies to an outcome.
	Match func(O) bool
	// Action is what the client does then.
	Action A
	// MaxRetries caps this row's retries of one request; 0 leaves the
	// client's overall limit alone.
	MaxRetries int
}

// Unmatched is the Name of the rule Decide returns when no row matches.
const Unmatched = "unmatched"

// Policy is a retry policy as data, read top to bottom: the first row that
// matches decides, so specific rows go above general ones.
type Policy[O, A any] struct {
	// Rules are the rows, in order.
	Rules []Rule[O, A]
	// Otherwise is the action for an outcome no row matches.
	Otherwise A
}

// Decide returns the first rule that matches o, or a rule named Unmatched
// with the Otherwise action.
func (p Policy[O, A]) Decide(o O) Rule[O, A] {
	for _, r := range p.Rules {
		if r.Match(o) {
			return r
		}
	}
	return Rule[O, A]{Name: Unmatched, Action: p.Otherwise}
}

// Status matches outcomes whose HTTP status, as status reads it, lies in
// [from, to]: the usual shape of a row.
func Status[O any](status func(O) int, from, to int) func(O) bool {
	return func(o O) bool { s := status(o); return s >= from && s <= to }
}
