// Package oktatest serves a simulated Okta org over HTTP, the way
// net/http/httptest serves a handler: deterministic synthetic data generated
// lazily from a seed, Okta's pagination (Link headers, opaque cursors, page
// caps), System Log polling and bounded queries, SSWS and OAuth 2.0
// private-key-JWT authentication (with DPoP when Options.DPoP asks for it:
// proofs verified by the simulator's own JWT code, nonce challenges),
// group rules, user types, the user schema, devices and authenticators,
// per-bucket rate limits with Okta's headers
// and 429s, latency and fault injection.
//
// The org is never materialised: every user, group, app and log event is a
// pure function of (seed, index), so a 100k-user, 1M-event org costs a few
// kilobytes plus whatever mutations a test makes through the overlay
// methods. Those change the org the way an admin would (UpdateUser,
// AddUser, DeleteUser, DeleteGroup, DeleteApp, Add/RemoveGroupMember,
// app assignments, role grants …), visible through the API at once, and
// write the System Log events Okta writes for them (Org.Events). Count and
// IDs say what a full extract must then yield. filter and q on
// /api/v1/logs select events the way Okta's System Log does.
package oktatest
