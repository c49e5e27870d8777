package authz_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/authz"
	"github.com/rampart-sec/rampart/clientip"
)

// alice is the identity most CEL cases decide on.
func alice() *authn.Identity {
	return &authn.Identity{
		Subject:  "usr_1",
		Username: "alice",
		Roles:    []string{"admin", "reader"},
		Scopes:   []string{"openid", "data:read", "data:write"},
		Method:   authn.MethodJWT,
		ClientID: "cli_web",
		Claims: map[string]any{ // as encoding/json decodes them
			"tenant": "acme",
			"level":  float64(3),
			"groups": []any{"admins", "staff"},
			"rank":   "high",
		},
	}
}

// req builds a request; each opt adjusts it.
func req(method, target string, opts ...func(*http.Request) *http.Request) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	for _, o := range opts {
		r = o(r)
	}
	return r
}

func header(name string, values ...string) func(*http.Request) *http.Request {
	return func(r *http.Request) *http.Request {
		for _, v := range values {
			r.Header.Add(name, v)
		}
		return r
	}
}

func host(h string) func(*http.Request) *http.Request {
	return func(r *http.Request) *http.Request { r.Host = h; return r }
}

func clientIP(ip string) func(*http.Request) *http.Request {
	return func(r *http.Request) *http.Request {
		return r.WithContext(clientip.NewContext(r.Context(), netip.MustParseAddr(ip)))
	}
}

