package config

import (
	"strings"
	"testing"
)

const routesBase = `version: 1
authenticators:
  own_jwt: {type: jwt}
  keys: {type: api_key, header: X-API-Key}
  users: {type: basic}
routes:
`

func TestConfigRoutesValid(t *testing.T) {
	c, err := Parse("r.yaml", []byte(routesBase+`
  - name: data
    match: {path: /api/data, methods: [GET]}
    upstream: http://127.0.0.1:5000
    authenticate: [own_jwt, keys]
    authorize: {scopes: [data:read]}
  - name: admin
    match: {path_prefix: /api/admin/}
    upstream: http://127.0.0.1:5000
    authenticate: [own_jwt]
    authorize: {cel: "'admin' in identity.roles && request.method in ['GET', 'POST']"}
  - name: health
    match: {path: /api/health}
    upstream: http://127.0.0.1:5000
    public: true
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Routes) != 3 || c.Routes[0].UpstreamTimeout.String() != "30s" || c.Routes[0].MaxBodyBytes != 1<<20 || c.Authenticators["keys"].Header != "X-API-Key" {
		t.Fatalf("routes = %+v", c.Routes)
	}
}

func TestConfigExternalIssuer(t *testing.T) {
	base := "version: 1\nauthenticators:\n  partner: "
	for body, want := range map[string]string{
		`{type: jwt, issuer: "https://login.partner.example", jwks_url: "https://login.partner.example/jwks", audience: "https://api", token_type: JWT}`: "",
		`{type: jwt, issuer: "https://login.partner.example", jwks_url: "https://login.partner.example/jwks"}`:                                           "authenticators.partner.audience: required with an external issuer",
		`{type: jwt, issuer: "https://login.partner.example", audience: "https://api"}`:                                                                  "authenticators.partner.jwks_url: issuer and jwks_url go together",
		`{type: jwt, issuer: "https://x", jwks_url: "http://evil.example/jwks", audience: "a"}`:                                                          "must be an https URL",
		`{type: jwt, token_type: jwt}`:         `authenticators.partner.token_type: must be one of at+jwt, JWT; got "jwt"`,
		`{type: basic, jwks_url: "https://x"}`: "authenticators.partner.jwks_url: only jwt authenticators take jwks_url",
		`{type: introspection, endpoint: "http://as.example.com/introspect", client_id: rampart, client_secret_file: /nonexistent}`: "authenticators.partner.endpoint: must be an https URL",
		`{type: introspection, endpoint: "https://as.example.com/introspect"}`:                                                      "authenticators.partner.client_id: required",
		`{type: jwt, endpoint: "https://x"}`: "authenticators.partner.endpoint: only introspection authenticators take endpoint",
	} {
		_, err := Parse("a.yaml", []byte(base+body+"\n"), nil)
		if want == "" && err != nil {
			t.Errorf("%s: %v", body, err)
		}
		if want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: error %v, want %q", body, err, want)
		}
	}
}

func TestConfigRoutesErrors(t *testing.T) {
	for _, tc := range []struct {
		name, routes, want string
	}{
		{"ambiguous", `
  - {name: a, match: {path: /x}, upstream: "http://u", public: true}
  - {name: b, match: {path: /x}, upstream: "http://u", public: true}`, "r.yaml:6: routes: routes[0] (a) and routes[1] (b) match the same requests equally well"},
		{"cel type error", `
  - {name: a, match: {path: /x}, upstream: "http://u", authenticate: [own_jwt], authorize: {cel: "request.method == 1"}}`, "r.yaml:8: routes[0].authorize: cel:1:16: found no matching overload"},
		{"cel unknown field", `
  - {name: a, match: {path: /x}, upstream: "http://u", authenticate: [own_jwt], authorize: {cel: "'x' in identity.scopez"}}`, "undefined field 'scopez'"},
		{"public with authenticators", `
  - {name: a, match: {path: /x}, upstream: "http://u", public: true, authenticate: [own_jwt]}`, "routes[0].public: a public route takes no authenticate list"},
		{"no rule", `
  - {name: a, match: {path: /x}, upstream: "http://u", authenticate: [own_jwt]}`, "routes[0].authorize: required"},
		{"nothing said", `
  - {name: a, match: {path: /x}, upstream: "http://u"}`, "routes[0].authenticate: required: name at least one authenticator, or set public: true"},
		{"unknown authenticator", `
  - {name: a, match: {path: /x}, upstream: "http://u", authenticate: [ghost], authorize: {allow_authenticated: true}}`, `routes[0].authenticate[0]: no authenticator named "ghost"; define it under authenticators: (known: keys, own_jwt, users)`},
		{"duplicate names", `
  - {name: a, match: {path: /x}, upstream: "http://u", public: true}
  - {name: a, match: {path: /y}, upstream: "http://u", public: true}`, `routes[1].name: "a" is already the name of routes[0]`},
		{"bad prefix", `
  - {name: a, match: {path_prefix: /api}, upstream: "http://u", public: true}`, `r.yaml:8: routes[0]: match.path_prefix "/api" must end in "/"`},
		{"cors wildcard with credentials", `
  - {name: a, match: {path: /x}, upstream: "http://u", public: true, cors: {origins: ["*"], credentials: true}}`, "routes[0].cors:"},
		{"header injection", `
  - {name: a, match: {path: /x}, upstream: "http://u", public: true, headers: {frame_options: ALLOWALL}}`, "routes[0].headers:"},
		{"identity header that cannot carry it", `
  - {name: a, match: {path: /x}, upstream: "http://u", public: true, identity_headers: {subject: Authorization}}`, "routes[0].identity_headers.subject: Authorization cannot carry the identity"},
		{"rate limit key on a public route", `
  - {name: a, match: {path: /x}, upstream: "http://u", public: true, rate_limits: [{key: subject, rate: 10/s}]}`,
			`routes[0].rate_limits[0].key: "subject" counts an authenticated identity, and a public route authenticates no one: use ip or header:NAME`},
		{"rate limit unknown key", `
  - {name: a, match: {path: /x}, upstream: "http://u", public: true, rate_limits: [{key: ip+cookie, rate: 10/s}]}`,
			`routes[0].rate_limits[0].key: "cookie" is not ip, subject, api_key, client or header:NAME`},
		{"rate limit bad rate", `
  - {name: a, match: {path: /x}, upstream: "http://u", public: true, rate_limits: [{key: ip, rate: ten per second}]}`,
			`routes[0].rate_limits[0].rate:`},
		{"rate limit missing rate", `
  - {name: a, match: {path: /x}, upstream: "http://u", public: true, rate_limits: [{key: ip}]}`,
			`routes[0].rate_limits[0].rate: required, like "10/s"`},
		{"rate limit duplicate names", `
  - {name: a, match: {path: /x}, upstream: "http://u", public: true, rate_limits: [{key: ip, rate: 10/s}, {key: ip, rate: 1000/d}]}`,
			`routes[0].rate_limits[1].name: "ip" already names rate_limits[0]; give one of them a name`},
		{"limiter failure policy", `
  - {name: a, match: {path: /x}, upstream: "http://u", public: true, on_limiter_failure: ignore}`,
			`routes[0].on_limiter_failure: must be one of fail_open, fail_closed; got "ignore"`},
		{"bad upstream", `
  - {name: a, match: {path: /x}, upstream: "http://user:pw@u", public: true}`, "routes[0].upstream: must be an http(s) URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("r.yaml", []byte(routesBase+tc.routes+"\n"), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}
