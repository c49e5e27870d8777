package app

import (
	"context"
	"testing"

	"github.com/rampart-sec/rampart/internal/store"
)

// Granting and revoking roles tells every node to drop its cached
// verifications, as revoking an API key does.
func TestRoleChangesAreAnnounced(t *testing.T) {
	r := newRig(t, "", nil)
	a, ctx := r.app, context.Background()
	if err := a.Store.CreateRole(ctx, &store.Role{Name: "reader", Permissions: []string{"data:read"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Identity.CreateUser(ctx, "alice", "", nil); err != nil {
		t.Fatal(err)
	}
	before := a.credEpoch.Load()
	if err := a.GrantRoles(ctx, "alice", []string{"reader"}); err != nil {
		t.Fatal(err)
	}
	if got := a.credEpoch.Load(); got != before+1 {
		t.Fatalf("epoch after GrantRoles = %d, want %d", got, before+1)
	}
	if err := a.RevokeRoles(ctx, "alice", []string{"reader"}); err != nil {
		t.Fatal(err)
	}
	if got := a.credEpoch.Load(); got != before+2 {
		t.Fatalf("epoch after RevokeRoles = %d, want %d", got, before+2)
	}
	if err := a.GrantRoles(ctx, "alice", []string{"nope"}); err == nil || a.credEpoch.Load() != before+2 {
		t.Fatalf("granting an unknown role: %v, epoch %d", err, a.credEpoch.Load())
	}
}
