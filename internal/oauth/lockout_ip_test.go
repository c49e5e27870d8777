package oauth_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/clientip"
	"github.com/rampart-sec/rampart/internal/oauth"
	"github.com/rampart-sec/rampart/internal/oauth/oauthtest"
	"github.com/rampart-sec/rampart/internal/testenv"
)

// One source trying a password or two on each of many accounts (credential
// stuffing) is locked out by its IP, even though no account reaches its own
// limit; other IPs, and the right password from elsewhere, still work; a
// success from the locked IP's /64 neighbour does not unlock it.
func TestLoginIPLockout(t *testing.T) {
	testenv.Databases(t, func(t *testing.T, url string) {
		e := oauthtest.Start(t, url, false, func(c *oauth.Config, _ *oauth.Deps) {
			c.IPLockout = oauth.LockoutPolicy{MaxFailures: 4, Lockout: time.Minute, LockoutMax: time.Hour, Window: time.Hour}
		})
		ctx := context.Background()
		const pw = "correct horse battery staple"
		if _, err := e.Identity.CreateUser(ctx, "alice", pw, nil); err != nil {
			t.Fatal(err)
		}
		attacker := clientip.NewContext(ctx, netip.MustParseAddr("2001:db8:1:2::7"))
		neighbour := clientip.NewContext(ctx, netip.MustParseAddr("2001:db8:1:2::99")) // same /64
		elsewhere := clientip.NewContext(ctx, netip.MustParseAddr("198.51.100.4"))
		var locked time.Duration
		for i, user := range []string{"bob", "carol", "dave", "erin"} { // one failure per account
			u, l, err := e.Server.CheckPassword(attacker, user, "Winter2026!")
			if err != nil || u != nil {
				t.Fatalf("attempt %d: %v %v", i, u, err)
			}
			locked = l
		}
		if locked <= 0 {
			t.Fatal("the 4th failure from one IP did not lock it")
		}
		// Locked IP: even alice's right password fails, and the IPv6 /64 shares the lock.
		for name, c := range map[string]context.Context{"attacker": attacker, "neighbour in the /64": neighbour} {
			if u, l, err := e.Server.CheckPassword(c, "alice", pw); err != nil || u != nil || l <= 0 {
				t.Fatalf("%s with the right password: user=%v locked=%s err=%v, want refused", name, u, l, err)
			}
		}
		// Another IP logs alice in: her account was never the target.
		if u, _, err := e.Server.CheckPassword(elsewhere, "alice", pw); err != nil || u == nil {
			t.Fatalf("alice from another IP: %v %v", u, err)
		}
		if u, _, _ := e.Server.CheckPassword(attacker, "alice", pw); u != nil {
			t.Fatal("a success elsewhere unlocked the attacking IP")
		}
	})
}
