package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/authz"
	"github.com/rampart-sec/rampart/internal/routing"
	"github.com/rampart-sec/rampart/ratelimit"
	"github.com/rampart-sec/rampart/secheaders"
)

// Authenticator is a named way to recognise a credential; routes list them by name.
type Authenticator struct {
	// Type is jwt (tokens rampart issued), api_key or basic.
	Type string `yaml:"type"`
	// Audience is what a jwt authenticator requires in aud. Default (for
	// rampart's own tokens): the issuer's default audience.
	Audience string `yaml:"audience"`
	// Issuer and JWKSURL make a jwt authenticator accept another issuer's
	// tokens (Auth0, Keycloak, Entra ID …) instead of rampart's own.
	Issuer  string `yaml:"issuer"`
	JWKSURL string `yaml:"jwks_url"`
	// TokenType is the typ header required of jwt tokens: at+jwt (RFC 9068,
	// default) or JWT (what Keycloak and Entra ID send).
	TokenType string `yaml:"token_type"`
	// Endpoint, ClientID and ClientSecretFile configure an introspection
	// authenticator: the RFC 7662 endpoint and rampart's credentials there
	// (the secret is read from a file, never written in this one).
	Endpoint         string `yaml:"endpoint"`
	ClientID         string `yaml:"client_id"`
	ClientSecretFile string `yaml:"client_secret_file"`
	// Header is an extra header an api_key authenticator reads (e.g.
	// X-API-Key); Authorization: Bearer rk_… always works.
	Header string `yaml:"header"`
}

// Route sends matching requests, once authenticated and authorized, to an upstream.
type Route struct {
	// Name identifies the route in logs and errors. Required, unique.
	Name string `yaml:"name"`
	// Match selects the requests. Exactly one of path, path_prefix, pattern.
	Match RouteMatch `yaml:"match"`
	// Upstream is the base URL requests are proxied to. Exactly one of
	// upstream and handler.
	Upstream string `yaml:"upstream"`
	// Handler names a built-in handler instead of an upstream: "demo" serves
	// the tutorial's {"data": "This is secure data"}.
	Handler string `yaml:"handler"`
	// UpstreamTimeout bounds waiting for the upstream's response headers. Default 30s.
	UpstreamTimeout time.Duration `yaml:"upstream_timeout"`
	// UpstreamTLS configures an https upstream: a private CA and a client
	// certificate for upstreams that require one.
	UpstreamTLS UpstreamTLS `yaml:"upstream_tls"`
	// Authenticate lists authenticator names; the first that recognises the
	// credential decides. Empty only with public: true.
	Authenticate []string `yaml:"authenticate"`
	// Authorize is the rule an authenticated request must pass.
	Authorize RouteAuthorize `yaml:"authorize"`
	// Public serves the route without authentication. Default false: a route
	// must say so on purpose.
	Public bool `yaml:"public"`
	// MaxBodyBytes caps the request body (413 beyond). Default 1048576.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// Headers override the security headers of the route's responses.
	Headers RouteHeaders `yaml:"headers"`
	// CORS lets browsers on other origins call the route. Default off.
	CORS RouteCORS `yaml:"cors"`
	// RateLimits are the route's limits. Limits keyed by ip or a header apply
	// before authentication; limits keyed by identity after authorization.
	// Default none.
	RateLimits []RouteRateLimit `yaml:"rate_limits"`
	// OnLimiterFailure is what the route does when the shared (Redis) limiter
	// cannot decide: fail_open (default) counts on this node alone until
	// Redis is back, fail_closed answers 503.
	OnLimiterFailure string `yaml:"on_limiter_failure"`
	// IdentityHeaders rename the headers that carry the verified identity to
	// the upstream (defaults X-Rampart-Subject, …).
	IdentityHeaders RouteIdentityHeaders `yaml:"identity_headers"`
}

// RouteRateLimit is one limit: a rate and burst per key.
type RouteRateLimit struct {
	// Name labels the limit in RateLimit headers and logs. Default: the key.
	Name string `yaml:"name"`
	// Key is what is counted: ip, subject, api_key, client, header:NAME, or
	// several joined with "+" (subject+ip). Required.
	Key string `yaml:"key"`
	// Rate is "N/s", "N/m", "N/h", "N/d" (or "N/10s"). Required.
	Rate string `yaml:"rate"`
	// Burst is how many requests may come at once. Default: N of the rate.
	Burst int `yaml:"burst"`
}

