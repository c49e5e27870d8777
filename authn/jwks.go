package authn

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/rampart-sec/rampart/token"
)

// JWKS is the key set of another issuer (Auth0, Keycloak, Entra ID …),
// fetched from its jwks_uri and cached. An unknown kid triggers a refresh, but
// never more often than MinRefresh, so tokens with made-up kids cannot make
// rampart hammer the issuer. Keys that fail to parse or whose type does not
// suit their alg are skipped. Its Lookup is a token.Verifier key function.
type JWKS struct {
	// URL is the issuer's JWKS endpoint. Required.
	URL string
	// Client fetches it. Nil means a client with a 5 s timeout.
	Client *http.Client
	// MinRefresh is the least time between two fetches. Zero means 30 s.
	MinRefresh time.Duration
	// MaxAge refreshes the set in the background of a lookup once it is this
	// old. Zero means 1 h.
	MaxAge time.Duration
	// Log receives fetch failures. Nil discards.
	Log *slog.Logger
	// Now is the clock. Nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	keys    map[string]*token.Key
	fetched time.Time // last attempt
	loaded  time.Time // last success
}

// Lookup returns the published key kid, fetching the set when kid is unknown
// (rate-limited) or the set is older than MaxAge.
func (j *JWKS) Lookup(kid string) (*token.Key, bool) {
	j.mu.Lock()
	now := j.now()
	k, ok := j.keys[kid]
	stale := now.Sub(j.loaded) > j.maxAge()
	if (ok && !stale) || now.Sub(j.fetched) < j.minRefresh() {
		j.mu.Unlock()
		return k, ok
	}
	j.fetched = now // claims this refresh: concurrent lookups keep the old set meanwhile
	j.mu.Unlock()

	keys, err := j.fetch()
	j.mu.Lock()
	defer j.mu.Unlock()
	if err != nil {
		j.logger().Warn("fetching a JWKS", "url", j.URL, "error", err)
		k, ok = j.keys[kid] // keep serving the keys we had
		return k, ok
	}
	j.keys, j.loaded = keys, now
	k, ok = j.keys[kid]
	return k, ok
}

func (j *JWKS) fetch() (map[string]*token.Key, error) {
	client := j.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.URL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	keys := make(map[string]*token.Key, len(set.Keys))
	for _, jk := range set.Keys {
		if jk.KeyID == "" || (jk.Use != "" && jk.Use != "sig") || !jk.IsPublic() {
			continue
		}
		alg := token.Alg(jk.Algorithm)
		if alg == "" {
			alg = inferAlg(jk.Key)
		}
		k, err := token.NewPublicKey(jk.KeyID, alg, jk.Key)
		if err != nil {
			continue // an algorithm rampart does not verify, or a mismatched key
		}
		keys[k.ID] = k
	}
	if len(keys) == 0 {
		return nil, errors.New("no usable signing keys (ES256, RS256 or EdDSA)")
	}
	return keys, nil
}

// inferAlg picks the algorithm for a JWK without "alg".
func inferAlg(pub crypto.PublicKey) token.Alg {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve.Params().Name == "P-256" {
			return token.ES256
		}
	case *rsa.PublicKey:
		return token.RS256
	case ed25519.PublicKey:
		return token.EdDSA
	}
	return ""
}

func (j *JWKS) now() time.Time {
	if j.Now != nil {
		return j.Now()
	}
	return time.Now()
}

func (j *JWKS) minRefresh() time.Duration {
	if j.MinRefresh > 0 {
		return j.MinRefresh
	}
	return 30 * time.Second
}

func (j *JWKS) maxAge() time.Duration {
	if j.MaxAge > 0 {
		return j.MaxAge
	}
	return time.Hour
}

func (j *JWKS) logger() *slog.Logger {
	if j.Log != nil {
		return j.Log
	}
	return slog.New(slog.DiscardHandler)
}
