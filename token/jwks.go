package token

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DefaultJWKSMaxAge is the Cache-Control max-age rampart serves its JWKS
// with. Five minutes keeps load on the JWKS endpoint negligible while a new
// key reaches every cache well within any sensible rotation overlap.
const DefaultJWKSMaxAge = 5 * time.Minute

// JWKSCacheControl returns the Cache-Control header for a JWKS response:
// "public, max-age=<seconds>, must-revalidate" (maxAge rounded down to whole
// seconds; negative counts as zero).
//
// Why these directives: the JWKS holds only public keys, so shared caches
// (CDNs, gateways) may keep it ("public"). Key rotation relies on every cache
// seeing a new key before the key signs anything, which PlanRotation
// guarantees by publishing it at least `overlap` in advance; that only works
// if no cache serves a set older than max-age. must-revalidate forbids
// serving a stale copy, so staleness is bounded by max-age. The tempting
// "stale-while-revalidate" and "stale-if-error" are left out on purpose:
// they let a cache serve a set of unbounded age, which would break both the
// new-key guarantee and the emergency retirement of a compromised key.
//
// Choose the rotation overlap as at least max-age plus the interval at which
// nodes rebuild their KeySet plus the verifier leeway; with the defaults
// (5m max-age, 1m refresh, 30s leeway) any overlap of 10 minutes or more
// is safe; production overlaps of an hour or more leave room for slow
// caches.
func JWKSCacheControl(maxAge time.Duration) string {
	secs := int64(maxAge / time.Second)
	if secs < 0 {
		secs = 0
	}
	return "public, max-age=" + strconv.FormatInt(secs, 10) + ", must-revalidate"
}

// marshalJWKS encodes public keys as a JWK Set with go-jose, in the order
// given. go-jose writes only public members for public keys.
func marshalJWKS(keys []*Key) ([]byte, error) {
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(keys))}
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{
			Key:       k.Public,
			KeyID:     k.ID,
			Algorithm: string(k.Alg),
			Use:       "sig",
		})
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("encoding JWKS: %w", err)
	}
	return b, nil
}