// Limit is the rate and burst as the ratelimit package takes them.
func (l RouteRateLimit) Limit() (ratelimit.Limit, error) {
	lim, err := ratelimit.ParseLimit(l.Rate)
	if err != nil {
		return lim, err
	}
	if l.Burst != 0 {
		lim.Burst = l.Burst
	}
	return lim, lim.Validate()
}

// KeyParts splits Key on "+".
func (l RouteRateLimit) KeyParts() []string { return strings.Split(l.Key, "+") }

// PolicyName is Name, or the key when Name is empty.
func (l RouteRateLimit) PolicyName() string {
	if l.Name != "" {
		return l.Name
	}
	return l.Key
}

// NeedsIdentity reports whether the key reads the authenticated identity.
func (l RouteRateLimit) NeedsIdentity() bool {
	for _, k := range l.KeyParts() {
		if k == "subject" || k == "api_key" || k == "client" {
			return true
		}
	}
	return false
}

func (l RouteRateLimit) validate(v *validator, path string) {
	if l.Key == "" {
		v.errorf(joinKey(path, "key"), "required: ip, subject, api_key, client, header:NAME, or several joined with + (subject+ip)")
	}
	for _, k := range l.KeyParts() {
		switch {
		case l.Key == "":
		case k == "ip" || k == "subject" || k == "api_key" || k == "client":
		case strings.HasPrefix(k, "header:") && validHeaderName(strings.TrimPrefix(k, "header:")):
		default:
			v.errorf(joinKey(path, "key"), "%s is not ip, subject, api_key, client or header:NAME", quoteValue(k))
		}
	}
	if l.Rate == "" {
		v.errorf(joinKey(path, "rate"), `required, like "10/s", "100/m", "1000/h" or "10000/d"`)
	} else if _, err := l.Limit(); err != nil {
		v.errorf(joinKey(path, "rate"), "%s", strings.TrimPrefix(err.Error(), "ratelimit: "))
	}
	if l.Burst < 0 {
		v.errorf(joinKey(path, "burst"), "must be >= 0, got %d", l.Burst)
	}
	if l.Name != "" && !validHeaderName(l.Name) {
		v.errorf(joinKey(path, "name"), "%s must be a token of letters, digits and -_. (it names the limit in the RateLimit header)", quoteValue(l.Name))
	}
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// RouteIdentityHeaders are header names; empty keeps the default.
type RouteIdentityHeaders struct {
	Subject  string `yaml:"subject"`
	Username string `yaml:"username"`
	Roles    string `yaml:"roles"`
	Scopes   string `yaml:"scopes"`
	ClientID string `yaml:"client_id"`
	Method   string `yaml:"method"`
}

func (h RouteIdentityHeaders) validate(v *validator, path string) {
	for k, name := range map[string]string{"subject": h.Subject, "username": h.Username, "roles": h.Roles, "scopes": h.Scopes, "client_id": h.ClientID, "method": h.Method} {
		if name == "" {
			continue
		}
		switch strings.ToLower(name) {
		case "authorization", "cookie", "host", "content-length", "transfer-encoding", "connection", "x-forwarded-for", "forwarded":
			v.errorf(joinKey(path, k), "%s cannot carry the identity", name)
			continue
		}
		for _, c := range name {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				v.errorf(joinKey(path, k), "%q is not a header name (letters, digits and -)", name)
				break
			}
		}
	}
}

// RouteHeaders override security headers; empty keeps rampart's default and
// "-" removes the header.
type RouteHeaders struct {
	ContentSecurityPolicy     string `yaml:"content_security_policy"`
	FrameOptions              string `yaml:"frame_options"`
	ReferrerPolicy            string `yaml:"referrer_policy"`
	HSTS                      string `yaml:"hsts"`
	CrossOriginOpenerPolicy   string `yaml:"cross_origin_opener_policy"`
	CrossOriginResourcePolicy string `yaml:"cross_origin_resource_policy"`
	PermissionsPolicy         string `yaml:"permissions_policy"`
}

