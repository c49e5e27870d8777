package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/authz"
	"github.com/rampart-sec/rampart/internal/config"
	"github.com/rampart-sec/rampart/internal/problem"
	"github.com/rampart-sec/rampart/internal/routing"
	"github.com/rampart-sec/rampart/ratelimit"
	"github.com/rampart-sec/rampart/secheaders"
	"github.com/rampart-sec/rampart/telemetry"
)

// Options are the gateway's optional collaborators.
type Options struct {
	// Log receives upstream failures and refused requests. Nil discards.
	Log *slog.Logger
	// OnDecision sees every authorization decision (the audit hook).
	OnDecision func(r *http.Request, d authz.Decision)
	// OnAuthFailure sees every refused credential with the reason.
	OnAuthFailure func(r *http.Request, err error)
	// Limiter decides the routes' rate limits. Its zero value gives the
	// gateway an in-memory backend of its own.
	Limiter Limiter
	// OnRateLimit sees every rate-limit decision (the metrics and audit hook).
	OnRateLimit func(r *http.Request, d ratelimit.Decision)
	// WrapTransport, when set, wraps each route's upstream transport (the
	// tracing hook: a client span per upstream request).
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// Limiter is the rate-limit backend for each on_limiter_failure policy. With
// one node both are the same in-memory backend; with Redis they are the
// fail-open and fail-closed views of one ratelimit.Fallback.
type Limiter struct {
	FailOpen, FailClosed ratelimit.Backend
}

// Gateway routes requests to the configured upstreams through each route's
// chain. It is immutable; a new configuration builds a new Gateway.
type Gateway struct {
	router   *routing.Router
	names    []string
	handlers []http.Handler
	notFound http.Handler
}

// New builds the gateway for routes, with the authenticators they name.
func New(routes []config.Route, auths map[string]authn.Authenticator, opts Options) (*Gateway, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	ms := make([]routing.NamedMatch, len(routes))
	for i, r := range routes {
		m := r.Match
		ms[i] = routing.NamedMatch{Name: r.Name, Match: routing.Match{Host: m.Host, Methods: m.Methods, Path: m.Path, PathPrefix: m.PathPrefix, Pattern: m.Pattern}}
	}
	router, err := routing.NewRouter(ms)
	if err != nil {
		return nil, err
	}
	if opts.Limiter.FailOpen == nil || opts.Limiter.FailClosed == nil {
		m := ratelimit.NewMemory(ratelimit.DefaultMaxKeys)
		opts.Limiter = Limiter{FailOpen: m, FailClosed: m}
	}
	headers := secheaders.Middleware(secheaders.Policy{}, secheaders.IsHTTPS(isHTTPS))
	g := &Gateway{router: router, names: make([]string, len(routes)), handlers: make([]http.Handler, len(routes))}
	opts = recordingHooks(opts)
	for i, r := range routes {
		var h http.Handler
		switch r.Handler {
		case "demo":
			h = demoHandler()
		case "":
			up, err := url.Parse(r.Upstream)
			if err != nil {
				return nil, fmt.Errorf("routes[%d] (%s): upstream: %w", i, r.Name, err)
			}
			tc, err := r.UpstreamTLS.Config()
			if err != nil {
				return nil, fmt.Errorf("routes[%d] (%s): upstream_tls: %w", i, r.Name, err)
			}
			tr := NewTransport(r.UpstreamTimeout)
			tr.TLSClientConfig = tc
			direct := newDirectTransport(tr)
			var rt http.RoundTripper = direct
			if opts.WrapTransport != nil {
				if rt = opts.WrapTransport(rt); rt != http.RoundTripper(direct) {
					direct = nil // traced requests all go through the wrapped transport
				}
			}
			ih := r.IdentityHeaders
			var drop []string
			if len(r.RateLimits) > 0 {
				drop = []string{"RateLimit", "RateLimit-Policy"}
			}
			h = NewProxy(Upstream{URL: up, Timeout: r.UpstreamTimeout, Transport: telemetry.Transport(rt), DropResponseHeaders: drop, direct: direct}, IdentityHeaders{Subject: ih.Subject, Username: ih.Username,
				Roles: ih.Roles, Scopes: ih.Scopes, ClientID: ih.ClientID, Method: ih.Method}, opts.Log)
		default:
			return nil, fmt.Errorf("routes[%d] (%s): unknown handler %q", i, r.Name, r.Handler)
		}
		before, after, err := routeLimits(r)
		if err != nil {
			return nil, fmt.Errorf("routes[%d] (%s): rate_limits: %w", i, r.Name, err)
		}
		backend := opts.Limiter.FailOpen
		if r.OnLimiterFailure == "fail_closed" {
			backend = opts.Limiter.FailClosed
		}
		var rlOpts []ratelimit.Option
		if opts.OnRateLimit != nil {
			rlOpts = append(rlOpts, ratelimit.OnDecision(opts.OnRateLimit))
		}
		if len(after) > 0 {
			h = ratelimit.Middleware(backend, after, rlOpts...)(h)
		}
		if !r.Public {
			pol, err := authz.Compile(r.Authorize.Spec())
			if err != nil {
				return nil, fmt.Errorf("routes[%d] (%s): authorize: %w", i, r.Name, err)
			}
			h = authz.Middleware(pol, opts.OnDecision)(h)
			chain := make([]authn.Authenticator, 0, len(r.Authenticate))
			for _, name := range r.Authenticate {
				a, ok := auths[name]
				if !ok {
					return nil, fmt.Errorf("routes[%d] (%s): no authenticator named %q", i, r.Name, name)
				}
				chain = append(chain, recordingAuthenticator{a})
			}
			h = authn.Chain(chain, authn.Options{OnFailure: opts.OnAuthFailure})(h)
			h = guardAuthorization(h)
		}
		h = limitBody(r.MaxBodyBytes)(h)
		if len(before) > 0 {
			h = ratelimit.Middleware(backend, before, rlOpts...)(h)
		}
		cors, err := secheaders.CORSMiddleware(r.CORS.CORS())
		if err != nil {
			return nil, fmt.Errorf("routes[%d] (%s): cors: %w", i, r.Name, err)
		}
		pol := r.Headers.Policy()
		if err := pol.Validate(); err != nil {
			return nil, fmt.Errorf("routes[%d] (%s): headers: %w", i, r.Name, err)
		}
		g.names[i] = r.Name
		g.handlers[i] = secheaders.Middleware(pol, secheaders.IsHTTPS(isHTTPS))(cors(h))
	}
	g.notFound = headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		problem.Write(w, http.StatusNotFound, "Not Found", "No route matches this request.")
	}))
	return g, nil
}

