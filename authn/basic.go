package authn

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// PasswordVerifier checks a username and password and returns the identity;
// any error means the credentials are refused (the reason is for logs). It
// is where throttling and lockout live, so Basic cannot be used to guess
// passwords faster than the login page.
type PasswordVerifier func(ctx context.Context, username, password string) (*Identity, error)

// Basic authenticates HTTP Basic credentials (RFC 7617) against the user store.
type Basic struct {
	// Verify checks the credentials. Required.
	Verify PasswordVerifier
	// Realm names the protection space in the challenge. Default "rampart".
	Realm string
}

var _ Authenticator = (*Basic)(nil)

// Authenticate implements Authenticator. A Basic header that does not decode
// is an invalid credential, not an absent one.
func (b *Basic) Authenticate(r *http.Request) (*Identity, error) {
	h := r.Header.Get("Authorization")
	scheme, _, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return nil, ErrNoCredential
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user == "" || pass == "" {
		return nil, fmt.Errorf("%w: basic: malformed credentials", ErrInvalidCredential)
	}
	id, err := b.Verify(r.Context(), user, pass)
	if err != nil {
		return nil, fmt.Errorf("%w: basic: %v", ErrInvalidCredential, err)
	}
	id.Method = MethodBasic
	return id, nil
}

// Challenge implements Authenticator.
func (b *Basic) Challenge() string { return `Basic realm="` + realm(b.Realm) + `", charset="UTF-8"` }
