package authz

import (
	"net/http/httptest"
	"net/netip"
	"slices"
	"testing"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/clientip"
)

func TestRequestFieldsRead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr           string
		headers, query bool
	}{
		{`request.method == 'GET' && request.path == '/' && request.host == 'a' && request.remote_ip == ''`, false, false},
		{`'admin' in identity.roles`, false, false},
		{`request.headers['x-tenant'] == 'a'`, true, false},
		{`'x' in request.headers`, true, false},
		{`has(request.headers.accept)`, true, false},
		{`request.query['page'] == '2'`, false, true},
		{`request.headers.exists(k, k == request.query['k'])`, true, true},
		{`!('x-debug' in .request.headers)`, true, false},
		{`!('x-debug' in (request).headers)`, true, false},
		{`{'query': 1}.query == 1 && request.method == 'GET'`, false, true},
		// request used other than through a field: assume everything is read.
		{`cel.bind(r, request, r.method == 'GET')`, true, true},
		{`request.?method.orValue('') == 'GET'`, true, true},
		{`[request].exists(r, r.method == 'GET')`, true, true},
		// a comprehension variable that shadows request is not the request.
		{`[{'headers': 1}].exists(request, request.headers == 1)`, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(Spec{CEL: tt.expr})
			if err != nil {
				t.Fatal(err)
			}
			if p.cel.readHeaders != tt.headers || p.cel.readQuery != tt.query {
				t.Errorf("reads headers=%v query=%v, want headers=%v query=%v", p.cel.readHeaders, p.cel.readQuery, tt.headers, tt.query)
			}
		})
	}
}

// TestHeadersBuiltOnlyWhenRead measures what reading request.headers costs,
// so that a policy that never reads them is seen not to pay for them.
func TestHeadersBuiltOnlyWhenRead(t *testing.T) {
	r := httptest.NewRequest("GET", "/?a=1&b=2", nil)
	for _, h := range []string{"Accept", "Accept-Encoding", "User-Agent", "X-Request-Id", "X-Tenant", "Traceparent", "Content-Type", "Origin"} {
		r.Header.Set(h, "value")
	}
	id := &authn.Identity{Roles: []string{"admin"}}
	allocs := func(expr string) float64 {
		p, err := Compile(Spec{CEL: expr})
		if err != nil {
			t.Fatal(err)
		}
		return testing.AllocsPerRun(200, func() {
			if d := p.Decide(id, r); !d.Allow {
				t.Fatal(d.Reason)
			}
		})
	}
	without := allocs(`'admin' in identity.roles`)
	with := allocs(`'admin' in identity.roles && request.headers.size() > 0 && request.query.size() > 0`)
	if with < without+8 {
		t.Errorf("reading headers and query costs %v allocations, not reading them %v: the maps seem built either way", with, without)
	}
}

func TestCELIdentityFields(t *testing.T) {
	t.Parallel()
	c, err := celCompiler()
	if err != nil {
		t.Fatal(err)
	}
	env := c.env
	// Exactly the documented fields: a field added to authn.Identity stays
	// hidden from policies until identityField names it.
	for typ, want := range map[string][]string{
		identityTypeName: {"claims", "client_id", "method", "roles", "scopes", "subject", "username"},
		requestTypeName:  {"headers", "host", "method", "path", "query", "remote_ip"},
	} {
		got, ok := env.CELTypeProvider().FindStructFieldNames(typ)
		if !ok {
			t.Fatalf("type %s is not declared", typ)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s fields = %v, want %v", typ, got, want)
		}
	}
}

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "/",
		"/":                "/",
		"//":               "/",
		"/a/b":             "/a/b",
		"/a/b/":            "/a/b/",
		"/a//b/":           "/a/b/",
		"/a/./b":           "/a/b",
		"/a/../b":          "/b",
		"/a/../../b":       "/b",
		"/public/../admin": "/admin",
		"/a/b/..":          "/a",
		"/a/b/../":         "/a/",
	} {
		if got := cleanPath(in); got != want {
			t.Errorf("cleanPath(%q) = %q, want %q", in, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = cleanPath("/v1/users/42/") }); n != 0 {
		t.Errorf("cleanPath of a clean path allocates %v times", n)
	}
}

func TestHeaderMapHidesCredentials(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer secret")
	r.Header.Set("Proxy-Authorization", "Basic secret")
	r.Header.Set("Cookie", "sid=secret")
	r.Header.Set("X-Api-Key", "secret")
	r.Header["x-tenant"] = []string{"acme"} // not in canonical form
	r.Header["X-Empty"] = nil
	got := headerMap(r.Header)
	want := map[string]string{"x-tenant": "acme"}
	if len(got) != len(want) || got["x-tenant"] != "acme" {
		t.Errorf("headerMap = %v, want %v", got, want)
	}
}

// request.remote_ip is computed only for expressions that may read it.
func TestRemoteIPReadOnlyWhenUsed(t *testing.T) {
	for expr, want := range map[string]bool{
		`request.method == 'GET'`:                                  false,
		`'admin' in identity.roles && request.headers.size() >= 0`: false,
		`request.remote_ip == ''`:                                  true,
		`cidr('10.0.0.0/8').containsIP(ip(request.remote_ip))`:     true,
		`cel.bind(r, request, r.remote_ip == '10.0.0.1')`:          true,
	} {
		p, err := Compile(Spec{CEL: expr})
		if err != nil {
			t.Fatal(err)
		}
		if p.cel.readIP != want {
			t.Errorf("%s: reads remote_ip = %v, want %v", expr, p.cel.readIP, want)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(clientip.NewContext(r.Context(), netip.MustParseAddr("10.0.0.1")))
	id := &authn.Identity{Roles: []string{"admin"}}
	for expr, allow := range map[string]bool{
		`request.remote_ip == '10.0.0.1'`: true,
		`request.remote_ip == ''`:         false,
	} {
		p, err := Compile(Spec{CEL: expr})
		if err != nil {
			t.Fatal(err)
		}
		if d := p.Decide(id, r); d.Allow != allow {
			t.Errorf("%s: %+v", expr, d)
		}
	}
	if raceEnabled {
		return // the activation pool drops items at random: counts vary
	}
	p, err := Compile(Spec{CEL: `request.method == 'GET'`})
	if err != nil {
		t.Fatal(err)
	}
	without := httptest.NewRequest("GET", "/", nil)
	withIP := testing.AllocsPerRun(100, func() { p.Decide(id, r) })
	if n := testing.AllocsPerRun(100, func() { p.Decide(id, without) }); withIP != n {
		t.Errorf("a policy that never reads remote_ip: %v allocations per decision with a client IP, %v without", withIP, n)
	}
}
