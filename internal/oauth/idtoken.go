package oauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"

	"github.com/ory/fosite/token/jwt"

	"github.com/rampart-sec/rampart/token"
)

// idTokenSigner lets fosite's OpenID Connect handlers sign ID tokens with
// rampart's keys (typ JWT, kid always set).
type idTokenSigner struct {
	minter *token.Minter
}

var _ jwt.Signer = (*idTokenSigner)(nil)

var errIDTokenHint = errors.New("id_token_hint is not supported")

// Generate implements jwt.Signer.
func (s *idTokenSigner) Generate(_ context.Context, claims jwt.MapClaims, _ jwt.Mapper) (string, string, error) {
	raw, err := s.minter.MintJWT("JWT", claims)
	if err != nil {
		return "", "", err
	}
	return raw, raw[strings.LastIndexByte(raw, '.')+1:], nil
}

// Validate implements jwt.Signer; fosite uses it only for token hints, which
// rampart does not accept.
func (s *idTokenSigner) Validate(context.Context, string) (string, error) { return "", errIDTokenHint }

// Decode implements jwt.Signer (id_token_hint): refused.
func (s *idTokenSigner) Decode(context.Context, string) (*jwt.Token, error) {
	return nil, errIDTokenHint
}

// Hash implements jwt.Signer: SHA-256, for at_hash and c_hash.
func (s *idTokenSigner) Hash(_ context.Context, in []byte) ([]byte, error) {
	h := sha256.Sum256(in)
	return h[:], nil
}

// GetSignature implements jwt.Signer.
func (s *idTokenSigner) GetSignature(_ context.Context, t string) (string, error) {
	i := strings.LastIndexByte(t, '.')
	if i < 0 {
		return "", errors.New("malformed token")
	}
	return t[i+1:], nil
}

// GetSigningMethodLength implements jwt.Signer.
func (s *idTokenSigner) GetSigningMethodLength(context.Context) int { return sha256.Size }
