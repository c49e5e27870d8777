package ratelimit

import (
	"net/http"
	"strings"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/clientip"
)

// KeyFunc names the bucket a request is counted in: who is limited. ok is
// false when the request has nothing to key on (no identity yet, no such
// header); the policy is then skipped for that request.
//
// Keys end up in Redis and in memory: a KeyFunc must never return a secret
// (an API key, a bearer token, a password). The built-in ones use ids and
// addresses, and hash anything else. Each prefixes its kind ("ip:",
// "sub:", ...) so that keys of different kinds never collide.
type KeyFunc func(r *http.Request) (key string, ok bool)

// ByIP keys on the client IP decided by clientip ([clientip.From]): the
// address for IPv4 and its /64 for IPv6, since one IPv6 subscriber
// commonly holds a whole /64 and could otherwise rotate through 2^64 keys.
// The key is "ip:" + [clientip.Subscriber], so it names the same client
// as everything else that groups by subscriber (an IPv4-mapped IPv6
// address counts as its IPv4 address); a request whose client IP is
// unknown is keyed "ip:unknown", as with ByIPPrefix.
func ByIP() KeyFunc {
	return func(r *http.Request) (string, bool) {
		a := clientip.From(r)
		if !a.IsValid() {
			return "ip:unknown", true
		}
		return "ip:" + clientip.Subscriber(a), true
	}
}

// ByIPPrefix keys on the client IP decided by clientip, masked to v4Bits
// for IPv4 and v6Bits for IPv6. A request whose client IP is unknown (a
// Unix-socket peer) is keyed "ip:unknown": such requests share one bucket
// rather than escape the limit. ByIPPrefix panics unless 1 <= v4Bits <= 32
// and 1 <= v6Bits <= 128.
func ByIPPrefix(v4Bits, v6Bits int) KeyFunc {
	if v4Bits < 1 || v4Bits > 32 || v6Bits < 1 || v6Bits > 128 {
		panic("ratelimit.ByIPPrefix: prefix lengths out of range")
	}
	return func(r *http.Request) (string, bool) {
		a := clientip.From(r).Unmap()
		if !a.IsValid() {
			return "ip:unknown", true
		}
		bits := v4Bits
		if a.Is6() {
			bits = v6Bits
		}
		if bits == a.BitLen() {
			return "ip:" + a.String(), true
		}
		p, _ := a.Prefix(bits)
		return "ip:" + p.Masked().String(), true
	}
}

// BySubject keys on the authenticated subject (authn.Identity.Subject): a
// user, or the owner of an API key. Requests without an identity skip the
// policy, so put it after authentication and pair it with a ByIP policy
// before authentication.
func BySubject() KeyFunc {
	return func(r *http.Request) (string, bool) {
		id, ok := authn.FromContext(r.Context())
		if !ok || id.Subject == "" {
			return "", false
		}
		return "sub:" + safeComponent(id.Subject), true
	}
}

// ByClientID keys on authn.Identity.ClientID: the OAuth client a token was
// issued to, or the API key's id when the API-key verifier sets it there.
// Requests without one skip the policy.
func ByClientID() KeyFunc {
	return func(r *http.Request) (string, bool) {
		id, ok := authn.FromContext(r.Context())
		if !ok || id.ClientID == "" {
			return "", false
		}
		return "cid:" + safeComponent(id.ClientID), true
	}
}

// ByAPIKey keys on the id of the API key that authenticated the request
// (authn.Identity.KeyID), so each key has its own allowance even when one
// user holds several. Requests not authenticated by an API key skip the policy.
func ByAPIKey() KeyFunc {
	return func(r *http.Request) (string, bool) {
		id, ok := authn.FromContext(r.Context())
		if !ok || id.KeyID == "" {
			return "", false
		}
		return "key:" + safeComponent(id.KeyID), true
	}
}

// ByHeader keys on the value of the request header name (for example a
// tenant id set by a trusted upstream). The value is always hashed, so a
// header that carries a credential never reaches the store in clear; but a
// client can send any value, so key on a header only when something in
// front of rampart sets it. Requests without the header skip the policy.
func ByHeader(name string) KeyFunc {
	canon := http.CanonicalHeaderKey(name)
	return func(r *http.Request) (string, bool) {
		v := r.Header.Get(canon)
		if v == "" {
			return "", false
		}
		return "hdr:" + canon + ":" + hashKey(v), true
	}
}

// All keys on every one of fs together (for example one bucket per client
// per IP); it skips the policy when any of them has no key. All with no
// functions never has a key.
func All(fs ...KeyFunc) KeyFunc {
	return func(r *http.Request) (string, bool) {
		if len(fs) == 0 {
			return "", false
		}
		var b strings.Builder
		for i, f := range fs {
			k, ok := f(r)
			if !ok {
				return "", false
			}
			if i > 0 {
				b.WriteByte('|')
			}
			b.WriteString(k)
		}
		return b.String(), true
	}
}

// FirstOf keys on the first of fs that has a key (for example the subject
// when authenticated, else the IP); it skips the policy when none has.
func FirstOf(fs ...KeyFunc) KeyFunc {
	return func(r *http.Request) (string, bool) {
		for _, f := range fs {
			if k, ok := f(r); ok {
				return k, true
			}
		}
		return "", false
	}
}

// safeComponent returns s when it is short and made of characters that
// cannot be confused with key syntax, and its hash otherwise.
func safeComponent(s string) string {
	if len(s) > 64 {
		return hashKey(s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._-@+", c) >= 0) {
			return hashKey(s)
		}
	}
	return s
}
