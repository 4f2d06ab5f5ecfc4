// Package oktatest serves a simulated Okta org over HTTP, the way
// net/http/httptest serves a handler: deterministic synthetic data generated
// lazily from a seed, Okta's pagination (Link headers, opaque cursors, page
// caps), System Log polling and bounded queries, SSWS and OAuth 2.0
// private-key-JWT authentication, per-bucket rate limits with Okta's headers
// and 429s, latency and fault injection.
//
// The org is never materialised: every user, group, app and log event is a
// pure function of (seed, index), so a 100k-user, 1M-event org costs a few
// kilobytes plus whatever mutations a test makes through the overlay methods
// (UpdateUser, AddUser, TouchGroup, AddLogEvent).
package oktatest