// Policy is the override as the secheaders package takes it.
func (h RouteHeaders) Policy() secheaders.Policy {
	return secheaders.Policy{ContentSecurityPolicy: h.ContentSecurityPolicy, FrameOptions: h.FrameOptions, ReferrerPolicy: h.ReferrerPolicy,
		HSTS: h.HSTS, CrossOriginOpenerPolicy: h.CrossOriginOpenerPolicy, CrossOriginResourcePolicy: h.CrossOriginResourcePolicy,
		PermissionsPolicy: h.PermissionsPolicy}
}

// RouteCORS is a route's cross-origin policy: an explicit origin allowlist.
type RouteCORS struct {
	Origins        []string      `yaml:"origins"`
	Methods        []string      `yaml:"methods"`
	Headers        []string      `yaml:"headers"`
	ExposedHeaders []string      `yaml:"exposed_headers"`
	Credentials    bool          `yaml:"credentials"`
	MaxAge         time.Duration `yaml:"max_age"`
}

// CORS is the policy as the secheaders package takes it.
func (c RouteCORS) CORS() secheaders.CORS {
	return secheaders.CORS{Origins: c.Origins, Methods: c.Methods, Headers: c.Headers, ExposedHeaders: c.ExposedHeaders,
		Credentials: c.Credentials, MaxAge: c.MaxAge}
}

// UpstreamTLS is how rampart connects to an https upstream.
type UpstreamTLS struct {
	// CAFile is a PEM bundle of CAs trusted for the upstream's certificate,
	// instead of the system roots.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are a client certificate rampart presents.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName overrides the name checked in the upstream's certificate.
	ServerName string `yaml:"server_name"`
}

// Config builds the client TLS configuration (TLS 1.2 minimum).
func (u UpstreamTLS) Config() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.ServerName}
	if u.CAFile != "" {
		b, err := os.ReadFile(u.CAFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("no PEM certificates in %s", u.CAFile)
		}
		tc.RootCAs = pool
	}
	if u.CertFile != "" || u.KeyFile != "" {
		c, err := tls.LoadX509KeyPair(u.CertFile, u.KeyFile)
		if err != nil {
			return nil, errors.New(redactTLSError(err))
		}
		tc.Certificates = []tls.Certificate{c}
	}
	return tc, nil
}

func (u UpstreamTLS) set() bool { return u != UpstreamTLS{} }

// RouteMatch is a route's request selector.
type RouteMatch struct {
	Host       string   `yaml:"host"`
	Methods    []string `yaml:"methods"`
	Path       string   `yaml:"path"`
	PathPrefix string   `yaml:"path_prefix"`
	Pattern    string   `yaml:"pattern"`
}

// RouteAuthorize is a route's authorization rule; every part that is set must hold.
type RouteAuthorize struct {
	AllowAuthenticated bool     `yaml:"allow_authenticated"`
	Roles              []string `yaml:"roles"`
	AllRoles           []string `yaml:"all_roles"`
	Scopes             []string `yaml:"scopes"`
	CEL                string   `yaml:"cel"`
}

// Spec is the rule as the authz package takes it.
func (a RouteAuthorize) Spec() authz.Spec {
	return authz.Spec{AllowAuthenticated: a.AllowAuthenticated, Roles: a.Roles, AllRoles: a.AllRoles, Scopes: a.Scopes, CEL: a.CEL}
}

func (a RouteAuthorize) empty() bool {
	return !a.AllowAuthenticated && len(a.Roles) == 0 && len(a.AllRoles) == 0 && len(a.Scopes) == 0 && a.CEL == ""
}

func (r *Route) setDefaults() {
	r.UpstreamTimeout = 30 * time.Second
	r.MaxBodyBytes = 1 << 20
	r.OnLimiterFailure = "fail_open"
}

