package authn

import (
	"crypto/sha256"
	"sync"
	"time"
)

// verifiedCache remembers credentials that verified, keyed by a SHA-256 of
// the credential (never the credential itself), until they expire. It is
// bounded: when full, it drops half of its entries.
type verifiedCache[V any] struct {
	mu  sync.RWMutex
	m   map[[32]byte]cached[V]
	max int
}

type cached[V any] struct {
	v     V
	exp   time.Time
	epoch uint64
}

func newVerifiedCache[V any](max int) *verifiedCache[V] {
	return &verifiedCache[V]{m: make(map[[32]byte]cached[V]), max: max}
}

// get returns the cached value unless it expired or was stored under
// another epoch (the owner's signal that credentials changed elsewhere).
func (c *verifiedCache[V]) get(cred string, now time.Time, epoch uint64) (V, bool) {
	k := sha256.Sum256([]byte(cred))
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if !ok || !now.Before(e.exp) || e.epoch != epoch {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *verifiedCache[V]) put(cred string, v V, exp time.Time, epoch uint64) {
	k := sha256.Sum256([]byte(cred))
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		n := 0
		for key := range c.m { // map order is random: this drops a random half
			delete(c.m, key)
			if n++; n >= c.max/2 {
				break
			}
		}
	}
	c.m[k] = cached[V]{v: v, exp: exp, epoch: epoch}
}
