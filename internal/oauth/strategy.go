package oauth

import (
	"context"
	"errors"
	"time"

	"github.com/ory/fosite"

	"github.com/rampart-sec/rampart/token"
)

// accessTokenStrategy makes fosite issue RFC 9068 JWT access tokens signed
// by rampart's keys. A token's "signature" (fosite's storage key) is the
// token itself: nothing is stored per token, and lookups verify and decode it.
type accessTokenStrategy struct {
	minter          *token.Minter
	verifier        *token.Verifier // any audience: the issuer checks its own tokens
	revoked         *denyList
	defaultAudience []string
	ttl             time.Duration
	now             func() time.Time
}

// AccessTokenSignature implements oauth2.AccessTokenStrategy.
func (a *accessTokenStrategy) AccessTokenSignature(_ context.Context, tok string) string { return tok }

// GenerateAccessToken implements oauth2.AccessTokenStrategy.
func (a *accessTokenStrategy) GenerateAccessToken(_ context.Context, r fosite.Requester) (string, string, error) {
	sess, _ := r.GetSession().(*Session)
	client := r.GetClient().GetID()
	c := token.Claims{
		Subject:  client, // RFC 9068 §2.2: a client credentials token's subject is the client
		ClientID: client,
		Scopes:   r.GetGrantedScopes(),
		Audience: r.GetGrantedAudience(),
		Extra:    map[string]any{"sid": r.GetID()},
	}
	if len(c.Audience) == 0 {
		c.Audience = r.GetClient().GetAudience()
	}
	if len(c.Audience) == 0 {
		c.Audience = a.defaultAudience
	}
	ttl := a.ttl
	if sess != nil {
		if s := sess.GetSubject(); s != "" {
			c.Subject = s
			c.Roles = sess.Roles
			if sess.Username != "" {
				c.Extra["preferred_username"] = sess.Username
			}
		}
		if exp := sess.GetExpiresAt(fosite.AccessToken); !exp.IsZero() {
			ttl = exp.Sub(a.now())
		}
	}
	raw, _, err := a.minter.Mint(c, ttl)
	if err != nil {
		return "", "", err
	}
	return raw, raw, nil
}

// ValidateAccessToken implements oauth2.AccessTokenStrategy.
func (a *accessTokenStrategy) ValidateAccessToken(ctx context.Context, _ fosite.Requester, tok string) error {
	_, err := a.verify(ctx, tok)
	return err
}

// verify checks signature, issuer, lifetime and the deny-list, mapping
// failures to fosite's errors.
func (a *accessTokenStrategy) verify(_ context.Context, tok string) (*token.Claims, error) {
	c, err := a.verifier.Verify(tok)
	switch {
	case errors.Is(err, token.ErrExpired):
		return nil, fosite.ErrTokenExpired.WithWrap(err)
	case err != nil:
		return nil, fosite.ErrTokenSignatureMismatch.WithWrap(err)
	case a.revoked.denied(c):
		return nil, fosite.ErrInactiveToken.WithHint("The token was revoked.")
	}
	return c, nil
}

// requestFromToken rebuilds the fosite request an access token stands for.
func (a *accessTokenStrategy) requestFromToken(ctx context.Context, tok string, session fosite.Session, clients fosite.ClientManager) (fosite.Requester, error) {
	c, err := a.verify(ctx, tok)
	if err != nil {
		if errors.Is(err, fosite.ErrTokenExpired) || errors.Is(err, fosite.ErrInactiveToken) {
			return nil, err
		}
		return nil, fosite.ErrNotFound.WithWrap(err)
	}
	client, err := clients.GetClient(ctx, c.ClientID)
	if err != nil {
		return nil, fosite.ErrNotFound.WithWrap(err)
	}
	sess, ok := session.(*Session)
	if !ok || sess == nil || sess.DefaultSession == nil {
		sess = newSession("", "", nil)
	}
	username, _ := c.Extra["preferred_username"].(string)
	fresh := newSession(c.Subject, username, c.Roles)
	*sess = *fresh
	sess.SetExpiresAt(fosite.AccessToken, c.ExpiresAt)
	sid, _ := c.Extra["sid"].(string)
	req := &fosite.Request{
		ID: sid, RequestedAt: c.IssuedAt, Client: client,
		RequestedScope: c.Scopes, GrantedScope: c.Scopes,
		RequestedAudience: c.Audience, GrantedAudience: c.Audience,
		Session: sess,
	}
	return req, nil
}
