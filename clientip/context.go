package clientip

import (
	"context"
	"net/http"
	"net/netip"
)

type ctxKey struct{}

// NewContext returns a context carrying addr as the decided client IP.
func NewContext(ctx context.Context, addr netip.Addr) context.Context {
	return context.WithValue(ctx, ctxKey{}, addr)
}

// FromContext returns the client IP that [Resolver.Middleware] (or
// NewContext) stored in ctx. ok is false when none was stored.
func FromContext(ctx context.Context) (addr netip.Addr, ok bool) {
	addr, ok = ctx.Value(ctxKey{}).(netip.Addr)
	return addr, ok
}

// From returns the client IP decided for r: the one stored by
// [Resolver.Middleware], or, when the request did not pass through it, the
// socket peer (never a header). The result is the zero netip.Addr only when
// neither is an IP address.
func From(r *http.Request) netip.Addr {
	if a, ok := FromContext(r.Context()); ok {
		return a
	}
	return PeerIP(r)
}

// Middleware decides the client IP of each request with IP and stores it in
// the request context, where [From] and [FromContext] find it. It decides
// once: a request whose context already carries a client IP (an outer
// Middleware ran) is passed on unchanged.
func (r *Resolver) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, ok := FromContext(req.Context()); ok {
			next.ServeHTTP(w, req)
			return
		}
		next.ServeHTTP(w, req.WithContext(NewContext(req.Context(), r.IP(req))))
	})
}

// Subscriber is the block of addresses one client is counted as: the
// address itself for IPv4, its /64 for IPv6 (one subscriber commonly holds a
// whole /64 and could otherwise rotate through 2^64 addresses). It returns
// "" for an invalid address. Rate limits, login lockouts and the
// brute-force detector all count clients this way.
func Subscriber(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
