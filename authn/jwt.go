package authn

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

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
	// Now is the clock for the verified-token cache. Nil means time.Now.
	Now func() time.Time

	once  sync.Once
	cache *verifiedCache[*jwtEntry]
}

// jwtEntry is a verified token: its claims (for the revocation check on
// every use) and the identity built from them.
type jwtEntry struct {
	claims *token.Claims
	id     *Identity
}

// jwtCacheSize bounds the verified-token cache.
const jwtCacheSize = 16384

var _ Authenticator = (*JWT)(nil)

// Authenticate implements Authenticator.
func (j *JWT) Authenticate(r *http.Request) (*Identity, error) {
	tok, ok := bearer(r)
	if !ok || strings.Count(tok, ".") != 2 {
		return nil, ErrNoCredential
	}
	j.once.Do(func() {
		j.cache = newVerifiedCache[*jwtEntry](jwtCacheSize)
		if j.Now == nil {
			j.Now = time.Now
		}
	})
	now := j.Now()
	// A token that verified is remembered until it expires, so the signature
	// is checked once per token, not once per request; revocation is still
	// checked every time.
	if e, ok := j.cache.get(tok, now, 0); ok {
		if j.Revoked != nil && j.Revoked(e.claims) {
			return nil, fmt.Errorf("%w: jwt: revoked", ErrInvalidCredential)
		}
		return e.id.clone(), nil
	}
	c, err := j.Verifier.Verify(tok)
	if err != nil {
		return nil, fmt.Errorf("%w: jwt: %v", ErrInvalidCredential, err)
	}
	if j.Revoked != nil && j.Revoked(c) {
		return nil, fmt.Errorf("%w: jwt: revoked", ErrInvalidCredential)
	}
	id := j.identity(c)
	j.cache.put(tok, &jwtEntry{claims: c, id: id}, c.ExpiresAt, 0)
	return id.clone(), nil
}

func (j *JWT) identity(c *token.Claims) *Identity {
	id := &Identity{Subject: c.Subject, Roles: c.Roles, Scopes: c.Scopes, Method: MethodJWT, ClientID: c.ClientID, Claims: claimsMap(c)}
	if u, _ := c.Extra["preferred_username"].(string); u != "" {
		id.Username = u
	}
	return id
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
