// Package authn authenticates HTTP requests. Each authenticator is
// middleware that recognises one kind of credential and puts the verified
// Identity in the request context; authorization and the upstream proxy read
// it from there with FromContext.
package authn

import "context"

// Method names how an identity was authenticated.
type Method string

// The authentication methods.
const (
	MethodJWT           Method = "jwt"
	MethodAPIKey        Method = "api_key"
	MethodBasic         Method = "basic"
	MethodIntrospection Method = "introspection"
	MethodMTLS          Method = "mtls"
)

// Identity is who made a request, as proven by an authenticator. Its zero
// value is no one: empty Subject, no roles, no scopes.
type Identity struct {
	// Subject is the stable identifier of the user or client (a JWT's sub).
	Subject string
	// Username is the human-readable name when there is one.
	Username string
	// Roles are the user's roles; nil when there are none.
	Roles []string
	// Scopes are the scopes the credential carries; nil when there are none.
	Scopes []string
	// Method is how the request was authenticated.
	Method Method
	// ClientID is the OAuth client the credential was issued to, if any.
	ClientID string
	// KeyID is the API key's id (never its secret) when Method is api_key.
	KeyID string
	// Claims are the raw claims of a token credential (nil otherwise). Never
	// modify them.
	Claims map[string]any
}

// HasRole reports whether the identity holds role.
func (id *Identity) HasRole(role string) bool {
	if id == nil {
		return false
	}
	for _, r := range id.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// HasScope reports whether the identity carries scope.
func (id *Identity) HasScope(scope string) bool {
	if id == nil {
		return false
	}
	for _, s := range id.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

type ctxKey struct{}

// WithIdentity returns a context carrying id.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the identity an authenticator put in ctx.
func FromContext(ctx context.Context) (*Identity, bool) {
	id, ok := ctx.Value(ctxKey{}).(*Identity)
	return id, ok && id != nil
}

// clone returns a copy whose slices the caller may not share with a cache.
// Claims are shared: they are read-only.
func (id *Identity) clone() *Identity {
	c := *id
	return &c
}
