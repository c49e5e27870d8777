package secheaders

import (
	"log/slog"
	"net/http"
)

// An Option configures [Middleware] or [CORSMiddleware] with an optional
// collaborator. Each has a working default.
type Option func(*options)

type options struct {
	isHTTPS     func(*http.Request) bool
	credHeaders []string
	logger      *slog.Logger
}

// IsHTTPS tells [Middleware] that a request reached the client side over
// HTTPS even though r.TLS is nil: TLS ended at a load balancer in front of
// rampart. f must rely only on what a trusted proxy set (the scheme decided
// once at the entry point from trusted-proxy addresses), never on a
// client's own X-Forwarded-Proto. Without it, only r.TLS != nil counts.
// Only Strict-Transport-Security depends on it.
func IsHTTPS(f func(r *http.Request) bool) Option {
	return func(o *options) { o.isHTTPS = f }
}

// CredentialHeaders names request headers that carry credentials besides
// Authorization, Proxy-Authorization and Cookie, typically the API-key
// header ("X-API-Key"). A response to a request with any of them gets
// [Policy.CacheControlOnCredentials]. [Middleware] panics on a name that is
// not a valid header name.
func CredentialHeaders(names ...string) Option {
	return func(o *options) { o.credHeaders = append(o.credHeaders, names...) }
}

// Logger makes [Middleware] and [CORSMiddleware] log, once when they are
// built, each way the configuration relaxes a secure default: a header
// omitted, overridden or left to the upstream, CORS enabled and for which
// origins. Pass a logger that already names the route. Without it nothing is
// logged.
func Logger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

func buildOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}
