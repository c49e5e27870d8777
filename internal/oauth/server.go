// Package oauth is rampart's OAuth 2.1 / OpenID Connect authorization server,
// built on ory/fosite behind typed constructors: client registry, signing
// keys, JWT access tokens, the token, introspection, revocation, discovery and
// JWKS endpoints, and first-party login.
package oauth

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/handler/pkce"
	enigma "github.com/ory/fosite/token/hmac"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/identity"
	"github.com/rampart-sec/rampart/internal/secrets"
	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/token"
)

// Config is what the authorization server needs from rampart's configuration.
type Config struct {
	Issuer               string
	DefaultAudience      string
	SigningAlg           token.Alg
	AccessTokenTTL       time.Duration
	RefreshTokenTTL      time.Duration
	IDTokenTTL           time.Duration
	AuthorizationCodeTTL time.Duration
	KeyRotationOverlap   time.Duration
	Lockout              LockoutPolicy
	// IPLockout counts failures per client IP across accounts (credential
	// stuffing); MaxFailures 0 turns it off.
	IPLockout LockoutPolicy
}

// Deps are the collaborators of the server.
type Deps struct {
	Store    *store.Store
	Keyring  SecretSealer
	Identity *identity.Service
	Clients  *Clients
	Log      *slog.Logger
	Now      func() time.Time // nil: time.Now
	Rand     io.Reader        // nil: crypto/rand
	// Announce, if set, tells other nodes about a revocation this node made
	// (after it is in the database), so they deny at once.
	Announce func(ctx context.Context, kind, value string, revokedAt time.Time)
	// Observer sees login failures and issued tokens (metrics, detection).
	Observer Observer
	// Audit records security events (logins, lockouts, tokens) before the
	// response that reports them. Nil records nothing.
	Audit audit.Recorder
}

// SecretSealer is the keyring: encrypted secrets, created on demand.
type SecretSealer interface {
	Sealer
	SecretSource
}

// Server is the authorization server. It is safe for concurrent use.
type Server struct {
	cfg      Config
	st       *store.Store
	ids      *identity.Service
	log      *slog.Logger
	now      func() time.Time
	keys     *Keys
	provider fosite.OAuth2Provider
	storage  *Storage
	access   *accessTokenStrategy
	core     *coreStrategy
	revoked  *denyList
	lockout  *lockout
	observer Observer
	audit    audit.Recorder
}

// coreStrategy issues JWT access tokens and opaque, HMAC-signed refresh
// tokens and authorization codes (only their signatures are stored).
type coreStrategy struct {
	*accessTokenStrategy
	*oauth2.HMACSHAStrategyUnPrefixed
}

// Disambiguate the access token methods: ours, not the HMAC ones.
func (c *coreStrategy) AccessTokenSignature(ctx context.Context, t string) string {
	return c.accessTokenStrategy.AccessTokenSignature(ctx, t)
}

func (c *coreStrategy) GenerateAccessToken(ctx context.Context, r fosite.Requester) (string, string, error) {
	return c.accessTokenStrategy.GenerateAccessToken(ctx, r)
}

func (c *coreStrategy) ValidateAccessToken(ctx context.Context, r fosite.Requester, t string) error {
	return c.accessTokenStrategy.ValidateAccessToken(ctx, r, t)
}

var _ oauth2.CoreStrategy = (*coreStrategy)(nil)

