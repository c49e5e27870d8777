package authz

import (
	"context"

	"github.com/rampart-sec/rampart/clientip"
)

type clientIPKey struct{}

// WithClientIP returns a context carrying the client IP the gateway decided
// at its entry point (from the connection and its trusted-proxy rules). CEL
// expressions read it as request.remote_ip; authz never derives it from
// request headers itself.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// clientIP returns the IP set by WithClientIP, else the one the clientip
// package decided, or "" when there is none.
func clientIP(ctx context.Context) string {
	if ip, ok := ctx.Value(clientIPKey{}).(string); ok {
		return ip
	}
	if a, ok := clientip.FromContext(ctx); ok {
		return a.String()
	}
	return ""
}
