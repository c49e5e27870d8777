package clientip

import (
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// checkHop fails t unless a is the zero Addr or a normalised address.
func checkHop(t *testing.T, a netip.Addr) {
	t.Helper()
	if a.IsValid() && (a.Is4In6() || a.Zone() != "") {
		t.Fatalf("hop %v is not normalised", a)
	}
}

func FuzzXForwardedFor(f *testing.F) {
	for _, s := range []string{
		"203.0.113.9", "1.2.3.4, 203.0.113.9, 10.0.0.1", "[2001:db8::1]:80, ::ffff:1.2.3.4",
		",,", "fe80::1%eth0", "garbage", "1.2.3.4:99999", "[::1]", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var hops []netip.Addr
		for a := range xffHops([]string{line}) {
			checkHop(t, a)
			hops = append(hops, a)
		}
		// Every element that is a plain address must come back as that address.
		var want []netip.Addr
		for _, e := range strings.Split(line, ",") {
			if a, err := netip.ParseAddr(trimOWS(e)); err == nil {
				want = append(want, normalize(a))
			}
		}
		for _, a := range want {
			if !slices.Contains(hops, a) {
				t.Fatalf("%q: address %v missing from hops %v", line, a, hops)
			}
		}
		checkResolver(t, XForwardedFor, "X-Forwarded-For", line, hops)
	})
}

func FuzzForwarded(f *testing.F) {
	for _, s := range []string{
		`for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"`,
		`for=_hidden, for=unknown`, `For="203.0.113.9:_p1"`, `for="1.2.3.4`, `for="[2001:db8::\1]"`,
		`for=1.2.3.4;for=5.6.7.8`, `;;,,;`, `for=203.0.113.9;x="a,b", for=10.0.0.1`, `for="\`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var hops []netip.Addr
		for a := range forwardedHops([]string{line}) {
			checkHop(t, a)
			hops = append(hops, a)
		}
		if n := strings.Count(line, ",") + 1; len(hops) > n {
			t.Fatalf("%q: %d hops from %d list elements", line, len(hops), n)
		}
		checkResolver(t, Forwarded, "Forwarded", line, hops)
	})
}

// checkResolver resolves a request carrying line from a trusted and from an
// untrusted peer and checks the invariants: an untrusted peer is always the
// answer; otherwise the answer is the peer or one of the parsed hops, and
// never a hop left of an unusable one. hops are in walk order.
func checkResolver(t *testing.T, h Header, name, line string, hops []netip.Addr) {
	t.Helper()
	r, err := New([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, h)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set(name, line)
	req.RemoteAddr = "198.51.100.1:1"
	if got := r.IP(req); got != netip.MustParseAddr("198.51.100.1") {
		t.Fatalf("%q: untrusted peer resolved to %v", line, got)
	}
	req.RemoteAddr = "10.0.0.1:1"
	got := r.IP(req)
	if got == netip.MustParseAddr("10.0.0.1") {
		return
	}
	// hops is right to left, as the walk sees them; it may only use those
	// before the first unusable one.
	usable := hops
	for i, a := range hops {
		if !a.IsValid() {
			usable = hops[:i]
			break
		}
	}
	if !slices.Contains(usable, got) {
		t.Fatalf("%q: resolved to %v, not among usable hops %v", line, got, usable)
	}
}
