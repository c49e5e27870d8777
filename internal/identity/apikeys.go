package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/internal/store"
)

// APIKeyPrefix starts every rampart API key, so secret scanners and humans
// recognise one: rk_<16-char id>_<43-char secret>.
const APIKeyPrefix = "rk_"

const (
	apiKeyIDLen     = 16 // base32 of 80 bits, after the "rk_" prefix
	apiKeySecretLen = 43 // unpadded base64url of 256 bits
	apiKeyHMACName  = "hmac/api-keys"
)

// ErrInvalidAPIKey is the one answer to a bad API key, whatever the reason.
var ErrInvalidAPIKey = errors.New("invalid API key")

// NewAPIKey is a freshly minted key: Key is the full secret, shown once.
type NewAPIKey struct {
	Key  string
	Meta *store.APIKey
}

// CreateAPIKey mints a key for username with scopes, expiring after ttl
// (0: never). Only an HMAC-SHA-256 of the secret is stored.
func (s *Service) CreateAPIKey(ctx context.Context, username, name string, scopes []string, ttl time.Duration) (*NewAPIKey, error) {
	for _, sc := range scopes {
		if err := ValidatePermission(sc); err != nil {
			return nil, err
		}
	}
	if ttl < 0 {
		return nil, fmt.Errorf("%w expiry: must be positive or never", ErrInvalid)
	}
	u, err := s.st.User(ctx, username)
	if err != nil {
		return nil, err
	}
	id, err := s.newID("")
	if err != nil {
		return nil, err
	}
	raw := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, raw); err != nil {
		return nil, fmt.Errorf("generating API key: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(raw)
	mac, err := s.apiKeyMAC(ctx, id, secret)
	if err != nil {
		return nil, err
	}
	k := &store.APIKey{ID: id, UserID: u.ID, Username: u.Username, Name: name, SecretHash: mac, Scopes: dedupeSorted(scopes)}
	if ttl > 0 {
		k.ExpiresAt = s.now().Add(ttl).UTC()
	}
	if err := s.st.CreateAPIKey(ctx, k); err != nil {
		return nil, err
	}
	return &NewAPIKey{Key: APIKeyPrefix + id + "_" + secret, Meta: k}, nil
}

// ParseAPIKey splits a presented key into id and secret, checking its shape.
func ParseAPIKey(key string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(key, APIKeyPrefix)
	if !found || len(rest) != apiKeyIDLen+1+apiKeySecretLen || rest[apiKeyIDLen] != '_' {
		return "", "", false
	}
	id, secret = rest[:apiKeyIDLen], rest[apiKeyIDLen+1:]
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return "", "", false
		}
	}
	if _, err := base64.RawURLEncoding.DecodeString(secret); err != nil {
		return "", "", false
	}
	return id, secret, true
}

// VerifyAPIKey checks a presented key and returns it with its owner. Every
// failure is ErrInvalidAPIKey; the reason is only logged.
func (s *Service) VerifyAPIKey(ctx context.Context, key string) (*store.APIKey, *store.User, error) {
	fail := func(reason string, attrs ...any) (*store.APIKey, *store.User, error) {
		s.log.InfoContext(ctx, "api key rejected", append([]any{"reason", reason}, attrs...)...)
		return nil, nil, ErrInvalidAPIKey
	}
	id, secret, ok := ParseAPIKey(key)
	if !ok {
		return fail("malformed")
	}
	k, err := s.st.APIKey(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		// Spend the same HMAC work as a known key.
		_, _ = s.apiKeyMAC(ctx, id, secret)
		return fail("unknown id", "api_key.id", id)
	}
	if err != nil {
		return nil, nil, err
	}
	mac, err := s.apiKeyMAC(ctx, id, secret)
	if err != nil {
		return nil, nil, err
	}
	if !hmac.Equal(mac, k.SecretHash) {
		return fail("wrong secret", "api_key.id", id)
	}
	now := s.now()
	if !k.RevokedAt.IsZero() {
		return fail("revoked", "api_key.id", id)
	}
	if !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt) {
		return fail("expired", "api_key.id", id)
	}
	u, err := s.st.UserByID(ctx, k.UserID)
	if err != nil {
		return nil, nil, err
	}
	if u.Disabled {
		return fail("owner disabled", "api_key.id", id)
	}
	// Record use at most once a minute per key to keep writes off the hot path.
	if k.LastUsedAt.IsZero() || now.Sub(k.LastUsedAt) > time.Minute {
		if err := s.st.TouchAPIKey(ctx, id, now); err != nil {
			s.log.WarnContext(ctx, "recording api key use", "api_key.id", id, "error", err)
		}
		k.LastUsedAt = now.UTC()
	}
	return k, u, nil
}

func (s *Service) apiKeyMAC(ctx context.Context, id, secret string) ([]byte, error) {
	key, err := s.apiKeyKey.Get(ctx)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	return m.Sum(nil), nil
}

func dedupeSorted(xs []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