func (a Authenticator) validate(v *validator, path string) {
	v.oneOf(joinKey(path, "type"), a.Type, "jwt", "api_key", "basic", "introspection", "mtls")
	if a.Type == "introspection" {
		if u, err := url.Parse(a.Endpoint); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
			v.errorf(joinKey(path, "endpoint"), "must be an https URL (http only to loopback), got %s", quoteValue(a.Endpoint))
		}
		if a.ClientID == "" {
			v.errorf(joinKey(path, "client_id"), "required: rampart authenticates to the introspection endpoint")
		}
		if a.ClientSecretFile == "" {
			v.errorf(joinKey(path, "client_secret_file"), "required: a file holding the client secret")
		} else if _, err := os.Stat(a.ClientSecretFile); err != nil {
			v.errorf(joinKey(path, "client_secret_file"), "%v", err)
		}
	} else {
		for k, val := range map[string]string{"endpoint": a.Endpoint, "client_id": a.ClientID, "client_secret_file": a.ClientSecretFile} {
			if val != "" {
				v.errorf(joinKey(path, k), "only introspection authenticators take %s", k)
			}
		}
	}
	if a.Header != "" && a.Type != "api_key" {
		v.errorf(joinKey(path, "header"), "only api_key authenticators read a header")
	}
	if a.Audience != "" && a.Type != "jwt" {
		v.errorf(joinKey(path, "audience"), "only jwt authenticators check an audience")
	}
	if a.Type != "jwt" {
		for k, val := range map[string]string{"issuer": a.Issuer, "jwks_url": a.JWKSURL, "token_type": a.TokenType} {
			if val != "" {
				v.errorf(joinKey(path, k), "only jwt authenticators take %s", k)
			}
		}
	} else {
		if a.TokenType != "" {
			v.oneOf(joinKey(path, "token_type"), a.TokenType, "at+jwt", "JWT")
		}
		switch {
		case (a.Issuer == "") != (a.JWKSURL == ""):
			v.errorf(joinKey(path, "jwks_url"), "issuer and jwks_url go together: both for another issuer's tokens, neither for rampart's own")
		case a.Issuer != "" && a.Audience == "":
			v.errorf(joinKey(path, "audience"), "required with an external issuer: the aud your API answers to")
		case a.JWKSURL != "":
			if u, err := url.Parse(a.JWKSURL); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
				v.errorf(joinKey(path, "jwks_url"), "must be an https URL (http only to loopback), got %s", quoteValue(a.JWKSURL))
			}
		}
	}
	if h := a.Header; h != "" && (strings.ContainsAny(h, " :\r\n") || strings.EqualFold(h, "Authorization") || strings.EqualFold(h, "Cookie")) {
		v.errorf(joinKey(path, "header"), "must be a plain header name other than Authorization and Cookie, got %s", quoteValue(h))
	}
}

func (r Route) validate(v *validator, path string) {
	p := func(k string) string { return joinKey(path, k) }
	if r.Name == "" {
		v.errorf(p("name"), "required")
	}
	switch {
	case r.Upstream != "" && r.Handler != "":
		v.errorf(p("handler"), "set either upstream or handler, not both")
	case r.Handler != "":
		v.oneOf(p("handler"), r.Handler, "demo")
	case r.Upstream == "":
		v.errorf(p("upstream"), "required (or handler: demo)")
	}
	if r.Upstream != "" {
		if u, err := url.Parse(r.Upstream); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			v.errorf(p("upstream"), "must be an http(s) URL like \"http://127.0.0.1:5000\" without credentials, query or fragment; got %s", quoteValue(r.Upstream))
		}
	}
	v.positive(p("upstream_timeout"), r.UpstreamTimeout)
	if r.UpstreamTLS.set() {
		if !strings.HasPrefix(r.Upstream, "https://") {
			v.errorf(p("upstream_tls"), "only for an https upstream")
		} else if (r.UpstreamTLS.CertFile == "") != (r.UpstreamTLS.KeyFile == "") {
			v.errorf(p("upstream_tls"), "cert_file and key_file go together")
		} else if _, err := r.UpstreamTLS.Config(); err != nil {
			v.errorf(p("upstream_tls"), "%v", err)
		}
	}
	if err := r.Headers.Policy().Validate(); err != nil {
		for _, e := range unjoin(err) {
			v.errorf(p("headers"), "%s", strings.TrimPrefix(e.Error(), "secheaders: "))
		}
	}
	if err := r.CORS.CORS().Validate(); err != nil {
		for _, e := range unjoin(err) {
			v.errorf(p("cors"), "%s", strings.TrimPrefix(e.Error(), "secheaders: "))
		}
	}
	if r.MaxBodyBytes < 0 {
		v.errorf(p("max_body_bytes"), "must be >= 0, got %d", r.MaxBodyBytes)
	}
	v.oneOf(p("on_limiter_failure"), r.OnLimiterFailure, "fail_open", "fail_closed")
	names := map[string]int{}
	for i, l := range r.RateLimits {
		lp := fmt.Sprintf("%s[%d]", p("rate_limits"), i)
		if r.Public && l.NeedsIdentity() {
			v.errorf(joinKey(lp, "key"), "%s counts an authenticated identity, and a public route authenticates no one: use ip or header:NAME", quoteValue(l.Key))
		}
		if j, dup := names[l.PolicyName()]; dup {
			v.errorf(joinKey(lp, "name"), "%q already names rate_limits[%d]; give one of them a name", l.PolicyName(), j)
		}
		names[l.PolicyName()] = i
	}
	switch {
	case r.Public && len(r.Authenticate) > 0:
		v.errorf(p("public"), "a public route takes no authenticate list")
	case r.Public && !r.Authorize.empty():
		v.errorf(p("public"), "a public route has no authorize rule: nobody is authenticated to check it against")
	case !r.Public && len(r.Authenticate) == 0:
		v.errorf(p("authenticate"), "required: name at least one authenticator, or set public: true to serve the route to anyone")
	case !r.Public && r.Authorize.empty():
		v.errorf(p("authorize"), "required: roles, all_roles, scopes, cel, or allow_authenticated: true")
	case !r.Public:
		if _, err := authz.Compile(r.Authorize.Spec()); err != nil {
			v.errorf(p("authorize"), "%s", strings.TrimPrefix(err.Error(), "authz: "))
		}
	}
}

