// Package ratelimit holds HTTP clients to rates: so many requests per
// second, hour or day, per client IP, user, API key or OAuth client, with
// the answers an API client can act on (429 with Retry-After, and the IETF
// RateLimit-Policy and RateLimit headers).
//
// # Algorithm
//
// Limits use the generic cell rate algorithm (GCRA): a [Limit] is a rate
// plus a burst, and each key keeps a single timestamp, its theoretical
// arrival time. There are no windows to reset, so no double allowance at a
// window boundary, and state is O(1) per key. With the default burst
// (Burst 0 means Burst = Rate), "100/h" admits exactly 100 requests at
// once, then one every 36 seconds.
//
// # Backends
//
// A [Backend] decides and stores state. [Memory] keeps it in this process,
// sharded and bounded (a flood of distinct keys cannot grow it past its
// capacity; see Memory for what is evicted). [Redis] keeps it in Redis, so
// that every rampart node sharing the server enforces one limit: each
// decision is one atomic Lua script on the server's clock. [Fallback] puts
// Redis in front of Memory behind a circuit breaker, so that a Redis outage
// turns into local limits (fail_open) or 503 (fail_closed), logged once and
// recovered from by itself.
//
// Several limits of one request are decided together: the request is
// admitted only if every limit admits it, and a request refused by one limit
// uses up none of the others. A client hammering its per-second limit does
// not burn its daily quota with refused requests.
//
// # Middleware
//
// [Middleware] applies a list of [Policy] values to a handler. Each policy
// says what to count by with a required [KeyFunc] ([ByIP], [BySubject],
// [ByClientID], [ByHeader], combined with [All] and [FirstOf]); there is
// no default key, because keying on the wrong thing is how limits fail.
// The client IP comes from package clientip, decided once at the entry
// point from trusted proxies, never from a header the client controls. A
// policy whose key function finds nothing to key on (no identity before
// authentication) is skipped for that request.
//
// The RateLimit-Policy and RateLimit headers follow
// draft-ietf-httpapi-ratelimit-headers-10, with the quota q being the burst
// and the window w the time it takes to refill.
package ratelimit