func TestDecideCEL(t *testing.T) {
	t.Parallel()
	const (
		allowed = "allowed"
		false_  = "cel: expression false"
	)
	tests := []struct {
		name   string
		expr   string
		id     *authn.Identity
		r      *http.Request
		allow  bool
		reason string
	}{
		// identity and method
		{"scope and POST", `'data:write' in identity.scopes && request.method == 'POST'`, alice(), req("POST", "/v1/data"), true, allowed},
		{"scope and GET", `'data:write' in identity.scopes && request.method == 'POST'`, alice(), req("GET", "/v1/data"), false, false_},
		{"missing scope", `'data:delete' in identity.scopes`, alice(), req("GET", "/"), false, false_},
		{"admin GET", `'admin' in identity.roles && request.method in ['GET', 'POST']`, alice(), req("GET", "/"), true, allowed},
		{"admin DELETE", `'admin' in identity.roles && request.method in ['GET', 'POST']`, alice(), req("DELETE", "/"), false, false_},
		{"non-admin GET", `'admin' in identity.roles && request.method in ['GET', 'POST']`, &authn.Identity{Roles: []string{"reader"}}, req("GET", "/"), false, false_},
		{"no roles at all", `'admin' in identity.roles`, &authn.Identity{}, req("GET", "/"), false, false_},
		{"identity strings", `identity.subject == 'usr_1' && identity.username == 'alice' && identity.method == 'jwt' && identity.client_id == 'cli_web'`, alice(), req("GET", "/"), true, allowed},
		{"api key method", `identity.method == 'jwt'`, &authn.Identity{Method: authn.MethodAPIKey}, req("GET", "/"), false, false_},
		{"sets extension", `sets.intersects(identity.roles, ['admin', 'ops'])`, alice(), req("GET", "/"), true, allowed},

		// path
		{"own resource", `request.path.startsWith('/v1/users/' + identity.subject + '/')`, alice(), req("GET", "/v1/users/usr_1/orders"), true, allowed},
		{"someone else's resource", `request.path.startsWith('/v1/users/' + identity.subject + '/')`, alice(), req("GET", "/v1/users/usr_2/orders"), false, false_},
		{"dot segments resolved", `request.path.startsWith('/v1/users/' + identity.subject + '/')`, alice(), req("GET", "/v1/users/usr_1/../usr_2/orders"), false, false_},
		{"encoded slashes decoded then resolved", `request.path.startsWith('/public/')`, alice(), req("GET", "/public/..%2Fadmin/"), false, false_},
		{"trailing slash kept", `request.path == '/v1/users/'`, alice(), req("GET", "/v1/users/"), true, allowed},
		{"path regex", `request.path.matches('^/v1/orders/[0-9]+$')`, alice(), req("GET", "/v1/orders/42"), true, allowed},
		{"path regex no match", `request.path.matches('^/v1/orders/[0-9]+$')`, alice(), req("GET", "/v1/orders/42/items"), false, false_},

		// host
		{"host lower-cased", `request.host == 'api.example.com'`, alice(), req("GET", "/", host("API.Example.COM")), true, allowed},
		{"host with port", `request.host == 'api.example.com'`, alice(), req("GET", "/", host("api.example.com:8443")), false, false_},

		// headers
		{"header matches claim", `request.headers['x-tenant'] == identity.claims.tenant`, alice(), req("GET", "/", header("X-Tenant", "acme")), true, allowed},
		{"header differs", `request.headers['x-tenant'] == identity.claims.tenant`, alice(), req("GET", "/", header("X-Tenant", "evil")), false, false_},
		{"absent header fails closed", `request.headers['x-tenant'] == identity.claims.tenant`, alice(), req("GET", "/"), false, "cel: no such key: x-tenant"},
		{"negated absent header fails closed", `request.headers['x-debug'] != 'on'`, alice(), req("GET", "/"), false, "cel: no such key: x-debug"},
		{"first header value", `request.headers['x-tenant'] == 'acme'`, alice(), req("GET", "/", header("X-Tenant", "acme", "evil")), true, allowed},
		{"optional header absent", `request.headers[?'x-tenant'].orValue('none') == 'none'`, alice(), req("GET", "/"), true, allowed},
		{"negated header presence", `!('x-debug' in request.headers)`, alice(), req("GET", "/", header("X-Debug", "1")), false, false_},
		{"negated header presence, root-qualified", `!('x-debug' in .request.headers)`, alice(), req("GET", "/", header("X-Debug", "1")), false, false_},
		{"negated query presence", `!('debug' in request.query)`, alice(), req("GET", "/?debug=1"), false, false_},
		{"header presence", `'x-request-id' in request.headers`, alice(), req("GET", "/", header("X-Request-Id", "r1")), true, allowed},
		{"authorization hidden", `'authorization' in request.headers`, alice(), req("GET", "/", header("Authorization", "Bearer secret")), false, false_},
		{"credential headers hidden", `!('cookie' in request.headers) && !('proxy-authorization' in request.headers) && !('x-api-key' in request.headers) && request.headers.size() == 1`, alice(),
			req("GET", "/", header("Cookie", "sid=1"), header("Proxy-Authorization", "Basic x"), header("X-Api-Key", "k"), header("Accept", "*/*")), true, allowed},

		// query
		{"query value", `request.query['page'] == '2'`, alice(), req("GET", "/v1/items?page=2"), true, allowed},
		{"first query value", `request.query['tenant'] == 'acme'`, alice(), req("GET", "/?tenant=acme&tenant=evil"), true, allowed},
		{"absent query parameter", `request.query['page'] == '2'`, alice(), req("GET", "/v1/items"), false, "cel: no such key: page"},
		{"malformed query fails closed", `request.query.size() >= 0`, alice(), req("GET", "/?a=%zz"), false, `cel: malformed query string: invalid URL escape "%zz"`},
		{"semicolon query fails closed", `request.query.size() >= 0`, alice(), req("GET", "/?a=1;b=2"), false, "cel: malformed query string: invalid semicolon separator in query"},
		{"malformed query unread", `request.method == 'GET'`, alice(), req("GET", "/?a=%zz"), true, allowed},

		// remote IP
		{"ip in range", `cidr('10.0.0.0/8').containsIP(ip(request.remote_ip))`, alice(), req("GET", "/", clientIP("10.1.2.3")), true, allowed},
		{"ip outside range", `cidr('10.0.0.0/8').containsIP(ip(request.remote_ip))`, alice(), req("GET", "/", clientIP("192.0.2.1")), false, false_},
		{"ip absent fails closed", `cidr('10.0.0.0/8').containsIP(ip(request.remote_ip))`, alice(), req("GET", "/"), false,
			`cel: IP Address "" parse error during conversion from string: ParseAddr(""): unable to parse IP`},
		{"ip not from X-Forwarded-For", `request.remote_ip == ''`, alice(), req("GET", "/", header("X-Forwarded-For", "10.0.0.1")), true, allowed},

		// claims
		{"claim string", `identity.claims.tenant == 'acme'`, alice(), req("GET", "/"), true, allowed},
		{"claim number", `identity.claims.level >= 2`, alice(), req("GET", "/"), true, allowed},
		{"claim list", `identity.claims.groups.exists(g, g == 'admins')`, alice(), req("GET", "/"), true, allowed},
		{"claim presence", `has(identity.claims.tenant) && !has(identity.claims.admin)`, alice(), req("GET", "/"), true, allowed},
		{"absent claim fails closed", `identity.claims.admin == true`, alice(), req("GET", "/"), false, "cel: no such key: admin"},
		{"no claims fails closed", `identity.claims.tenant == 'acme'`, &authn.Identity{Method: authn.MethodAPIKey}, req("GET", "/"), false, "cel: no such key: tenant"},
		{"claim of the wrong type fails closed", `identity.claims.rank > 2`, alice(), req("GET", "/"), false, "cel: no such overload"},
		{"failed conversion fails closed", `int(identity.claims.rank) == 1`, alice(), req("GET", "/"), false, "cel: type conversion error from 'string' to 'int'"},
		{"error absorbed by ||", `identity.claims.admin == true || 'admin' in identity.roles`, alice(), req("GET", "/"), true, allowed},

		// no inputs
		{"no identity", `true`, nil, req("GET", "/"), false, "no identity"},
		{"no request", `true`, alice(), nil, false, "cel: no request to evaluate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := mustCompile(t, authz.Spec{CEL: tt.expr})
			checkDecision(t, p.Decide(tt.id, tt.r), tt.allow, tt.reason)
		})
	}
}

