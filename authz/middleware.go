package authz

import (
	"net/http"
	"strconv"

	"github.com/rampart-sec/rampart/authn"
)

// The problem+json bodies (RFC 9457). They say what the client may know and
// nothing of the rule that refused it.
var (
	forbiddenBody    = []byte(`{"type":"about:blank","title":"Forbidden","status":403,"detail":"You do not have permission to access this resource."}` + "\n")
	unauthorizedBody = []byte(`{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Authentication is required to access this resource."}` + "\n")
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
				writeProblem(w, http.StatusUnauthorized, unauthorizedBody)
			case !d.Allow:
				writeProblem(w, http.StatusForbidden, forbiddenBody)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

func writeProblem(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
