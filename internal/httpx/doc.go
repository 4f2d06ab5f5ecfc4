// Package httpx is the HTTP toolkit both API clients share: one backoff,
// the retry policy's table type, a token cache that renews before expiry,
// and the same-origin redirect rule. Each client keeps its own table and
// loop, because Okta and Port answer differently; what they have in common
// lives here once.
package httpx