// validateRoutes checks what spans routes: unique names, known
// authenticators, and that no two routes match the same requests equally well.
func (c Config) validateRoutes(v *validator) {
	seen := map[string]int{}
	for i, r := range c.Routes {
		if j, dup := seen[r.Name]; dup && r.Name != "" {
			v.errorf(fmt.Sprintf("routes[%d].name", i), "%q is already the name of routes[%d]", r.Name, j)
		}
		seen[r.Name] = i
		for k, name := range r.Authenticate {
			if _, ok := c.Authenticators[name]; !ok {
				v.errorf(fmt.Sprintf("routes[%d].authenticate[%d]", i, k), "no authenticator named %q; define it under authenticators:%s", name, known(c.Authenticators))
			}
		}
	}
	if len(v.errs) == 0 {
		if err := checkOverlap(c.Routes); err != nil {
			for _, e := range unjoin(err) {
				// "routes[2] (name): problem" belongs to that route; a
				// conflict between two routes is reported on the list.
				if m := routeErrRE.FindStringSubmatch(e.Error()); m != nil {
					v.errorf(m[1], "%s", m[2])
				} else {
					v.errorf("routes", "%s", e.Error())
				}
			}
		}
	}
}

var routeErrRE = regexp.MustCompile(`^(routes\[\d+\]) \([^)]*\): (.*)$`)

func known(m map[string]Authenticator) string {
	if len(m) == 0 {
		return " (there are none)"
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return " (known: " + strings.Join(names, ", ") + ")"
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{errors.Unwrap(err), err}[1:]
}

// checkOverlap compiles the routes' matches as the gateway will.
func checkOverlap(routes []Route) error {
	ms := make([]routing.NamedMatch, len(routes))
	for i, r := range routes {
		m := r.Match
		ms[i] = routing.NamedMatch{Name: r.Name, Match: routing.Match{Host: m.Host, Methods: m.Methods, Path: m.Path, PathPrefix: m.PathPrefix, Pattern: m.Pattern}}
	}
	_, err := routing.NewRouter(ms)
	return err
}

// DemoRoutes is what `rampart serve` runs with no configuration file: the
// tutorial's GET /api/data, for any caller with a rampart access token or API key.
func DemoRoutes() (map[string]Authenticator, []Route) {
	auths := map[string]Authenticator{"own_jwt": {Type: "jwt"}, "keys": {Type: "api_key"}}
	r := Route{Name: "demo-data", Match: RouteMatch{Path: "/api/data", Methods: []string{"GET"}}, Handler: "demo",
		Authenticate: []string{"own_jwt", "keys"}, Authorize: RouteAuthorize{AllowAuthenticated: true}}
	r.setDefaults()
	// Rate limited like a real route should be: per client IP before
	// authentication, per identity after it.
	r.RateLimits = []RouteRateLimit{{Key: "ip", Rate: "120/m"}, {Key: "subject", Rate: "10/s", Burst: 20}}
	return auths, []Route{r}
}
