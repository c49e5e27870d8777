package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/authz"
	"github.com/rampart-sec/rampart/clientip"
	"github.com/rampart-sec/rampart/internal/config"
	"github.com/rampart-sec/rampart/internal/gateway"
	"github.com/rampart-sec/rampart/internal/identity"
	"github.com/rampart-sec/rampart/internal/oauth"
	"github.com/rampart-sec/rampart/ratelimit"
	"github.com/rampart-sec/rampart/token"
)

// Gateway builds the configured routes with their authenticators.
func (a *App) Gateway(as *oauth.Server) (*gateway.Gateway, error) {
	return a.GatewayFor(as, a.Config.Authenticators, a.Config.Routes)
}

// GatewayFor builds a gateway for the given authenticators and routes (a
// reloaded configuration's).
func (a *App) GatewayFor(as *oauth.Server, specs map[string]config.Authenticator, routes []config.Route) (*gateway.Gateway, error) {
	auths := make(map[string]authn.Authenticator, len(specs))
	for name, spec := range specs {
		switch spec.Type {
		case "jwt":
			if spec.JWKSURL != "" { // another issuer's tokens
				jwks := &authn.JWKS{URL: spec.JWKSURL, Log: a.Log}
				v, err := token.NewVerifier(jwks.Lookup, token.VerifyOptions{Issuer: spec.Issuer, Audiences: []string{spec.Audience}, Type: spec.TokenType})
				if err != nil {
					return nil, fmt.Errorf("authenticators.%s: %w", name, err)
				}
				auths[name] = &authn.JWT{Verifier: v}
				continue
			}
			aud := spec.Audience
			if aud == "" {
				aud = as.DefaultAudience()
			}
			v, err := token.NewVerifier(as.Keys().Lookup, token.VerifyOptions{Issuer: as.Issuer(), Audiences: []string{aud}, Type: spec.TokenType})
			if err != nil {
				return nil, fmt.Errorf("authenticators.%s: %w", name, err)
			}
			auths[name] = &authn.JWT{Verifier: v, Revoked: as.Revoked}
		case "api_key":
			auths[name] = &authn.APIKey{Prefix: identity.APIKeyPrefix, Header: spec.Header, Verify: a.verifyAPIKey, CacheTTL: apiKeyCacheTTL, Epoch: a.credEpoch.Load}
		case "basic":
			auths[name] = &authn.Basic{Verify: func(ctx context.Context, user, pass string) (*authn.Identity, error) {
				u, _, err := as.CheckPassword(ctx, user, pass)
				if err != nil {
					return nil, err
				}
				if u == nil {
					return nil, identity.ErrInvalidCredentials
				}
				perms, err := as.Permissions(ctx, u.Roles)
				if err != nil {
					return nil, err
				}
				return &authn.Identity{Subject: u.ID, Username: u.Username, Roles: u.Roles, Scopes: perms}, nil
			}}
		case "mtls":
			auths[name] = &authn.MTLS{}
		case "introspection":
			secret, err := os.ReadFile(spec.ClientSecretFile)
			if err != nil {
				return nil, fmt.Errorf("authenticators.%s.client_secret_file: %w", name, err)
			}
			auths[name] = &authn.Introspection{Endpoint: spec.Endpoint, ClientID: spec.ClientID, ClientSecret: strings.TrimSpace(string(secret))}
		default:
			return nil, fmt.Errorf("authenticators.%s: unknown type %q", name, spec.Type)
		}
	}
	obs := a.observe()
	return gateway.New(routes, auths, gateway.Options{
		Log: a.Log,
		OnDecision: func(r *http.Request, d authz.Decision) {
			if !d.Allow {
				a.Log.InfoContext(r.Context(), "authorization denied", "url.path", r.URL.Path, "reason", d.Reason)
				a.recordDenied(r, d)
			}
		},
		OnAuthFailure: func(r *http.Request, err error) {
			a.Log.InfoContext(r.Context(), "authentication failed", "url.path", r.URL.Path, "reason", err.Error())
			obs.observeAuthFailure(r, err)
		},
		Limiter:       a.limiter(),
		WrapTransport: a.traceTransport,
		OnRateLimit: func(r *http.Request, d ratelimit.Decision) {
			obs.observeRateLimit(r, d)
			if !d.Result.Allowed && d.Err == nil { // this policy refused (Admitted is false for every policy when one does)
				a.Log.InfoContext(r.Context(), "rate limited", "url.path", r.URL.Path, "policy", d.Policy, "client.ip", clientip.From(r).String())
				a.recordLimited(r, d)
			}
		},
	})
}

// limiter is the rate-limit backend every gateway of this process shares, so
// counts survive a configuration reload: in memory on one node, or Redis with
// an in-memory fallback for fail-open routes.
func (a *App) limiter() gateway.Limiter {
	a.limiterOnce.Do(func() {
		local := ratelimit.NewMemory(ratelimit.DefaultMaxKeys)
		if a.Redis == nil {
			a.limiters = gateway.Limiter{FailOpen: local, FailClosed: local}
			return
		}
		s := a.Config.Storage
		shared := ratelimit.NewRedis(a.Redis, ratelimit.WithPrefix(s.RedisPrefix+"rl:"), ratelimit.WithTimeout(s.RedisTimeout))
		fb := ratelimit.NewFallback(shared, local, ratelimit.WithLogger(a.Log))
		a.limiterFallback = fb
		a.limiters = gateway.Limiter{FailOpen: fb.Mode(ratelimit.FailOpen), FailClosed: fb.Mode(ratelimit.FailClosed)}
	})
	return a.limiters
}

// apiKeyCacheTTL is how long a node trusts an API key it verified: a revoked
// key stops working everywhere within it.
const apiKeyCacheTTL = 5 * time.Second

// verifyAPIKey turns a rampart API key into the identity of its owner, with
// the key's scopes.
func (a *App) verifyAPIKey(ctx context.Context, key string) (*authn.Identity, error) {
	k, u, err := a.Identity.VerifyAPIKey(ctx, key)
	if err != nil {
		return nil, err
	}
	return &authn.Identity{Subject: u.ID, Username: u.Username, Roles: u.Roles, Scopes: k.Scopes, KeyID: k.ID}, nil
}
