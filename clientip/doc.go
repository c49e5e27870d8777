// Package clientip decides which IP address an HTTP request came from, once,
// at the entry point, so that rate limits, audit events, access logs and
// authorization rules all read the same answer.
//
// The answer is the socket peer (http.Request.RemoteAddr) unless that peer is
// a trusted proxy, named by CIDR prefixes in configuration. Only then is a
// forwarding header read, and it is read from the right: each trusted proxy
// appends the address it received the request from, so the right-most
// entries are the ones trusted proxies wrote, and everything to the left of
// the first untrusted address is whatever the client chose to send. The
// resolver skips trusted proxies from the right and returns the first
// address that is not one of them. The left-most X-Forwarded-For value is
// never trusted: any client can put anything there.
//
// # One header, chosen by configuration
//
// A Resolver reads exactly one header: X-Forwarded-For or the standard
// Forwarded header of RFC 7239, whichever the trusted proxies in front of it
// maintain; the other header is ignored entirely, even when it is present. It
// cannot be otherwise: a proxy that appends to X-Forwarded-For usually passes
// a client's own Forwarded header through untouched (and the other way
// round), so a resolver that preferred whichever header was present would let
// a client choose its own address by sending the header the proxy does not
// maintain. Most proxies and load balancers (nginx, HAProxy, Envoy, Traefik,
// Caddy, cloud load balancers) append X-Forwarded-For, which is why it is the
// zero value of [Header].
//
// # Malformed and hidden values
//
// When the walk from the right meets a value it cannot parse, an obfuscated
// RFC 7239 identifier ("_hidden") or "unknown", it stops and returns the last
// trusted hop it passed (the peer itself when the right-most value is the bad
// one): the address of a proxy we trust, never a value that came from the
// client's side of the chain. When every hop is trusted, the left-most one is
// returned.
//
// Addresses are normalised: IPv4-mapped IPv6 addresses become IPv4
// (::ffff:192.0.2.1 is 192.0.2.1) and IPv6 zones are dropped, so one client
// has one spelling.
//
// # Use
//
// Put [Resolver.Middleware] first in the chain. Everything after it calls
// [From] (or [FromContext]) and never parses headers or RemoteAddr itself.
package clientip
