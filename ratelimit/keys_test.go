package ratelimit

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/clientip"
)

func TestKeyFuncs(t *testing.T) {
	t.Parallel()
	req := func(ip string, id *authn.Identity, header ...string) *httptestReq {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.0.0.1:1"
		ctx := r.Context()
		if ip != "" {
			ctx = clientip.NewContext(ctx, netip.MustParseAddr(ip))
		} else {
			ctx = clientip.NewContext(ctx, netip.Addr{})
		}
		if id != nil {
			ctx = authn.WithIdentity(ctx, id)
		}
		r = r.WithContext(ctx)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		return &httptestReq{r}
	}
	secret := "rk_live_0123456789abcdefghijklmnopqrstuvwxyz"
	alice := &authn.Identity{Subject: "usr_1", ClientID: "cli_9"}
	bobKey := &authn.Identity{Subject: "usr_2", Method: authn.MethodAPIKey, KeyID: "k7"}
	tests := []struct {
		name string
		f    KeyFunc
		r    *httptestReq
		want string // "" means !ok
	}{
		{"IPv4", ByIP(), req("203.0.113.9", nil), "ip:203.0.113.9"},
		{"IPv6 grouped by /64", ByIP(), req("2001:db8:1:2:aaaa::1", nil), "ip:2001:db8:1:2::/64"},
		{"IPv6 same /64", ByIP(), req("2001:db8:1:2:ffff::9", nil), "ip:2001:db8:1:2::/64"},
		{"IPv4 /24", ByIPPrefix(24, 48), req("203.0.113.9", nil), "ip:203.0.113.0/24"},
		{"IPv4-mapped is its IPv4", ByIP(), req("::ffff:203.0.113.9", nil), "ip:203.0.113.9"},
		{"IPv4-mapped /24", ByIPPrefix(24, 48), req("::ffff:203.0.113.9", nil), "ip:203.0.113.0/24"},
		{"unknown IP shares a bucket", ByIP(), req("", nil), "ip:unknown"},
		{"subject", BySubject(), req("203.0.113.9", alice), "sub:usr_1"},
		{"no identity", BySubject(), req("203.0.113.9", nil), ""},
		{"empty subject", BySubject(), req("203.0.113.9", &authn.Identity{}), ""},
		{"client id", ByClientID(), req("203.0.113.9", alice), "cid:cli_9"},
		{"no client id", ByClientID(), req("203.0.113.9", &authn.Identity{Subject: "x"}), ""},
		{"api key id", ByAPIKey(), req("203.0.113.9", bobKey), "key:k7"},
		{"no api key", ByAPIKey(), req("203.0.113.9", alice), ""},
		{"header absent", ByHeader("X-Tenant"), req("203.0.113.9", nil), ""},
		{"all", All(ByClientID(), ByIP()), req("203.0.113.9", alice), "cid:cli_9|ip:203.0.113.9"},
		{"all, one missing", All(ByClientID(), ByIP()), req("203.0.113.9", nil), ""},
		{"all of nothing", All(), req("203.0.113.9", nil), ""},
		{"first of: subject", FirstOf(BySubject(), ByIP()), req("203.0.113.9", alice), "sub:usr_1"},
		{"first of: ip", FirstOf(BySubject(), ByIP()), req("203.0.113.9", nil), "ip:203.0.113.9"},
		{"first of nothing", FirstOf(BySubject()), req("203.0.113.9", nil), ""},
	}
	for _, tt := range tests {
		got, ok := tt.f(tt.r.Request)
		if (tt.want == "") == ok || got != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, ok, tt.want)
		}
	}

	// Secrets and unsafe text never reach a key in clear.
	k, ok := ByHeader("X-API-Key")(req("203.0.113.9", nil, "X-API-Key", secret).Request)
	if !ok || strings.Contains(k, secret) || strings.Contains(k, "rk_live") {
		t.Errorf("header key %q contains the header value", k)
	}
	k2, _ := ByHeader("x-api-key")(req("203.0.113.9", nil, "X-API-Key", secret+"x").Request)
	if k == k2 {
		t.Error("different header values share a key")
	}
	for _, sub := range []string{"a:b", "a|b", strings.Repeat("a", 65), "ü", "a b"} {
		k, _ := BySubject()(req("", &authn.Identity{Subject: sub}).Request)
		if strings.Contains(k, sub) || len(k) > 60 {
			t.Errorf("subject %q kept in clear: %q", sub, k)
		}
	}
}

type httptestReq struct{ *http.Request }

func TestByIPPrefixPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("no panic for /0")
		}
	}()
	ByIPPrefix(0, 64)
}
