package token

import (
	"strings"
	"sync"
	"sync/atomic"
)

// maxCachedHeaders bounds a Verifier's header cache. Tokens signed by one
// key share one header, so a handful of entries covers every key a
// deployment has at once.
const maxCachedHeaders = 32

// headerCache remembers the vetted JOSE headers of tokens that verified,
// keyed by their base64url segment, so that Verify decodes each distinct
// header once instead of once per token. Only headers of tokens that passed
// every check are added, so input that does not verify can neither fill nor
// poison it; when full it starts over. A cached header is still checked
// against the Verifier's policy and the key kid names on every call. Reads
// take no lock.
type headerCache struct {
	mu sync.Mutex // serialises writers
	m  atomic.Pointer[map[string]*header]
}

// get returns the cached header for a segment, or nil.
func (c *headerCache) get(seg string) *header {
	if m := c.m.Load(); m != nil {
		return (*m)[seg]
	}
	return nil
}

// put caches h under seg, copying the map so readers never see a write.
func (c *headerCache) put(seg string, h *header) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	n := make(map[string]*header)
	if old != nil {
		if _, ok := (*old)[seg]; ok {
			return
		}
		if len(*old) < maxCachedHeaders {
			for k, v := range *old {
				n[k] = v
			}
		}
	}
	n[strings.Clone(seg)] = h // not a substring that would pin the whole token
	c.m.Store(&n)
}
