package authn

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// A cached API key keeps working for CacheTTL after it is revoked, unless the
// owner advances Epoch (a revocation announced by another node): then the
// next request verifies again and is refused.
func TestAPIKeyCacheEpoch(t *testing.T) {
	t.Parallel()
	var revoked atomic.Bool
	var calls, epoch atomic.Uint64
	a := &APIKey{Prefix: "rk_", CacheTTL: time.Hour, Epoch: epoch.Load, Verify: func(context.Context, string) (*Identity, error) {
		calls.Add(1)
		if revoked.Load() {
			return nil, errors.New("revoked")
		}
		return &Identity{Subject: "u1"}, nil
	}}
	try := func() error {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer rk_abc_secret")
		_, err := a.Authenticate(r)
		return err
	}
	for range 3 {
		if err := try(); err != nil {
			t.Fatal(err)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("verified %d times, want 1 (cached)", calls.Load())
	}
	revoked.Store(true)
	if err := try(); err != nil {
		t.Fatalf("within the cache lifetime and no epoch change: %v", err)
	}
	epoch.Add(1)
	if err := try(); !errors.Is(err, ErrInvalidCredential) {
		t.Fatalf("after the epoch changed: %v, want ErrInvalidCredential", err)
	}
}
