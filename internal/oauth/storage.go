package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/ory/fosite"

	"github.com/rampart-sec/rampart/internal/store"
)

// storedRequest is the serialised form of a fosite request in oauth_sessions.
type storedRequest struct {
	ID                string          `json:"id"`
	RequestedAt       time.Time       `json:"requested_at"`
	ClientID          string          `json:"client_id"`
	RequestedScopes   []string        `json:"requested_scopes"`
	GrantedScopes     []string        `json:"granted_scopes"`
	RequestedAudience []string        `json:"requested_audience"`
	GrantedAudience   []string        `json:"granted_audience"`
	Form              url.Values      `json:"form"`
	Session           json.RawMessage `json:"session"`
}

// secretFormKeys are never stored with a request.
var secretFormKeys = []string{"client_secret", "password", "code", "code_verifier", "refresh_token", "client_assertion"}

func encodeRequest(r fosite.Requester) ([]byte, error) {
	form := url.Values{}
	for k, v := range r.GetRequestForm() {
		form[k] = append([]string(nil), v...)
	}
	for _, k := range secretFormKeys {
		form.Del(k)
	}
	sess, err := json.Marshal(r.GetSession())
	if err != nil {
		return nil, fmt.Errorf("encoding session: %w", err)
	}
	return json.Marshal(storedRequest{
		ID: r.GetID(), RequestedAt: r.GetRequestedAt(), ClientID: r.GetClient().GetID(),
		RequestedScopes: r.GetRequestedScopes(), GrantedScopes: r.GetGrantedScopes(),
		RequestedAudience: r.GetRequestedAudience(), GrantedAudience: r.GetGrantedAudience(),
		Form: form, Session: sess,
	})
}

// Storage is fosite's storage over rampart's store: clients, authorization
// codes, PKCE challenges, OpenID Connect requests and refresh tokens live in
// the database; access tokens are self-contained JWTs and are not stored, so
// issuing one writes nothing (revocations go to the deny-list).
type Storage struct {
	st      *store.Store
	tokens  *accessTokenStrategy
	revoked *denyList
	now     func() time.Time
	clients clientCache
}

// clientCacheTTL bounds how long a node may use a client registration it
// read: a deleted client or a rotated secret stops working everywhere within it.
const clientCacheTTL = 2 * time.Second

const clientCacheMax = 10000

// clientCache keeps recently read clients so that issuing and introspecting
// tokens does not read the database each time.
type clientCache struct {
	mu sync.Mutex
	m  map[string]cachedClient
}

type cachedClient struct {
	c  fosite.Client
	at time.Time
}

func (cc *clientCache) get(id string, now time.Time) (fosite.Client, bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	e, ok := cc.m[id]
	if !ok || now.Sub(e.at) > clientCacheTTL || now.Before(e.at) {
		return nil, false
	}
	return e.c, true
}

func (cc *clientCache) put(id string, c fosite.Client, now time.Time) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.m == nil || len(cc.m) >= clientCacheMax {
		cc.m = make(map[string]cachedClient)
	}
	cc.m[id] = cachedClient{c: c, at: now}
}

// GetClient implements fosite.ClientManager.
func (s *Storage) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	now := s.now()
	if c, ok := s.clients.get(id, now); ok {
		return c, nil
	}
	var fc fosite.Client
	if id == FirstPartyClientID {
		c, err := s.firstPartyClient(ctx, s.tokens.defaultAudience)
		if err != nil {
			return nil, err
		}
		fc = c
	} else {
		c, err := s.st.Client(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, fosite.ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		fc = fositeClient(c)
	}
	s.clients.put(id, fc, now)
	return fc, nil
}

// ClientAssertionJWTValid implements fosite.ClientManager; client assertions
// (private_key_jwt) are not offered, so there is nothing to replay.
func (s *Storage) ClientAssertionJWTValid(context.Context, string) error { return nil }

// SetClientAssertionJWT implements fosite.ClientManager.
func (s *Storage) SetClientAssertionJWT(context.Context, string, time.Time) error { return nil }

