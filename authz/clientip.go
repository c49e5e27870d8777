package authz

import "context"

type clientIPKey struct{}

// WithClientIP returns a context carrying the client IP the gateway decided
// at its entry point (from the connection and its trusted-proxy rules). CEL
// expressions read it as request.remote_ip; authz never derives it from
// request headers itself.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// clientIP returns the IP set by WithClientIP, or "" when there is none.
func clientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}
