package authz

import (
	"context"

	"github.com/rampart-sec/rampart/clientip"
)

// remoteIP returns request.remote_ip: the client IP the gateway decided at
// its entry point (from the connection and its trusted-proxy rules, put in
// the context with clientip.NewContext), or "" when there is none. authz
// never derives it from request headers itself.
func remoteIP(ctx context.Context) string {
	if a, ok := clientip.FromContext(ctx); ok {
		return a.String()
	}
	return ""
}