func (s *Storage) create(ctx context.Context, kind, signature string, r fosite.Requester, expires time.Time) error {
	data, err := encodeRequest(r)
	if err != nil {
		return err
	}
	subject := ""
	if sess := r.GetSession(); sess != nil {
		subject = sess.GetSubject()
	}
	return s.st.CreateGrant(ctx, &store.Grant{Kind: kind, Signature: signature, RequestID: r.GetID(),
		ClientID: r.GetClient().GetID(), Subject: subject, Data: data, ExpiresAt: expires})
}

// load returns the stored request; inactive grants come back with
// inactiveErr, as fosite requires for replay detection.
func (s *Storage) load(ctx context.Context, kind, signature string, session fosite.Session, inactiveErr error) (fosite.Requester, error) {
	g, err := s.st.Grant(ctx, kind, signature)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fosite.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var sr storedRequest
	if err := json.Unmarshal(g.Data, &sr); err != nil {
		return nil, fmt.Errorf("decoding stored %s grant: %w", kind, err)
	}
	if session == nil {
		session = newSession("", "", nil)
	}
	if err := json.Unmarshal(sr.Session, session); err != nil {
		return nil, fmt.Errorf("decoding stored session: %w", err)
	}
	c, err := s.GetClient(ctx, sr.ClientID)
	if err != nil {
		return nil, err
	}
	req := &fosite.Request{
		ID: sr.ID, RequestedAt: sr.RequestedAt, Client: c,
		RequestedScope: sr.RequestedScopes, GrantedScope: sr.GrantedScopes,
		RequestedAudience: sr.RequestedAudience, GrantedAudience: sr.GrantedAudience,
		Form: sr.Form, Session: session,
	}
	if req.Form == nil {
		req.Form = url.Values{}
	}
	if !g.Active {
		return req, inactiveErr
	}
	return req, nil
}

func (s *Storage) expiry(r fosite.Requester, tt fosite.TokenType, fallback time.Duration) time.Time {
	if sess := r.GetSession(); sess != nil {
		if t := sess.GetExpiresAt(tt); !t.IsZero() {
			return t
		}
	}
	return s.now().Add(fallback)
}

// CreateAuthorizeCodeSession implements oauth2.AuthorizeCodeStorage.
func (s *Storage) CreateAuthorizeCodeSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.create(ctx, store.GrantCode, sig, r, s.expiry(r, fosite.AuthorizeCode, 10*time.Minute))
}

// GetAuthorizeCodeSession implements oauth2.AuthorizeCodeStorage; a used
// code returns fosite.ErrInvalidatedAuthorizeCode with its request, and fosite
// then revokes every token issued from it.
func (s *Storage) GetAuthorizeCodeSession(ctx context.Context, sig string, session fosite.Session) (fosite.Requester, error) {
	return s.load(ctx, store.GrantCode, sig, session, fosite.ErrInvalidatedAuthorizeCode)
}

// InvalidateAuthorizeCodeSession implements oauth2.AuthorizeCodeStorage. Of
// two concurrent exchanges of one code, exactly one succeeds.
func (s *Storage) InvalidateAuthorizeCodeSession(ctx context.Context, sig string) error {
	ok, err := s.st.DeactivateGrant(ctx, store.GrantCode, sig)
	if err != nil {
		return err
	}
	if !ok {
		return fosite.ErrInvalidatedAuthorizeCode
	}
	return nil
}

// CreatePKCERequestSession implements pkce.PKCERequestStorage.
func (s *Storage) CreatePKCERequestSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.create(ctx, store.GrantPKCE, sig, r, s.expiry(r, fosite.AuthorizeCode, 10*time.Minute))
}

// GetPKCERequestSession implements pkce.PKCERequestStorage.
func (s *Storage) GetPKCERequestSession(ctx context.Context, sig string, session fosite.Session) (fosite.Requester, error) {
	return s.load(ctx, store.GrantPKCE, sig, session, fosite.ErrNotFound)
}

// DeletePKCERequestSession implements pkce.PKCERequestStorage. It keeps the
// challenge: fosite deletes it before comparing the verifier, so deleting it
// here would let a second attempt redeem the code with no verifier at all (a
// PKCE downgrade). The row expires with its code.
func (s *Storage) DeletePKCERequestSession(context.Context, string) error { return nil }

