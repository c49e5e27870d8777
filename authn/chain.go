package authn

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/rampart-sec/rampart/internal/problem"
)

// ErrNoCredential is what an Authenticator returns when the request carries
// no credential of its kind; the chain then asks the next one.
var ErrNoCredential = errors.New("no credential of this kind")

// ErrInvalidCredential is what an Authenticator returns (possibly wrapped,
// with the reason for logs) when it recognised a credential and refused it.
var ErrInvalidCredential = errors.New("invalid credential")

// Authenticator recognises one kind of credential.
type Authenticator interface {
	// Authenticate returns the identity the request proves, ErrNoCredential
	// when the request carries no credential this authenticator understands,
	// or another error (wrapping ErrInvalidCredential) when it carries one
	// that is invalid. It must never fall back to "anonymous" on a bad credential.
	Authenticate(r *http.Request) (*Identity, error)
	// Challenge is the WWW-Authenticate value a 401 offers for this kind,
	// e.g. `Bearer realm="api"`.
	Challenge() string
}

// Options tune Chain. The zero value is safe.
type Options struct {
	// OnFailure, when set, sees every refused request with the reason
	// (for logs and audit); the reason never reaches the client.
	OnFailure func(r *http.Request, err error)
}

// Chain authenticates with the first authenticator that recognises the
// credential. That authenticator decides: a present but invalid credential
// is a 401, never a fall-through to the next one. A request that no
// authenticator recognises is a 401 offering every challenge. On success the
// identity is in the request context (FromContext).
func Chain(auths []Authenticator, opts Options) func(http.Handler) http.Handler {
	challenges := make([]string, 0, len(auths))
	for _, a := range auths {
		if c := a.Challenge(); !slices.Contains(challenges, c) { // JWT and API keys share "Bearer"
			challenges = append(challenges, c)
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, a := range auths {
				id, err := a.Authenticate(r)
				if errors.Is(err, ErrNoCredential) {
					continue
				}
				if err != nil || id == nil {
					if err == nil {
						err = ErrInvalidCredential
					}
					if opts.OnFailure != nil {
						opts.OnFailure(r, err)
					}
					unauthorized(w, []string{invalidChallenge(a.Challenge())}, "The credential is invalid, expired or revoked.")
					return
				}
				next.ServeHTTP(w, r.WithContext(WithIdentity(r.Context(), id)))
				return
			}
			if opts.OnFailure != nil {
				opts.OnFailure(r, ErrNoCredential)
			}
			unauthorized(w, challenges, "Authentication is required.")
		})
	}
}

// invalidChallenge adds error="invalid_token" to a Bearer challenge (RFC 6750 §3.1).
func invalidChallenge(c string) string {
	if strings.HasPrefix(c, "Bearer") {
		return c + `, error="invalid_token"`
	}
	return c
}

func unauthorized(w http.ResponseWriter, challenges []string, detail string) {
	for _, c := range challenges {
		w.Header().Add("WWW-Authenticate", c)
	}
	problem.Write(w, http.StatusUnauthorized, "Unauthorized", detail)
}

// bearer returns the token of an "Authorization: Bearer …" header, and
// whether the header used the Bearer scheme at all.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(tok), true
}
