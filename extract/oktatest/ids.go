package oktatest

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"strings"
)

// Entity kinds, mixed into every hash so that user 3 and group 3 draw
// unrelated values.
const (
	kindUser uint64 = iota + 1
	kindGroup
	kindApp
	kindRole
	kindResourceSet
	kindLog
	kindAssignment
	kindOrg
	kindFault
	kindUserType
	kindGroupAssignment
	kindAppUser
	kindGrant
	kindGroupRule
	kindDevice
	kindAuthenticator
)

// rng is a splitmix64 stream: cheap, seedable per entity, and stable across
// Go releases (math/rand's streams are not guaranteed to be).
type rng struct{ state uint64 }

func newRNG(seed int64, kind uint64, index int) *rng {
	r := &rng{state: uint64(seed)*0x9E3779B97F4A7C15 ^ kind<<56 ^ uint64(index)*0xD1B54A32D192ED03}
	r.next()
	return r
}

func (r *rng) next() uint64 {
	r.state += 0x9E3779B97F4A7C15
	z := r.state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// intn returns a value in [0, n); n must be positive.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// float returns a value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// pick returns one element of xs.
func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

// hash64 mixes values into one deterministic 64-bit number.
func hash64(seed int64, kind uint64, parts ...int) uint64 {
	r := &rng{state: uint64(seed) ^ kind*0xA24BAED4963EE407}
	h := r.next()
	for _, p := range parts {
		r.state ^= uint64(p) * 0x9FB21C651E98DF25
		h ^= r.next()
	}
	return h
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Okta IDs are 20 characters: a 3-character type prefix and 17 characters
// of base62. Ours put a scrambled index in the first 6 of those so an ID
// decodes back to its index without a lookup table; the other 11 come from
// the hash of (seed, kind, index) and make forged IDs fail to decode.
const (
	idIndexChars = 6
	idSpace      = 62 * 62 * 62 * 62 * 62 * 62 // 62^6
	idMul        = 19_175_536_571              // coprime with 62^6: a bijection
)

// idMulInverse is idMul's inverse modulo 62^6, so decoding undoes encoding.
const idMulInverse = 28_923_884_467

// mulMod returns a*b mod m without overflowing.
func mulMod(a, b, m uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	_, rem := bits.Div64(hi%m, lo, m)
	return rem
}

// idOffset shifts the encoded index by a per-org, per-kind amount so that
// low indexes do not read as runs of zeros.
func idOffset(seed int64, kind uint64) uint64 { return hash64(seed, kind, -1) % idSpace }

// makeID builds the Okta-style ID of entity index i of the given kind.
func makeID(prefix string, seed int64, kind uint64, i int) string {
	var b strings.Builder
	b.Grow(20)
	b.WriteString(prefix)
	v := int64((mulMod(uint64(i), idMul, idSpace) + idOffset(seed, kind)) % idSpace)
	var digits [idIndexChars]byte
	for k := idIndexChars - 1; k >= 0; k-- {
		digits[k] = base62[v%62]
		v /= 62
	}
	b.Write(digits[:])
	h := hash64(seed, kind, i)
	for k := 0; k < 20-len(prefix)-idIndexChars; k++ {
		b.WriteByte(base62[h%62])
		h /= 62
		if h == 0 {
			h = hash64(seed, kind, i, k)
		}
	}
	return b.String()
}

// parseID returns the index encoded in id, or -1 when id is not an ID this
// org issued for kind.
func parseID(id, prefix string, seed int64, kind uint64) int {
	if len(id) != 20 || !strings.HasPrefix(id, prefix) {
		return -1
	}
	var v int64
	for k := 0; k < idIndexChars; k++ {
		d := strings.IndexByte(base62, id[len(prefix)+k])
		if d < 0 {
			return -1
		}
		v = v*62 + int64(d)
	}
	i := int(mulMod((uint64(v)+idSpace-idOffset(seed, kind))%idSpace, idMulInverse, idSpace))
	if makeID(prefix, seed, kind, i) != id {
		return -1
	}
	return i
}

// makeUUID formats a deterministic version-4 UUID.
func makeUUID(seed int64, kind uint64, i int) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], hash64(seed, kind, i, 1))
	binary.BigEndian.PutUint64(b[8:], hash64(seed, kind, i, 2))
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// randomChars returns n deterministic base62 characters.
func randomChars(r *rng, n int) string {
	b := make([]byte, n)
	for k := range b {
		b[k] = base62[r.intn(62)]
	}
	return string(b)
}