// CreateOpenIDConnectSession implements openid.OpenIDConnectRequestStorage.
func (s *Storage) CreateOpenIDConnectSession(ctx context.Context, code string, r fosite.Requester) error {
	return s.create(ctx, store.GrantOIDC, code, r, s.expiry(r, fosite.AuthorizeCode, 10*time.Minute))
}

// GetOpenIDConnectSession implements openid.OpenIDConnectRequestStorage.
func (s *Storage) GetOpenIDConnectSession(ctx context.Context, code string, r fosite.Requester) (fosite.Requester, error) {
	return s.load(ctx, store.GrantOIDC, code, r.GetSession(), fosite.ErrNotFound)
}

// DeleteOpenIDConnectSession implements openid.OpenIDConnectRequestStorage.
func (s *Storage) DeleteOpenIDConnectSession(ctx context.Context, code string) error {
	return s.st.DeleteGrant(ctx, store.GrantOIDC, code)
}

// CreateRefreshTokenSession implements oauth2.RefreshTokenStorage. Only the
// token's HMAC signature is stored, never the token.
func (s *Storage) CreateRefreshTokenSession(ctx context.Context, sig, _ string, r fosite.Requester) error {
	return s.create(ctx, store.GrantRefresh, sig, r, s.expiry(r, fosite.RefreshToken, 720*time.Hour))
}

// GetRefreshTokenSession implements oauth2.RefreshTokenStorage; a spent
// refresh token returns fosite.ErrInactiveToken with its request, and fosite
// then revokes the whole family.
func (s *Storage) GetRefreshTokenSession(ctx context.Context, sig string, session fosite.Session) (fosite.Requester, error) {
	return s.load(ctx, store.GrantRefresh, sig, session, fosite.ErrInactiveToken)
}

// DeleteRefreshTokenSession implements oauth2.RefreshTokenStorage.
func (s *Storage) DeleteRefreshTokenSession(ctx context.Context, sig string) error {
	_, err := s.st.DeactivateGrant(ctx, store.GrantRefresh, sig)
	return err
}

// RotateRefreshToken implements oauth2.RefreshTokenStorage: the presented
// token is spent. If it was already spent (a concurrent refresh won), the
// family is revoked as a reuse.
func (s *Storage) RotateRefreshToken(ctx context.Context, requestID, sig string) error {
	ok, err := s.st.DeactivateGrant(ctx, store.GrantRefresh, sig)
	if err != nil {
		return err
	}
	if !ok {
		_ = s.RevokeRefreshToken(ctx, requestID)
		_ = s.RevokeAccessToken(ctx, requestID)
		return fosite.ErrInactiveToken
	}
	return nil
}

// RevokeRefreshToken implements oauth2.TokenRevocationStorage: every refresh
// token of the grant is spent.
func (s *Storage) RevokeRefreshToken(ctx context.Context, requestID string) error {
	_, err := s.st.DeactivateRequestGrants(ctx, store.GrantRefresh, requestID)
	return err
}

// RevokeAccessToken implements oauth2.TokenRevocationStorage: every access
// token of the grant goes on the deny-list until it would have expired.
func (s *Storage) RevokeAccessToken(ctx context.Context, requestID string) error {
	return s.revoked.revoke(ctx, store.RevokedFamily, requestID)
}

// CreateAccessTokenSession implements oauth2.AccessTokenStorage. Access
// tokens are self-contained JWTs: nothing is written.
func (s *Storage) CreateAccessTokenSession(context.Context, string, fosite.Requester) error {
	return nil
}

// GetAccessTokenSession implements oauth2.AccessTokenStorage. The "signature"
// of a rampart access token is the token itself, so the request is rebuilt
// from its verified claims.
func (s *Storage) GetAccessTokenSession(ctx context.Context, sig string, session fosite.Session) (fosite.Requester, error) {
	return s.tokens.requestFromToken(ctx, sig, session, s)
}

// DeleteAccessTokenSession implements oauth2.AccessTokenStorage: the token
// goes on the deny-list.
func (s *Storage) DeleteAccessTokenSession(ctx context.Context, sig string) error {
	c, err := s.tokens.verify(ctx, sig)
	if err != nil {
		return nil // not ours or already invalid: nothing to revoke
	}
	return s.revoked.revokeUntil(ctx, store.RevokedToken, c.ID, c.ExpiresAt)
}