// ServeHTTP implements http.Handler: the most specific route's chain, 404
// when no route matches, 400 for a non-canonical path. A CORS preflight
// (OPTIONS with Access-Control-Request-Method) is matched as the method it
// asks about, so the route's CORS policy can answer it.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if w.Header()[RequestIDHeader] == nil { // not assigned in front of the gateway
		ensureRequestID(w, r)
	}
	mr := r
	if m := r.Header.Get("Access-Control-Request-Method"); r.Method == http.MethodOptions && m != "" {
		mr = r.Clone(r.Context())
		mr.Method = m
	}
	rt, ok, err := g.router.Match(mr)
	switch {
	case errors.Is(err, routing.ErrBadPath):
		w.Header().Set("X-Content-Type-Options", "nosniff")
		problem.Write(w, http.StatusBadRequest, "Bad Request", "The request path is not in canonical form.")
	case !ok:
		g.notFound.ServeHTTP(w, r)
	default:
		telemetry.RecordFrom(r.Context()).SetRoute(g.names[rt.Index])
		g.handlers[rt.Index].ServeHTTP(w, r)
	}
}

// routeLimits compiles a route's rate limits: those checked before
// authentication (keyed by IP or header) and those after authorization
// (keyed by identity). Buckets belong to the route: two routes with a limit
// of the same name count separately.
func routeLimits(r config.Route) (before, after []ratelimit.Policy, err error) {
	for _, l := range r.RateLimits {
		lim, err := l.Limit()
		if err != nil {
			return nil, nil, err
		}
		var fs []ratelimit.KeyFunc
		for _, part := range l.KeyParts() {
			switch {
			case part == "ip":
				fs = append(fs, ratelimit.ByIP())
			case part == "subject":
				fs = append(fs, ratelimit.BySubject())
			case part == "api_key":
				fs = append(fs, ratelimit.ByAPIKey())
			case part == "client":
				fs = append(fs, ratelimit.ByClientID())
			case strings.HasPrefix(part, "header:"):
				fs = append(fs, ratelimit.ByHeader(strings.TrimPrefix(part, "header:")))
			default:
				return nil, nil, fmt.Errorf("unknown key %q", part)
			}
		}
		key := fs[0]
		if len(fs) > 1 {
			key = ratelimit.All(fs...)
		}
		p := ratelimit.Policy{Name: l.PolicyName(), Limit: lim, Key: key, KeyPrefix: "route:" + r.Name + "|"}
		if l.NeedsIdentity() {
			after = append(after, p)
		} else {
			before = append(before, p)
		}
	}
	for _, ps := range [][]ratelimit.Policy{before, after} {
		if len(ps) == 0 {
			continue
		}
		if err := ratelimit.ValidatePolicies(ps); err != nil {
			return nil, nil, err
		}
	}
	return before, after, nil
}

// limitBody refuses bodies over max bytes with 413 problem+json: at once
// when Content-Length says so, else when the upstream read crosses the limit.
func limitBody(max int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if max <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > max {
				problem.Write(w, http.StatusRequestEntityTooLarge, "Content Too Large", "The request body exceeds "+strconv.FormatInt(max, 10)+" bytes.")
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, max)
			next.ServeHTTP(w, r)
		})
	}
}

// demoHandler is the tutorial's protected resource, served by rampart itself.
func demoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := map[string]any{"data": "This is secure data"}
		if id, ok := authn.FromContext(r.Context()); ok {
			out["subject"] = id.Subject
			if id.Username != "" {
				out["username"] = id.Username
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
}

// isHTTPS reports whether the request reached rampart over TLS.
func isHTTPS(r *http.Request) bool { return r.TLS != nil }