func TestDecideCELWithRolesAndScopes(t *testing.T) {
	t.Parallel()
	p := mustCompile(t, authz.Spec{Roles: []string{"admin"}, Scopes: []string{"data:write"}, CEL: `request.method == 'POST'`})
	checkDecision(t, p.Decide(alice(), req("POST", "/")), true, "allowed")
	checkDecision(t, p.Decide(alice(), req("GET", "/")), false, "cel: expression false")
	checkDecision(t, p.Decide(&authn.Identity{Roles: []string{"admin"}}, req("POST", "/")), false, `missing scope "data:write"`)
}

func TestDecideCELCostLimitFailsClosed(t *testing.T) {
	t.Parallel()
	// Within budget for the inputs the estimate assumes (64 roles), but the
	// identity brings far more: evaluation stops at the budget and denies.
	p := mustCompile(t, authz.Spec{CEL: `identity.roles.exists(r, r == 'auditor')`})
	roles := make([]string, 20000)
	for i := range roles {
		roles[i] = fmt.Sprint("role-", i)
	}
	checkDecision(t, p.Decide(&authn.Identity{Roles: roles}, req("GET", "/")), false, "cel: operation cancelled: actual cost limit exceeded")
	checkDecision(t, p.Decide(&authn.Identity{Roles: append(roles[:10:10], "auditor")}, req("GET", "/")), true, "allowed")
}

