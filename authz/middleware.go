package authz

import (
	"net/http"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/internal/problem"
)

// The problem+json bodies (RFC 9457). They say what the client may know and
// nothing of the rule that refused it.
var (
	forbiddenBody    = problem.Body(http.StatusForbidden, "Forbidden", "You do not have permission to access this resource.")
	unauthorizedBody = problem.Body(http.StatusUnauthorized, "Unauthorized", "Authentication is required to access this resource.")
)

// Middleware enforces p on every request. A request whose context has no
// identity (see authn.WithIdentity) is answered 401; one that p denies is
// answered 403. Both answers are problem+json bodies that name no rule and
// quote no expression; the reason goes to onDecision only. onDecision, when
// not nil, is called for every decision, allowed or not, before the response
// is written or next is called: it is the audit hook. Allowed requests go to
// next.
//
// The 401 here is a safety net for a chain whose authentication stage let a
// request through without an identity; it carries no WWW-Authenticate
// challenge because authz does not know the scheme. Middleware panics if p
// is nil.
func Middleware(p *Policy, onDecision func(r *http.Request, d Decision)) func(http.Handler) http.Handler {
	if p == nil {
		panic("authz: Middleware needs a compiled *Policy, got nil")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, ok := authn.FromContext(r.Context())
			d := p.Decide(id, r) // a nil id is denied
			if onDecision != nil {
				onDecision(r, d)
			}
			switch {
			case !ok:
				problem.WriteBody(w, http.StatusUnauthorized, unauthorizedBody)
			case !d.Allow:
				problem.WriteBody(w, http.StatusForbidden, forbiddenBody)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}
