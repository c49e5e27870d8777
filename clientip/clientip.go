package clientip

import (
	"fmt"
	"iter"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Header names the forwarding header a Resolver reads when the socket peer is
// a trusted proxy. Its zero value is XForwardedFor.
type Header int

// The forwarding headers a Resolver can read.
const (
	// XForwardedFor reads X-Forwarded-For: a comma-separated list of
	// addresses, the right-most appended by the nearest proxy. Entries may
	// carry a port ("192.0.2.1:4711", "[2001:db8::1]:4711").
	XForwardedFor Header = iota
	// Forwarded reads the RFC 7239 Forwarded header and uses the for=
	// parameter of each element.
	Forwarded
)

// String returns the header's canonical field name.
func (h Header) String() string {
	switch h {
	case XForwardedFor:
		return "X-Forwarded-For"
	case Forwarded:
		return "Forwarded"
	}
	return fmt.Sprintf("Header(%d)", int(h))
}

// Resolver decides the client IP of requests. It is safe for concurrent use.
//
// The zero value, and a nil *Resolver, trust no proxy: IP returns the socket
// peer and headers are never read.
type Resolver struct {
	trusted []netip.Prefix
	header  Header
}

// New returns a Resolver that believes header only when the socket peer is
// within one of the trusted prefixes, and skips addresses within them while
// walking the header from the right. The caller states which header its
// proxies maintain; see the package documentation for why there is no
// "whichever is present".
//
// Prefixes are masked (10.1.2.3/8 is 10.0.0.0/8), and IPv4-mapped IPv6
// prefixes are rejected (write 192.0.2.0/24, not ::ffff:192.0.2.0/120):
// addresses are compared after normalising to IPv4. An empty list trusts no
// one. New returns an error for an invalid prefix or an unknown header.
func New(trusted []netip.Prefix, header Header) (*Resolver, error) {
	if header != XForwardedFor && header != Forwarded {
		return nil, fmt.Errorf("clientip: unknown header %v", header)
	}
	r := &Resolver{header: header, trusted: make([]netip.Prefix, 0, len(trusted))}
	for _, p := range trusted {
		if !p.IsValid() {
			return nil, fmt.Errorf("clientip: invalid trusted prefix %q", p)
		}
		if p.Addr().Is4In6() {
			return nil, fmt.Errorf("clientip: trusted prefix %s is IPv4-mapped IPv6; write it as IPv4", p)
		}
		if p.Addr().Zone() != "" {
			return nil, fmt.Errorf("clientip: trusted prefix %s has a zone", p)
		}
		r.trusted = append(r.trusted, p.Masked())
	}
	return r, nil
}

// ParsePrefixes parses configuration values into prefixes for New. Each value
// is a CIDR prefix ("10.0.0.0/8", "2001:db8::/32") or a single address
// ("192.0.2.7", meaning /32 or /128). Every invalid value is reported.
func ParsePrefixes(values []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(values))
	var bad []string
	for _, v := range values {
		v = strings.TrimSpace(v)
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%q", v))
				continue
			}
			out = append(out, p)
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" {
			bad = append(bad, fmt.Sprintf("%q", v))
			continue
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("clientip: invalid trusted proxy address or CIDR: %s", strings.Join(bad, ", "))
	}
	return out, nil
}

// Trusted reports whether addr is within a trusted prefix.
func (r *Resolver) Trusted(addr netip.Addr) bool {
	if r == nil || !addr.IsValid() {
		return false
	}
	addr = normalize(addr)
	for _, p := range r.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// IP returns the client address of req: the socket peer, or, when the peer is
// a trusted proxy, the right-most address in the configured header that is
// not a trusted proxy. It returns the zero netip.Addr only when RemoteAddr is
// not an IP address (a Unix socket, a test that did not set it).
//
// IP parses on every call; handlers should use [From] behind
// [Resolver.Middleware] instead.
func (r *Resolver) IP(req *http.Request) netip.Addr {
	peer := PeerIP(req)
	if !r.Trusted(peer) {
		return peer
	}
	if r.header == Forwarded {
		return r.walk(peer, forwardedHops(req.Header.Values("Forwarded")))
	}
	return r.walk(peer, xffHops(req.Header.Values("X-Forwarded-For")))
}

// walk returns the first hop from the right that is not trusted, stopping at
// the first unusable hop with the last trusted address seen.
func (r *Resolver) walk(peer netip.Addr, hops iter.Seq[netip.Addr]) netip.Addr {
	last := peer
	for a := range hops {
		if !a.IsValid() {
			return last
		}
		if !r.Trusted(a) {
			return a
		}
		last = a
	}
	return last
}

// PeerIP returns the socket peer of req, parsed from RemoteAddr ("ip:port"
// or a bare IP) and normalised, or the zero netip.Addr when RemoteAddr is not
// an IP address. It never reads a header.
func PeerIP(req *http.Request) netip.Addr {
	s := req.RemoteAddr
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return normalize(ap.Addr())
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return normalize(a)
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(host); err == nil {
			return normalize(a)
		}
	}
	return netip.Addr{}
}

// normalize unmaps IPv4-mapped IPv6 and drops IPv6 zones.
func normalize(a netip.Addr) netip.Addr {
	return a.Unmap().WithZone("")
}
