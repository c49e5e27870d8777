// Package token issues and verifies rampart's JWTs: signing keys and their
// rotation schedule, the JWKS, RFC 9068 access tokens, and one strict
// verifier that every call site uses.
//
// Standards: RFC 7515 (JWS), 7517 (JWK), 7519 (JWT), 7638 (JWK thumbprint),
// 8725 (JWT best current practice), 9068 (JWT access tokens), 9700 (OAuth
// security best current practice). Signing and verification go through
// github.com/golang-jwt/jwt/v5; github.com/go-jose/go-jose/v4 is used only
// for JWK and JWKS JSON.
//
// # Keys
//
// GenerateKey makes an ES256 (default), RS256 (3072-bit) or EdDSA key whose
// kid is its RFC 7638 thumbprint. The caller persists keys as KeyRecords
// (PKCS#8 from Key.MarshalPrivate, encrypted at rest) and builds a KeySet
// from them: an immutable snapshot holding the signing key, the published
// keys for verification, and the JWKS bytes. PlanRotation adds a key and
// schedules the retirement of the ones it supersedes; it is pure logic over
// records, and its doc states the guarantees and the rule for RetireAt.
//
// # Tokens
//
// A Minter signs access tokens (Mint) and other JWTs such as ID tokens
// (MintJWT); both always send kid and an explicit typ. A Verifier checks
// them: the algorithm comes from the key the kid names, never from the
// header; kid-less tokens, "none", HMAC, algorithm swaps, embedded or
// remote keys (jwk, jku, x5c, x5u), crit, the wrong typ, issuer or audience,
// expired or not-yet-valid tokens and anything malformed are refused, each
// with an error that wraps ErrInvalidToken and a reason sentinel for logs.
//
// # JSON
//
// Headers and claims are read with exact, case-sensitive member names, and
// duplicate names are refused (RFC 7515 §5.2 and RFC 7519 §4 allow either
// refusing them or taking the last; golang-jwt's encoding/json takes the
// last, and would also match claim names case-insensitively when decoding
// into a struct, so the claims type here decodes the payload itself).
// Verify decodes the header and the payload once each, with that reader,
// and does not use golang-jwt's Parser: golang-jwt checks the signature
// (SigningMethod.Verify of the key's algorithm) and the registered claims
// (jwt.Validator), over the values this package read.
package token