// New builds the authorization server: it loads (or creates) the signing
// keys and the revocation list.
func New(ctx context.Context, cfg Config, d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Audit == nil {
		d.Audit = audit.Nop{}
	}
	maxLife := max(cfg.AccessTokenTTL, cfg.IDTokenTTL)
	keys := NewKeys(d.Store, d.Keyring, KeyPolicy{Alg: cfg.SigningAlg, Overlap: cfg.KeyRotationOverlap, MaxTokenLifetime: maxLife}, d.Now, d.Rand, d.Log)
	if err := keys.Load(ctx); err != nil {
		return nil, err
	}
	revoked := newDenyList(d.Store, d.Log, d.Now, maxLife)
	revoked.announce = d.Announce
	if err := revoked.load(ctx); err != nil {
		return nil, fmt.Errorf("loading the revocation list: %w", err)
	}
	secret, err := d.Keyring.LoadOrCreate(ctx, "hmac/oauth-tokens", secrets.NewRandomKey)
	if err != nil {
		return nil, fmt.Errorf("loading the token hashing key: %w", err)
	}
	minter := token.NewMinter(keys.Current, cfg.Issuer, token.WithClock(d.Now), token.WithRand(d.Rand))
	anyAud, err := token.NewVerifier(keys.Lookup, token.VerifyOptions{Issuer: cfg.Issuer, AnyAudience: true, Now: d.Now})
	if err != nil {
		return nil, err
	}
	defAud := cfg.DefaultAudience
	if defAud == "" {
		defAud = cfg.Issuer
	}
	access := &accessTokenStrategy{minter: minter, verifier: anyAud, revoked: revoked, defaultAudience: []string{defAud}, ttl: cfg.AccessTokenTTL, now: d.Now}

	fc := &fosite.Config{
		AccessTokenLifespan:         cfg.AccessTokenTTL,
		RefreshTokenLifespan:        cfg.RefreshTokenTTL,
		AuthorizeCodeLifespan:       cfg.AuthorizationCodeTTL,
		IDTokenLifespan:             cfg.IDTokenTTL,
		IDTokenIssuer:               cfg.Issuer,
		AccessTokenIssuer:           cfg.Issuer,
		TokenURL:                    cfg.Issuer + "/oauth2/token",
		ScopeStrategy:               fosite.ExactScopeStrategy,
		AudienceMatchingStrategy:    fosite.ExactAudienceMatchingStrategy,
		EnforcePKCEForPublicClients: true,
		GlobalSecret:                secret,
		ClientSecretsHasher:         d.Clients,
		RefreshTokenScopes:          []string{},
		TokenEntropy:                32,
		MinParameterEntropy:         8,
		SendDebugMessagesToClients:  false,
	}
	core := &coreStrategy{accessTokenStrategy: access, HMACSHAStrategyUnPrefixed: oauth2.NewHMACSHAStrategyUnPrefixed(&enigma.HMACStrategy{Config: fc}, fc)}
	storage := &Storage{st: d.Store, tokens: access, revoked: revoked, now: d.Now}
	idSigner := &idTokenSigner{minter: minter}
	idStrategy := &openid.DefaultStrategy{Signer: idSigner, Config: fc}
	idHelper := &openid.IDTokenHandleHelper{IDTokenStrategy: idStrategy}
	oidcValidator := openid.NewOpenIDConnectRequestValidator(idSigner, fc)

	authCode := &oauth2.AuthorizeExplicitGrantHandler{AccessTokenStrategy: core, RefreshTokenStrategy: core, AuthorizeCodeStrategy: core,
		CoreStorage: storage, TokenRevocationStorage: storage, Config: fc}
	fc.AuthorizeEndpointHandlers.Append(authCode)
	fc.TokenEndpointHandlers.Append(authCode)
	cc := &oauth2.ClientCredentialsGrantHandler{HandleHelper: &oauth2.HandleHelper{AccessTokenStrategy: core, AccessTokenStorage: storage, Config: fc}, Config: fc}
	fc.TokenEndpointHandlers.Append(cc)
	refresh := &oauth2.RefreshTokenGrantHandler{AccessTokenStrategy: core, RefreshTokenStrategy: core, TokenRevocationStorage: storage, Config: fc}
	fc.TokenEndpointHandlers.Append(refresh)
	oidcExplicit := &openid.OpenIDConnectExplicitHandler{IDTokenHandleHelper: idHelper, OpenIDConnectRequestStorage: storage,
		OpenIDConnectRequestValidator: oidcValidator, Config: fc}
	fc.AuthorizeEndpointHandlers.Append(oidcExplicit)
	fc.TokenEndpointHandlers.Append(oidcExplicit)
	oidcRefresh := &openid.OpenIDConnectRefreshHandler{IDTokenHandleHelper: idHelper, Config: fc}
	fc.TokenEndpointHandlers.Append(oidcRefresh)
	pk := &pkce.Handler{AuthorizeCodeStrategy: core, Storage: storage, Config: fc}
	fc.AuthorizeEndpointHandlers.Append(pk)
	fc.TokenEndpointHandlers.Append(pk)
	fc.TokenIntrospectionHandlers.Append(&oauth2.CoreValidator{CoreStrategy: core, CoreStorage: storage, Config: fc})
	fc.RevocationHandlers.Append(&oauth2.TokenRevocationHandler{TokenRevocationStorage: storage, RefreshTokenStrategy: core, AccessTokenStrategy: core})

	s := &Server{
		cfg: cfg, st: d.Store, ids: d.Identity, log: d.Log, now: d.Now, keys: keys,
		provider: fosite.NewOAuth2Provider(storage, fc),
		storage:  storage, access: access, core: core, revoked: revoked,
		lockout:  &lockout{st: d.Store, account: cfg.Lockout, ip: cfg.IPLockout, now: d.Now},
		observer: d.Observer,
		audit:    d.Audit,
	}
	return s, nil
}

