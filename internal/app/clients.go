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
	if err := a.Store.Revoke(ctx, a.revocation(store.RevokedClient, id)); err != nil {
		return err
	}
	return a.Store.DeleteClient(ctx, id)
}

// DisableUser disables a user and ends every grant they hold: their refresh
// tokens are spent and their access tokens go on the deny-list.
func (a *App) DisableUser(ctx context.Context, username string) error {
	u, err := a.Store.User(ctx, username)
	if err != nil {
		return err
	}
	if err := a.Store.SetUserDisabled(ctx, username, true); err != nil {
		return err
	}
	if err := a.Store.Revoke(ctx, a.revocation(store.RevokedUser, u.ID)); err != nil {
		return err
	}
	_, err = a.Store.DeactivateSubjectGrants(ctx, u.ID)
	return err
}

// revocation is a deny-list entry made now that outlives every token issued
// under the configured lifetimes.
func (a *App) revocation(kind, value string) store.Revocation {
	return store.NewRevocation(kind, value, time.Now(), max(a.Config.Issuer.AccessTokenTTL, a.Config.Issuer.IDTokenTTL))
}
