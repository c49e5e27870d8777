package oauth

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/token"
)

// denyList is the revocation check every access token passes: token ids,
// grant families, clients and subjects revoked before the token was issued.
// Entries live in the database (the source of truth for every node) and in
// memory; a node reloads them every refreshEvery and applies its own
// revocations at once.
type denyList struct {
	st           *store.Store
	log          *slog.Logger
	now          func() time.Time
	maxTTL       time.Duration // longest access token lifetime: how long an entry must live
	refreshEvery time.Duration
	announce     func(ctx context.Context, kind, value string, revokedAt time.Time) // nil: one node

	mu      sync.RWMutex
	entries map[denyKey]time.Time // revoked at
}

type denyKey struct{ kind, value string }

func newDenyList(st *store.Store, log *slog.Logger, now func() time.Time, maxTTL time.Duration) *denyList {
	return &denyList{st: st, log: log, now: now, maxTTL: maxTTL, refreshEvery: 2 * time.Second, entries: map[denyKey]time.Time{}}
}

// revoke denies value of kind for every token that could still be valid.
func (d *denyList) revoke(ctx context.Context, kind, value string) error {
	r := store.NewRevocation(kind, value, d.now(), d.maxTTL)
	return d.revokeUntil(ctx, kind, value, r.ExpiresAt)
}

func (d *denyList) revokeUntil(ctx context.Context, kind, value string, until time.Time) error {
	at := d.now()
	if err := d.st.Revoke(ctx, store.Revocation{Kind: kind, Value: value, RevokedAt: at, ExpiresAt: until}); err != nil {
		return err
	}
	d.apply(kind, value, at)
	if d.announce != nil {
		d.announce(ctx, kind, value, at)
	}
	return nil
}

// apply adds an entry that is already in the database.
func (d *denyList) apply(kind, value string, at time.Time) {
	d.mu.Lock()
	if prev, ok := d.entries[denyKey{kind, value}]; !ok || at.After(prev) {
		d.entries[denyKey{kind, value}] = at
	}
	d.mu.Unlock()
}

// denied reports whether the claims match a revocation.
func (d *denyList) denied(c *token.Claims) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if len(d.entries) == 0 {
		return false
	}
	if _, ok := d.entries[denyKey{store.RevokedToken, c.ID}]; ok {
		return true
	}
	if sid, _ := c.Extra["sid"].(string); sid != "" {
		if _, ok := d.entries[denyKey{store.RevokedFamily, sid}]; ok {
			return true
		}
	}
	// A deleted client's tokens are all void, even one minted by a node whose
	// client cache had not caught up yet.
	if _, ok := d.entries[denyKey{store.RevokedClient, c.ClientID}]; ok {
		return true
	}
	if at, ok := d.entries[denyKey{store.RevokedUser, c.Subject}]; ok && !c.IssuedAt.After(at) {
		return true
	}
	return false
}

// load replaces the in-memory entries with the database's.
func (d *denyList) load(ctx context.Context) error {
	rs, err := d.st.Revocations(ctx, d.now())
	if err != nil {
		return err
	}
	m := make(map[denyKey]time.Time, len(rs))
	for _, r := range rs {
		m[denyKey{r.Kind, r.Value}] = r.RevokedAt
	}
	d.mu.Lock()
	d.entries = m
	d.mu.Unlock()
	return nil
}

// run reloads the list until ctx ends and prunes expired rows now and then.
func (d *denyList) run(ctx context.Context) {
	t := time.NewTicker(d.refreshEvery)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := d.load(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("reloading the revocation list", "error", err)
		}
		if i%900 == 0 {
			if _, err := d.st.PruneRevocations(ctx, d.now()); err != nil && ctx.Err() == nil {
				d.log.Warn("pruning the revocation list", "error", err)
			}
		}
	}
}
