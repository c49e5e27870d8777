package authn_test

import (
	"context"
	"testing"

	"github.com/rampart-sec/rampart/authn"
)

func TestIdentityContext(t *testing.T) {
	if _, ok := authn.FromContext(context.Background()); ok {
		t.Fatal("empty context has an identity")
	}
	if _, ok := authn.FromContext(authn.WithIdentity(context.Background(), nil)); ok {
		t.Fatal("a nil identity counts as an identity")
	}
	id := &authn.Identity{Subject: "usr_1", Roles: []string{"admin"}, Scopes: []string{"data:read"}}
	got, ok := authn.FromContext(authn.WithIdentity(context.Background(), id))
	if !ok || got != id {
		t.Fatal("identity lost")
	}
	if !got.HasRole("admin") || got.HasRole("Admin") || !got.HasScope("data:read") || got.HasScope("data:write") {
		t.Fatal("HasRole/HasScope wrong")
	}
	var none *authn.Identity
	if none.HasRole("admin") || none.HasScope("x") {
		t.Fatal("nil identity has roles")
	}
}
