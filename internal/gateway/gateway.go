package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/authz"
	"github.com/rampart-sec/rampart/internal/config"
	"github.com/rampart-sec/rampart/internal/problem"
	"github.com/rampart-sec/rampart/internal/routing"
	"github.com/rampart-sec/rampart/secheaders"
)

// Options are the gateway's optional collaborators.
type Options struct {
	// Log receives upstream failures and refused requests. Nil discards.
	Log *slog.Logger
	// OnDecision sees every authorization decision (the audit hook).
	OnDecision func(r *http.Request, d authz.Decision)
	// OnAuthFailure sees every refused credential with the reason.
	OnAuthFailure func(r *http.Request, err error)
}

// Gateway routes requests to the configured upstreams through each route's
// chain. It is immutable; a new configuration builds a new Gateway.
type Gateway struct {
	router   *routing.Router
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
	headers := secheaders.Middleware(secheaders.Policy{}, secheaders.IsHTTPS(isHTTPS))
	g := &Gateway{router: router, handlers: make([]http.Handler, len(routes))}
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
			ih := r.IdentityHeaders
			h = NewProxy(Upstream{URL: up, Timeout: r.UpstreamTimeout, Transport: tr}, IdentityHeaders{Subject: ih.Subject, Username: ih.Username,
				Roles: ih.Roles, Scopes: ih.Scopes, ClientID: ih.ClientID, Method: ih.Method}, opts.Log)
		default:
			return nil, fmt.Errorf("routes[%d] (%s): unknown handler %q", i, r.Name, r.Handler)
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
				chain = append(chain, a)
			}
			h = authn.Chain(chain, authn.Options{OnFailure: opts.OnAuthFailure})(h)
			h = guardAuthorization(h)
		}
		h = limitBody(r.MaxBodyBytes)(h)
		cors, err := secheaders.CORSMiddleware(r.CORS.CORS())
		if err != nil {
			return nil, fmt.Errorf("routes[%d] (%s): cors: %w", i, r.Name, err)
		}
		pol := r.Headers.Policy()
		if err := pol.Validate(); err != nil {
			return nil, fmt.Errorf("routes[%d] (%s): headers: %w", i, r.Name, err)
		}
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
	ensureRequestID(w, r)
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
		g.handlers[rt.Index].ServeHTTP(w, r)
	}
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
