package app

import (
	"context"
	"time"

	"github.com/rampart-sec/rampart/internal/store"
)

// DeleteClient revokes every access token issued to the client, then deletes
// it with its authorization codes and refresh tokens. Revoking first means a
// failure half-way leaves the client unable to use old tokens, never the reverse.
func (a *App) DeleteClient(ctx context.Context, id string) error {
	if _, err := a.Store.Client(ctx, id); err != nil {
		return err
	}
	r := a.revocation(store.RevokedClient, id)
	if err := a.Store.Revoke(ctx, r); err != nil {
		return err
	}
	if err := a.Store.DeleteClient(ctx, id); err != nil {
		return err
	}
	a.announceRevocation(ctx, r.Kind, r.Value, r.RevokedAt)
	return nil
}

// DisableUser disables a user and ends every grant they hold: their refresh
// tokens are spent and their access tokens go on the deny-list.
func (a *App) DisableUser(ctx context.Context, username string) error {
	return a.endUser(ctx, username, func() error { return a.Store.SetUserDisabled(ctx, username, true) }, nil)
}

// DeleteUser ends every grant the user holds, as DisableUser does, then
// deletes the user with their role grants and API keys.
func (a *App) DeleteUser(ctx context.Context, username string) error {
	return a.endUser(ctx, username, nil, func() error { return a.Store.DeleteUser(ctx, username) })
}

// endUser ends every grant of the user named username: before runs first
// (when not nil), then their access tokens go on the deny-list and their
// refresh tokens are spent, then after runs (when not nil), and the
// revocation is announced to the other nodes.
func (a *App) endUser(ctx context.Context, username string, before, after func() error) error {
	u, err := a.Store.User(ctx, username)
	if err != nil {
		return err
	}
	if before != nil {
		if err := before(); err != nil {
			return err
		}
	}
	r := a.revocation(store.RevokedUser, u.ID)
	if err := a.Store.Revoke(ctx, r); err != nil {
		return err
	}
	if _, err := a.Store.DeactivateSubjectGrants(ctx, u.ID); err != nil {
		return err
	}
	if after != nil {
		if err := after(); err != nil {
			return err
		}
	}
	a.announceRevocation(ctx, r.Kind, r.Value, r.RevokedAt)
	return nil
}

// RevokeAPIKey revokes an API key; every node stops accepting it at once
// with Redis, or within the API-key cache lifetime without.
func (a *App) RevokeAPIKey(ctx context.Context, id string) error {
	if err := a.Store.RevokeAPIKey(ctx, id); err != nil {
		return err
	}
	a.announce(ctx, nil)
	return nil
}

// GrantRoles gives roles to a user; every node drops its cached
// verifications (announced at once with Redis).
func (a *App) GrantRoles(ctx context.Context, username string, roles []string) error {
	if err := a.Store.GrantRoles(ctx, username, roles); err != nil {
		return err
	}
	a.announce(ctx, nil)
	return nil
}

// RevokeRoles takes roles from a user; every node drops its cached
// verifications (announced at once with Redis), so the roles stop counting
// for API keys at once rather than when the cache expires.
func (a *App) RevokeRoles(ctx context.Context, username string, roles []string) error {
	if err := a.Store.RevokeRoles(ctx, username, roles); err != nil {
		return err
	}
	a.announce(ctx, nil)
	return nil
}

// revocation is a deny-list entry made now that outlives every token issued
// under the configured lifetimes.
func (a *App) revocation(kind, value string) store.Revocation {
	return store.NewRevocation(kind, value, time.Now(), max(a.Config.Issuer.AccessTokenTTL, a.Config.Issuer.IDTokenTTL))
}