func TestDecideCELConcurrent(t *testing.T) {
	t.Parallel()
	// One policy shared by many requests: the pooled per-request state must
	// not leak between them (run with -race).
	p := mustCompile(t, authz.Spec{CEL: `request.headers['x-tenant'] == identity.claims.tenant && request.query['q'] == identity.subject`})
	done := make(chan error)
	for g := range 8 {
		go func() {
			var err error
			for i := range 200 {
				sub := fmt.Sprintf("usr_%d_%d", g, i)
				tenant := fmt.Sprint("t", g)
				id := &authn.Identity{Subject: sub, Claims: map[string]any{"tenant": tenant}}
				allow := i%2 == 0
				q := sub
				if !allow {
					q = "someone-else"
				}
				d := p.Decide(id, req("GET", "/?q="+q, header("X-Tenant", tenant)))
				if d.Allow != allow && err == nil {
					err = fmt.Errorf("goroutine %d request %d: %+v, want allow=%v", g, i, d, allow)
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestCompileCELErrors(t *testing.T) {
	t.Parallel()
	list100 := "[" + strings.TrimSuffix(strings.Repeat("1, ", 100), ", ") + "]"
	tests := []struct {
		name string
		expr string
		want string
	}{
		{"unknown identity field", `identity.scopez.size() > 0`,
			"authz: cel:1:9: undefined field 'scopez'\n | identity.scopez.size() > 0\n | ........^"},
		{"unknown request field", `request.methd == 'GET'`,
			"authz: cel:1:8: undefined field 'methd'\n | request.methd == 'GET'\n | .......^"},
		{"go field name", `identity.ClientID == 'x'`,
			"authz: cel:1:9: undefined field 'ClientID'\n | identity.ClientID == 'x'\n | ........^"},
		{"unknown variable", `user.name == 'alice'`,
			"authz: cel:1:1: undeclared reference to 'user'\n | user.name == 'alice'\n | ^"},
		{"wrong type", `request.method == 1`,
			"authz: cel:1:16: found no matching overload for '_==_' applied to '(string, int)'\n | request.method == 1\n | ...............^"},
		{"wrong type on line two", "'admin' in identity.roles &&\n  identity.roles == 'admin'",
			"authz: cel:2:18: found no matching overload for '_==_' applied to '(list(string), string)'\n |   identity.roles == 'admin'\n | .................^"},
		{"not bool", `identity.subject`, "authz: cel: the expression has type string, want bool"},
		{"dyn is not bool", `identity.claims.admin`,
			"authz: cel: the expression has type dyn, want bool (its type is only known at run time: compare it, e.g. `... == true`)"},
		{"syntax error", `request.method == 'GET' &&`,
			"authz: cel:1:27: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | request.method == 'GET' &&\n | ..........................^"},
		{"unterminated string", `request.method == 'GET`,
			"authz: cel:1:19: Syntax error: token recognition error at: ''GET'\n | request.method == 'GET\n | ..................^\n" +
				"authz: cel:1:23: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | request.method == 'GET\n | ......................^"},
		{"object construction", `rampart.Request{method: 'GET'}.method == 'GET'`,
			"authz: cel:1:16: constructing rampart.Request is not allowed in a policy\n | rampart.Request{method: 'GET'}.method == 'GET'\n | ...............^"},
		{"pattern from the request", `request.path.matches(request.headers['x-allow'])`,
			"authz: cel:1:37: the pattern of matches must be a string literal\n | request.path.matches(request.headers['x-allow'])\n | ....................................^"},
		{"invalid pattern", `request.path.matches('(a{1,100}){1,100}')`,
			"authz: cel:1:22: invalid regular expression: error parsing regexp: invalid repeat count: `{1,100}`\n | request.path.matches('(a{1,100}){1,100}')\n | .....................^"},
		{"pattern too large", `request.path.matches('[a-z]{1,900}')`,
			"authz: cel:1:22: regex program size 1801 exceeds limit of 1000\n | request.path.matches('[a-z]{1,900}')\n | .....................^"},
		{"nested comprehensions over a large list", list100 + ".all(x, " + list100 + ".exists(y, x == y))",
			"authz: cel: the expression is too expensive: its worst-case cost 71411 exceeds the limit of 20000 (avoid nested loops and regular expressions over inputs)"},
		{"nested loops over inputs", `identity.roles.exists(r, identity.scopes.exists(s, r == s))`,
			"authz: cel: the expression is too expensive: its worst-case cost 131523 exceeds the limit of 20000 (avoid nested loops and regular expressions over inputs)"},
		{"comprehensions three deep", `[1].all(x, [2].all(y, [3].all(z, x < y && y < z)))`,
			"authz: cel:1:30: comprehension exceeds nesting limit\n | [1].all(x, [2].all(y, [3].all(z, x < y && y < z)))\n | .............................^"},
		{"whole object compared", `identity == identity`,
			"authz: cel: the expression is too expensive: its worst-case cost is unbounded (avoid nested loops and regular expressions over inputs)"},
		{"too long", "true || " + strings.Repeat("'a' == 'a' || ", 400) + "true",
			"authz: cel: expression code point size exceeds limit: size: 5612, limit 4096"},
		{"too deep", strings.Repeat("(", 40) + "true" + strings.Repeat(")", 40),
			"authz: cel: expression recursion limit exceeded: 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := authz.Compile(authz.Spec{CEL: tt.expr})
			if err == nil {
				t.Fatalf("Compile(%.80q) succeeded (%v), want an error", tt.expr, p)
			}
			if err.Error() != tt.want {
				t.Errorf("Compile(%.80q) error:\n%s\nwant:\n%s", tt.expr, err, tt.want)
			}
		})
	}
}

func TestDocumentedExpressionsCompile(t *testing.T) {
	t.Parallel()
	// The examples in the package documentation.
	for _, expr := range []string{
		`request.headers[?'x-tenant'].orValue('none') == 'none'`,
		`sets.intersects(identity.roles, ['admin', 'ops'])`,
		`cidr('10.0.0.0/8').containsIP(ip(request.remote_ip))`,
		`cel.bind(seg, request.path.split('/'), seg.size() > 3 && seg[3] == identity.subject)`,
	} {
		if _, err := authz.Compile(authz.Spec{CEL: expr}); err != nil {
			t.Errorf("Compile(%q): %v", expr, err)
		}
	}
	p := mustCompile(t, authz.Spec{CEL: `cel.bind(seg, request.path.split('/'), seg.size() > 3 && seg[3] == identity.subject)`})
	checkDecision(t, p.Decide(alice(), req("GET", "/v1/users/usr_1/orders")), true, "allowed")
	checkDecision(t, p.Decide(alice(), req("GET", "/v1/users/usr_2/orders")), false, "cel: expression false")
}
