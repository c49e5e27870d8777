package authn

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/rampart-sec/rampart/token"
)

// JWT authenticates "Authorization: Bearer <JWT>" access tokens with a
// token.Verifier (issuer, audience, algorithm pinned by key, expiry). Only
// values shaped like a JWS (three dot-separated parts) are recognised.
type JWT struct {
	// Verifier checks the token. Required.
	Verifier *token.Verifier
	// Revoked, when set, is consulted after the signature: true refuses the token.
	Revoked func(c *token.Claims) bool
	// Realm names the protection space in the challenge. Default "rampart".
	Realm string
}

var _ Authenticator = (*JWT)(nil)

// Authenticate implements Authenticator.
func (j *JWT) Authenticate(r *http.Request) (*Identity, error) {
	tok, ok := bearer(r)
	if !ok || strings.Count(tok, ".") != 2 {
		return nil, ErrNoCredential
	}
	c, err := j.Verifier.Verify(tok)
	if err != nil {
		return nil, fmt.Errorf("%w: jwt: %v", ErrInvalidCredential, err)
	}
	if j.Revoked != nil && j.Revoked(c) {
		return nil, fmt.Errorf("%w: jwt: revoked", ErrInvalidCredential)
	}
	id := &Identity{Subject: c.Subject, Roles: c.Roles, Scopes: c.Scopes, Method: MethodJWT, ClientID: c.ClientID, Claims: claimsMap(c)}
	if u, _ := c.Extra["preferred_username"].(string); u != "" {
		id.Username = u
	}
	return id, nil
}

// Challenge implements Authenticator.
func (j *JWT) Challenge() string { return `Bearer realm="` + realm(j.Realm) + `"` }

func claimsMap(c *token.Claims) map[string]any {
	m := make(map[string]any, len(c.Extra)+8)
	for k, v := range c.Extra {
		m[k] = v
	}
	m["iss"], m["sub"], m["client_id"], m["jti"] = c.Issuer, c.Subject, c.ClientID, c.ID
	m["aud"] = c.Audience
	m["exp"], m["iat"] = c.ExpiresAt.Unix(), c.IssuedAt.Unix()
	return m
}
