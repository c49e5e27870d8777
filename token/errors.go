package token

import (
	"errors"
	"fmt"
)

// ErrInvalidToken is wrapped by every error Verify returns. Callers that only
// need to answer 401 test for it and nothing else; the wrapped reason (one of
// the Err* sentinels below) and the detail after it are for logs and metrics,
// never for the client.
var ErrInvalidToken = errors.New("invalid token")

// Reasons a token is rejected. Each Verify error wraps ErrInvalidToken and
// exactly one of these, so errors.Is(err, ErrExpired) tells why. They are
// stable labels for logs and metrics.
var (
	// ErrMalformed means the token is not a well-formed compact JWS (shape,
	// base64url, UTF-8, JSON, claim types, duplicate member names) or is
	// larger than MaxTokenSize.
	ErrMalformed = errors.New("malformed")
	// ErrForbiddenHeader means a header parameter would let the token choose
	// its own key (jku, jwk, x5u, x5c) or names an extension (crit, b64).
	ErrForbiddenHeader = errors.New("forbidden header")
	// ErrWrongAlgorithm means the header alg is missing, "none", an HMAC
	// algorithm, unsupported, or not the algorithm of the key kid names.
	ErrWrongAlgorithm = errors.New("wrong algorithm")
	// ErrWrongType means the typ header is missing or not the expected type.
	ErrWrongType = errors.New("wrong type")
	// ErrUnknownKey means kid is missing or names no published key.
	ErrUnknownKey = errors.New("unknown key")
	// ErrBadSignature means the signature does not verify under the key.
	ErrBadSignature = errors.New("bad signature")
	// ErrExpired means now is at or after exp plus the leeway.
	ErrExpired = errors.New("expired")
	// ErrNotYetValid means nbf or iat is later than now plus the leeway.
	ErrNotYetValid = errors.New("not yet valid")
	// ErrWrongIssuer means iss is missing or not the expected issuer.
	ErrWrongIssuer = errors.New("wrong issuer")
	// ErrWrongAudience means aud is missing or names none of the expected
	// audiences.
	ErrWrongAudience = errors.New("wrong audience")
	// ErrMissingClaim means a required claim is absent: exp always; sub,
	// client_id, iat and jti for RFC 9068 access tokens.
	ErrMissingClaim = errors.New("missing claim")
)

// Errors about keys, key sets and minting.
var (
	// ErrUnsupportedAlg is returned for an Alg other than ES256, RS256 and EdDSA.
	ErrUnsupportedAlg = errors.New("token: unsupported algorithm")
	// ErrKeyMismatch is returned when key material does not suit the algorithm
	// it is declared for (an RSA key declared as ES256, a P-384 key as ES256,
	// an RSA key under 2048 bits).
	ErrKeyMismatch = errors.New("token: key does not match algorithm")
	// ErrNoPrivateKey is returned when a verify-only key is asked to sign or
	// to export private material.
	ErrNoPrivateKey = errors.New("token: key has no private part")
	// ErrNoSigningKey is returned when no published key is scheduled to sign
	// at the time asked for.
	ErrNoSigningKey = errors.New("token: no signing key")
	// ErrInvalidClaims is returned by Mint and MintJWT for claims they refuse
	// to sign.
	ErrInvalidClaims = errors.New("token: invalid claims")
)

// rejection is the error Verify returns: "invalid token: <reason>: <detail>",
// optionally followed by the underlying library error.
type rejection struct {
	reason error  // one of the reason sentinels above
	detail string // what was wrong, for logs; never contains key material
	cause  error  // golang-jwt's error, or nil
}

// Error returns "invalid token: <reason>: <detail>[: <cause>]".
func (e *rejection) Error() string {
	s := ErrInvalidToken.Error() + ": " + e.reason.Error() + ": " + e.detail
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap exposes ErrInvalidToken, the reason and the cause to errors.Is and
// errors.As.
func (e *rejection) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrInvalidToken, e.reason}
	}
	return []error{ErrInvalidToken, e.reason, e.cause}
}

// reject builds a Verify error for reason with a formatted detail.
func reject(reason error, format string, args ...any) error {
	return &rejection{reason: reason, detail: fmt.Sprintf(format, args...)}
}
