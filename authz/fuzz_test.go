package authz

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/clientip"
)

// FuzzCompile feeds arbitrary expressions to Compile. Compile must either
// refuse one with an error or return a policy whose Decide, on a range of
// identities and requests, never panics, gives a reason, and allows only
// with the reason "allowed". The decision must also not depend on the
// shortcut that leaves request.headers, request.query and request.remote_ip
// unbuilt when the expression does not read them.
func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		`'data:write' in identity.scopes && request.method == 'POST'`,
		`'admin' in identity.roles && request.method in ['GET', 'POST']`,
		`request.headers['x-tenant'] == identity.claims.tenant`,
		`!('x-tenant' in request.headers) || request.query.size() > 1`,
		`request.query[?'page'].orValue('1') == '1'`,
		`cidr('10.0.0.0/8').containsIP(ip(request.remote_ip))`,
		`identity.claims.groups.exists(g, g == 'admins')`,
		`request.path.matches('^/v1/[a-z]+$')`,
		`identity.scopez`,
		`[1, 2, 3].all(x, [1, 2].exists(y, x > y))`,
	} {
		f.Add(seed)
	}

	ids := []*authn.Identity{
		{},
		{
			Subject: "usr_1", Username: "alice", Roles: []string{"admin"}, Scopes: []string{"data:write"},
			Method: authn.MethodJWT, ClientID: "cli",
			Claims: map[string]any{"tenant": "acme", "level": 3.0, "groups": []any{"admins"}, "nested": map[string]any{"a": nil}},
		},
	}
	newRequests := func() []*http.Request {
		plain := httptest.NewRequest("GET", "/", nil)
		full := httptest.NewRequest("POST", "/v1/users/usr_1/../x?page=2&page=3&q=%20", nil)
		full.Header.Set("X-Tenant", "acme")
		full.Header.Set("Authorization", "Bearer secret")
		full = full.WithContext(clientip.NewContext(full.Context(), netip.MustParseAddr("10.0.0.1")))
		malformed := httptest.NewRequest("GET", "/?a=%zz;b", nil)
		malformed = malformed.WithContext(clientip.NewContext(malformed.Context(), netip.MustParseAddr("2001:db8::7")))
		return []*http.Request{plain, full, malformed, nil}
	}

	f.Fuzz(func(t *testing.T, expr string) {
		p, err := Compile(Spec{CEL: expr})
		if err != nil {
			if p != nil {
				t.Fatalf("Compile(%q) returned a policy and the error %v", expr, err)
			}
			if !strings.HasPrefix(err.Error(), "authz: ") {
				t.Fatalf("Compile(%q) error %q lacks the package prefix", expr, err)
			}
			return
		}
		if expr == "" || p.cel == nil {
			t.Fatalf("Compile(%q) gave a policy without an expression", expr)
		}
		lazyHeaders, lazyQuery, lazyIP := p.cel.readHeaders, p.cel.readQuery, p.cel.readIP
		for _, r := range newRequests() {
			if d := p.Decide(nil, r); d.Allow || d.Reason != "no identity" {
				t.Fatalf("Compile(%q): no identity gave %+v", expr, d)
			}
			queryParses := true
			if r != nil {
				_, err := url.ParseQuery(r.URL.RawQuery)
				queryParses = err == nil
			}
			for _, id := range ids {
				p.cel.readHeaders, p.cel.readQuery, p.cel.readIP = lazyHeaders, lazyQuery, lazyIP
				d := p.Decide(id, r)
				switch {
				case d.Reason == "":
					t.Fatalf("Compile(%q): decision without a reason", expr)
				case d.Allow && d.Reason != "allowed":
					t.Fatalf("Compile(%q): allowed with reason %q", expr, d.Reason)
				case !d.Allow && d.Reason == "allowed":
					t.Fatalf("Compile(%q): denied with reason %q", expr, d.Reason)
				case d.Allow && r == nil:
					t.Fatalf("Compile(%q): allowed without a request", expr)
				}
				// The same decision with every map built.
				p.cel.readHeaders, p.cel.readQuery, p.cel.readIP = true, lazyQuery || queryParses, true
				if full := p.Decide(id, r); full != d {
					t.Fatalf("Compile(%q): %+v with the maps built only when read (headers %v, query %v), %+v with them built",
						expr, d, lazyHeaders, lazyQuery, full)
				}
			}
		}
	})
}