// Run keeps the signing keys and the revocation list fresh until ctx ends.
func (s *Server) Run(ctx context.Context) {
	go s.keys.Run(ctx)
	s.revoked.run(ctx)
}

// Keys is the signing key manager.
func (s *Server) Keys() *Keys { return s.keys }

// Routes registers the server's endpoints on mux.
func (s *Server) Routes(mux Mux) {
	mux.HandleFunc("POST /oauth2/token", s.handleToken)
	mux.HandleFunc("POST /oauth2/introspect", s.handleIntrospect)
	mux.HandleFunc("POST /oauth2/revoke", s.handleRevoke)
	mux.HandleFunc("GET /.well-known/jwks.json", s.handleJWKS)
	mux.HandleFunc("GET /.well-known/openid-configuration", s.handleDiscovery)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", s.handleDiscovery)
	mux.HandleFunc("GET /userinfo", s.handleUserinfo)
	mux.HandleFunc("POST /userinfo", s.handleUserinfo)
	mux.HandleFunc("POST /auth/login", s.handleLogin)
	s.authorizeRoutes(mux)
}

// Mux is where Routes registers the endpoints: an *http.ServeMux, or a
// wrapper that adds something to every endpoint.
type Mux interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

func trimSlash(s string) string { return strings.TrimRight(s, "/") }

// Issuer is the iss of every token this server issues.
func (s *Server) Issuer() string { return s.cfg.Issuer }

// DefaultAudience is the aud of tokens whose request named none.
func (s *Server) DefaultAudience() string { return s.access.defaultAudience[0] }

// Revoked reports whether verified access token claims are on the deny-list.
func (s *Server) Revoked(c *token.Claims) bool { return s.revoked.denied(c) }

// ApplyRevocation adds a revocation another node announced to this node's
// deny-list (it is already in the database).
func (s *Server) ApplyRevocation(kind, value string, revokedAt time.Time) {
	s.revoked.apply(kind, value, revokedAt)
}

// ReloadRevocations replaces the deny-list with the database's, for a node
// that may have missed announcements.
func (s *Server) ReloadRevocations(ctx context.Context) error { return s.revoked.load(ctx) }

// Permissions is the union of the roles' permissions ("*" excluded).
func (s *Server) Permissions(ctx context.Context, roles []string) ([]string, error) {
	return s.permissions(ctx, roles)
}
