package authz_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/authz"
	"github.com/rampart-sec/rampart/clientip"
)

func benchIdentity() *authn.Identity {
	return &authn.Identity{
		Subject: "usr_1",
		Roles:   []string{"reader", "admin"},
		Scopes:  []string{"openid", "data:read", "data:write"},
		Method:  authn.MethodJWT,
		Claims:  map[string]any{"tenant": "acme"},
	}
}

func BenchmarkDecideScopes(b *testing.B) {
	p, err := authz.Compile(authz.Spec{Roles: []string{"admin"}, Scopes: []string{"data:read", "data:write"}})
	if err != nil {
		b.Fatal(err)
	}
	id := benchIdentity()
	r := httptest.NewRequest("POST", "/v1/data", nil)
	b.ReportAllocs()
	for b.Loop() {
		if d := p.Decide(id, r); !d.Allow {
			b.Fatal(d.Reason)
		}
	}
}

func BenchmarkDecideCEL(b *testing.B) {
	for _, bc := range []struct{ name, expr string }{
		{"scope_and_method", `'data:write' in identity.scopes && request.method == 'POST'`},
		{"path_and_claim", `request.path.startsWith('/v1/') && identity.claims.tenant == 'acme'`},
		{"header", `request.headers[?'x-tenant'].orValue('') == identity.claims.tenant`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p, err := authz.Compile(authz.Spec{CEL: bc.expr})
			if err != nil {
				b.Fatal(err)
			}
			id := benchIdentity()
			r := httptest.NewRequest("POST", "/v1/data?page=2", nil)
			r.Header.Set("X-Tenant", "acme")
			r.Header.Set("Accept", "application/json")
			r.Header.Set("User-Agent", "bench")
			r = r.WithContext(clientip.NewContext(r.Context(), netip.MustParseAddr("192.0.2.7")))
			b.ReportAllocs()
			for b.Loop() {
				if d := p.Decide(id, r); !d.Allow {
					b.Fatal(d.Reason)
				}
			}
		})
	}
}
