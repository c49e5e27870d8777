package authn

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// APIKeyVerifier checks an API key and returns its identity; any error means
// the key is invalid (the reason is for logs).
type APIKeyVerifier func(ctx context.Context, key string) (*Identity, error)

// APIKey authenticates "Authorization: Bearer <prefix>…" or, when Header is
// set, that header. Only values starting with Prefix are recognised, so a
// JWT in the same Authorization header is left to the JWT authenticator.
type APIKey struct {
	// Prefix every key starts with, e.g. "rk_". Required.
	Prefix string
	// Header is an extra header to read the key from (e.g. "X-API-Key");
	// empty means Authorization: Bearer only.
	Header string
	// Verify checks the key. Required.
	Verify APIKeyVerifier
	// Realm names the protection space in the challenge. Default "rampart".
	Realm string
	// CacheTTL keeps keys that verified for this long, so a busy key is not
	// looked up on every request; a revoked or expired key may then work for
	// up to CacheTTL longer. Zero: no cache.
	CacheTTL time.Duration
	// Now is the cache's clock. Nil means time.Now.
	Now func() time.Time
	// Epoch, if set, is a counter the owner advances when keys may have been
	// revoked elsewhere (another node, the CLI): every cached verification
	// made under an earlier value is dropped. Nil: entries live CacheTTL.
	Epoch func() uint64

	once  sync.Once
	cache *verifiedCache[*Identity]
}

var _ Authenticator = (*APIKey)(nil)

// Authenticate implements Authenticator.
func (a *APIKey) Authenticate(r *http.Request) (*Identity, error) {
	key := ""
	if a.Header != "" {
		key = strings.TrimSpace(r.Header.Get(a.Header))
	}
	if key == "" {
		tok, ok := bearer(r)
		if !ok || !strings.HasPrefix(tok, a.Prefix) {
			return nil, ErrNoCredential
		}
		key = tok
	}
	var now time.Time
	var epoch uint64
	if a.CacheTTL > 0 {
		a.once.Do(func() {
			a.cache = newVerifiedCache[*Identity](jwtCacheSize)
			if a.Now == nil {
				a.Now = time.Now
			}
		})
		now = a.Now()
		if a.Epoch != nil {
			epoch = a.Epoch()
		}
		if id, ok := a.cache.get(key, now, epoch); ok {
			return id.clone(), nil
		}
	}
	id, err := a.Verify(r.Context(), key)
	if err != nil {
		return nil, fmt.Errorf("%w: api key: %v", ErrInvalidCredential, err)
	}
	id.Method = MethodAPIKey
	if a.CacheTTL > 0 {
		a.cache.put(key, id, now.Add(a.CacheTTL), epoch)
	}
	return id.clone(), nil
}

// Challenge implements Authenticator.
func (a *APIKey) Challenge() string { return `Bearer realm="` + realm(a.Realm) + `"` }

func realm(r string) string {
	if r == "" {
		return "rampart"
	}
	return r
}
