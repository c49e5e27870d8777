package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// ErrUnavailable is returned, wrapped, when a decision cannot be made
// because the backend holding the state cannot be reached. The middleware
// answers it with 503.
var ErrUnavailable = errors.New("ratelimit: backend unavailable")

// Backend decides rate-limit requests and keeps the state (one theoretical
// arrival time per key) they need. Implementations are safe for concurrent
// use.
type Backend interface {
	// Allow decides reqs together, atomically: either every request is
	// admitted and all of them are recorded, or none is recorded. So a
	// request refused by one limit does not use up another (a client
	// refused by its per-second limit keeps its daily quota). It writes one
	// Result per request into out, which must be at least as long as reqs,
	// and returns whether all were admitted. Keys within one call should
	// be distinct; a repeated key is charged once per occurrence.
	//
	// An error means nothing was decided or recorded; out is then
	// undefined.
	Allow(ctx context.Context, reqs []Request, out []Result) (allowed bool, err error)
}

// AllowKey decides one event for key under l: the common single-limit case
// of Backend.Allow.
func AllowKey(ctx context.Context, b Backend, key string, l Limit) (Result, error) {
	reqs := [1]Request{{Key: key, Limit: l, N: 1}}
	var out [1]Result
	_, err := b.Allow(ctx, reqs[:], out[:])
	return out[0], err
}

// maxKeyLen is the longest key stored as it is; longer keys are stored as
// a hash, so that a caller keying on attacker-supplied text cannot make a
// backend hold arbitrarily large keys.
const maxKeyLen = 128

// storedKey returns key, or a fixed-length hash of it when it is too long.
func storedKey(key string) string {
	if len(key) <= maxKeyLen {
		return key
	}
	return hashKey(key)
}

// hashKey returns "#" and the unpadded base64url SHA-256 of s (44 bytes).
func hashKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "#" + base64.RawURLEncoding.EncodeToString(sum[:])
}

func checkOut(reqs []Request, out []Result) error {
	if len(out) < len(reqs) {
		return fmt.Errorf("ratelimit: %d results for %d requests", len(out), len(reqs))
	}
	return nil
}
