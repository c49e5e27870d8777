package clientip

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func mustResolver(t *testing.T, h Header, cidrs ...string) *Resolver {
	t.Helper()
	ps, err := ParsePrefixes(cidrs)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(ps, h)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func request(remote string, header ...string) *http.Request {
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = remote
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	return req
}

func TestIP(t *testing.T) {
	t.Parallel()
	xff := mustResolver(t, XForwardedFor, "10.0.0.0/8", "2001:db8:1::/48")
	fwd := mustResolver(t, Forwarded, "10.0.0.0/8", "2001:db8:1::/48")
	const XFF, FWD = "X-Forwarded-For", "Forwarded"
	tests := []struct {
		name string
		r    *Resolver
		req  *http.Request
		want string // "" means the zero netip.Addr
	}{
		{"no header", xff, request("198.51.100.7:1234"), "198.51.100.7"},
		{"spoofed XFF from untrusted peer is ignored", xff,
			request("198.51.100.7:1234", XFF, "1.2.3.4"), "198.51.100.7"},
		{"spoofed Forwarded from untrusted peer is ignored", fwd,
			request("198.51.100.7:1234", FWD, "for=1.2.3.4"), "198.51.100.7"},
		{"one trusted proxy", xff,
			request("10.0.0.1:1234", XFF, "203.0.113.9"), "203.0.113.9"},
		{"two trusted proxies, client-sent prefix ignored", xff,
			request("10.0.0.2:1234", XFF, "1.2.3.4, 203.0.113.9, 10.0.0.1"), "203.0.113.9"},
		{"left-most is never trusted", xff,
			request("10.0.0.2:1234", XFF, "1.2.3.4, 203.0.113.9"), "203.0.113.9"},
		{"every hop trusted: the left-most", xff,
			request("10.0.0.2:1234", XFF, "10.9.9.9, 10.0.0.1"), "10.9.9.9"},
		{"trusted peer without header", xff, request("10.0.0.2:1234"), "10.0.0.2"},
		{"several header lines", xff,
			request("10.0.0.2:1234", XFF, "1.2.3.4", XFF, "203.0.113.9", XFF, "10.0.0.1"), "203.0.113.9"},
		{"empty list elements skipped", xff,
			request("10.0.0.2:1234", XFF, "203.0.113.9,, ,10.0.0.1,"), "203.0.113.9"},
		{"XFF entries with ports", xff,
			request("10.0.0.2:1234", XFF, "203.0.113.9:5555, 10.0.0.1:80"), "203.0.113.9"},
		{"garbage right-most: the peer", xff,
			request("10.0.0.2:1234", XFF, "203.0.113.9, garbage"), "10.0.0.2"},
		{"garbage after a trusted hop: that hop", xff,
			request("10.0.0.2:1234", XFF, "203.0.113.9, not-an-ip, 10.0.0.1"), "10.0.0.1"},
		{"garbage left of the client is never reached", xff,
			request("10.0.0.2:1234", XFF, "<script>, 203.0.113.9"), "203.0.113.9"},
		{"bare host name is garbage", xff,
			request("10.0.0.2:1234", XFF, "evil.example"), "10.0.0.2"},
		{"IPv6 peer and client", xff,
			request("[2001:db8:1::1]:443", XFF, "2001:db8:ffff::9"), "2001:db8:ffff::9"},
		{"IPv6 in brackets with port", xff,
			request("[2001:db8:1::1]:443", XFF, "[2001:db8:ffff::9]:4711"), "2001:db8:ffff::9"},
		{"IPv6 zone dropped", xff,
			request("10.0.0.2:1", XFF, "fe80::1%eth0"), "fe80::1"},
		{"IPv4-mapped peer is trusted as IPv4", xff,
			request("[::ffff:10.0.0.2]:1234", XFF, "203.0.113.9"), "203.0.113.9"},
		{"IPv4-mapped client is unmapped", xff,
			request("10.0.0.2:1234", XFF, "::ffff:203.0.113.9"), "203.0.113.9"},
		{"IPv4-mapped trusted hop is skipped", xff,
			request("10.0.0.2:1234", XFF, "203.0.113.9, ::ffff:10.0.0.1"), "203.0.113.9"},
		{"IPv4-mapped untrusted peer unmapped", xff,
			request("[::ffff:198.51.100.7]:1234", XFF, "1.2.3.4"), "198.51.100.7"},
		{"peer without port", xff, request("198.51.100.7"), "198.51.100.7"},
		{"unix socket peer", xff, request("@", XFF, "1.2.3.4"), ""},
		{"empty RemoteAddr", xff, request("", XFF, "1.2.3.4"), ""},
		{"XFF resolver ignores Forwarded", xff,
			request("10.0.0.2:1234", FWD, "for=1.2.3.4", XFF, "203.0.113.9"), "203.0.113.9"},
		{"Forwarded resolver ignores XFF", fwd,
			request("10.0.0.2:1234", XFF, "1.2.3.4", FWD, "for=203.0.113.9"), "203.0.113.9"},
		{"Forwarded resolver, only XFF present: the peer", fwd,
			request("10.0.0.2:1234", XFF, "1.2.3.4"), "10.0.0.2"},
		{"Forwarded RFC 7239 example", fwd,
			request("10.0.0.2:1234", FWD, `for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"`),
			"2001:db8:cafe::17"},
		{"Forwarded chain through two trusted proxies", fwd,
			request("10.0.0.2:1234", FWD, `for=1.2.3.4, for=203.0.113.9;proto=https, for=10.0.0.1`), "203.0.113.9"},
		{"Forwarded parameter names are case-insensitive", fwd,
			request("10.0.0.2:1234", FWD, `For="203.0.113.9:80"`), "203.0.113.9"},
		{"Forwarded quoted IPv4", fwd,
			request("10.0.0.2:1234", FWD, `for="203.0.113.9"`), "203.0.113.9"},
		{"Forwarded quoted-pair", fwd,
			request("10.0.0.2:1234", FWD, `for="[2001:db8::\1]"`), "2001:db8::1"},
		{"Forwarded obfuscated right-most: the peer", fwd,
			request("10.0.0.2:1234", FWD, `for=203.0.113.9, for=_hidden`), "10.0.0.2"},
		{"Forwarded unknown after trusted hop: that hop", fwd,
			request("10.0.0.2:1234", FWD, `for=203.0.113.9, for=unknown, for=10.0.0.1`), "10.0.0.1"},
		{"Forwarded element without for=: the peer", fwd,
			request("10.0.0.2:1234", FWD, `for=1.2.3.4, by=10.0.0.1`), "10.0.0.2"},
		{"Forwarded duplicate for= is malformed", fwd,
			request("10.0.0.2:1234", FWD, `for=203.0.113.9;for=1.2.3.4`), "10.0.0.2"},
		{"Forwarded unquoted IPv6 is malformed", fwd,
			request("10.0.0.2:1234", FWD, `for=2001:db8::1`), "10.0.0.2"},
		{"Forwarded bad port is malformed", fwd,
			request("10.0.0.2:1234", FWD, `for="203.0.113.9:99999999"`), "10.0.0.2"},
		{"Forwarded obfuscated port is fine", fwd,
			request("10.0.0.2:1234", FWD, `for="203.0.113.9:_p1"`), "203.0.113.9"},
		{"Forwarded unterminated quote cannot swallow a later line", fwd,
			request("10.0.0.2:1234", FWD, `for="1.2.3.4`, FWD, `for=203.0.113.9`), "203.0.113.9"},
		{"Forwarded unterminated quote on the proxy's line: the peer", fwd,
			request("10.0.0.2:1234", FWD, `for="1.2.3.4, for=203.0.113.9`), "10.0.0.2"},
		{"Forwarded comma inside quotes", fwd,
			request("10.0.0.2:1234", FWD, `for=203.0.113.9;x="a,b", for=10.0.0.1`), "203.0.113.9"},
		{"nil resolver trusts no one", nil,
			request("10.0.0.2:1234", XFF, "1.2.3.4"), "10.0.0.2"},
		{"zero resolver trusts no one", &Resolver{},
			request("10.0.0.2:1234", XFF, "1.2.3.4"), "10.0.0.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.r.IP(tt.req)
			var want netip.Addr
			if tt.want != "" {
				want = netip.MustParseAddr(tt.want)
			}
			if got != want {
				t.Errorf("IP = %v, want %v", got, want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	bad := map[string][]netip.Prefix{
		"zero prefix":   {{}},
		"mapped prefix": {netip.MustParsePrefix("::ffff:10.0.0.0/104")},
	}
	for name, ps := range bad {
		if _, err := New(ps, XForwardedFor); err == nil {
			t.Errorf("%s: New accepted %v", name, ps)
		}
	}
	if _, err := New(nil, Header(7)); err == nil {
		t.Error("New accepted an unknown header")
	}
	r, err := New([]netip.Prefix{netip.MustParsePrefix("10.1.2.3/8")}, XForwardedFor)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Trusted(netip.MustParseAddr("10.200.0.1")) {
		t.Error("prefix not masked")
	}
	if r.Trusted(netip.Addr{}) {
		t.Error("zero address trusted")
	}
}

func TestParsePrefixes(t *testing.T) {
	t.Parallel()
	got, err := ParsePrefixes([]string{"10.0.0.0/8", " 192.0.2.7 ", "2001:db8::1", "::ffff:192.0.2.8"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::1/128", "192.0.2.8/32"}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("[%d] = %s, want %s", i, got[i], want[i])
		}
	}
	_, err = ParsePrefixes([]string{"10.0.0.0/33", "ok?", "10.0.0.1"})
	if err == nil || !containsAll(err.Error(), `"10.0.0.0/33"`, `"ok?"`) {
		t.Errorf("error does not name every bad value: %v", err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !contains(s, sub) {
			return false
		}
	}
	return true
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	r := mustResolver(t, XForwardedFor, "10.0.0.0/8")
	var got []netip.Addr
	h := r.Middleware(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		a, ok := FromContext(req.Context())
		if !ok {
			t.Error("no client IP in context")
		}
		if From(req) != a {
			t.Error("From disagrees with FromContext")
		}
		got = append(got, a)
	}))
	h.ServeHTTP(httptest.NewRecorder(), request("10.0.0.1:1", "X-Forwarded-For", "203.0.113.9"))
	// An outer Middleware already decided: the inner one keeps that answer.
	outer := mustResolver(t, XForwardedFor)
	outer.Middleware(h).ServeHTTP(httptest.NewRecorder(), request("10.0.0.1:1", "X-Forwarded-For", "203.0.113.9"))
	want := []netip.Addr{netip.MustParseAddr("203.0.113.9"), netip.MustParseAddr("10.0.0.1")}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestFromWithoutMiddleware(t *testing.T) {
	t.Parallel()
	req := request("[::ffff:198.51.100.7]:1", "X-Forwarded-For", "1.2.3.4")
	if got := From(req); got != netip.MustParseAddr("198.51.100.7") {
		t.Errorf("From = %v, want the socket peer", got)
	}
	if _, ok := FromContext(req.Context()); ok {
		t.Error("FromContext reported a value that was never stored")
	}
}

func TestSubscriber(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.9":          "203.0.113.9",
		"::ffff:203.0.113.9":   "203.0.113.9",
		"2001:db8:1:2:aaaa::1": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9": "2001:db8:1:2::/64",
	} {
		if got := Subscriber(netip.MustParseAddr(in)); got != want {
			t.Errorf("Subscriber(%s) = %q, want %q", in, got, want)
		}
	}
	if got := Subscriber(netip.Addr{}); got != "" {
		t.Errorf("Subscriber(invalid) = %q", got)
	}
}
