package token

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Leeway bounds for VerifyOptions.Leeway.
const (
	// DefaultLeeway is the clock skew tolerated when VerifyOptions.Leeway is zero.
	DefaultLeeway = 30 * time.Second
	// MaxLeeway is the largest leeway NewVerifier accepts.
	MaxLeeway = 5 * time.Minute
)

// VerifyOptions configure a Verifier. Issuer and Audiences (or, for the
// issuer's own endpoints only, AnyAudience) are required; every other field
// has a safe zero value.
type VerifyOptions struct {
	// Issuer is the exact iss a token must carry. Required.
	Issuer string
	// Audiences lists the audiences this resource server answers to; a token
	// is accepted when its aud contains at least one of them. Required, and
	// no entry may be empty.
	Audiences []string
	// AnyAudience accepts a token whatever its aud (which must still be
	// present), instead of checking Audiences. Only the issuer itself may use
	// it, for its own introspection, revocation and UserInfo endpoints; a
	// resource server must always name its audiences.
	AnyAudience bool
	// Type is the typ header a token must carry, compared case-insensitively
	// and with or without "application/". Zero means TypeAccessToken
	// ("at+jwt"), which also makes sub, client_id, iat and jti required (RFC
	// 9068 §2.2). A token without typ is always refused, so an ID token
	// (typ "JWT") is never accepted as an access token, nor the reverse.
	Type string
	// Leeway is the clock skew tolerated on exp, nbf and iat. Zero means
	// DefaultLeeway (30s); negative values and values above MaxLeeway (5m)
	// are refused.
	Leeway time.Duration
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// Verifier checks RFC 9068 access tokens (or other JWTs, see
// VerifyOptions.Type) signed by keys it looks up by kid. It is the one place
// rampart verifies JWTs, so that no caller can forget a check. Its
// configuration is fixed at construction; it is safe for concurrent use.
type Verifier struct {
	keys        func(kid string) (*Key, bool)
	typ         string         // normalized expected typ
	accessToken bool           // typ is at+jwt: RFC 9068 required claims apply
	anyAudience bool           // VerifyOptions.AnyAudience: aud must only be present
	validator   *jwt.Validator // iss, aud, exp (required), nbf, iat, leeway, clock
	headers     headerCache
}

// NewVerifier returns a Verifier that finds keys with keys (for example
// KeySet.Lookup, or a function reading the current KeySet). keys must
// return only published keys, and a key whose ID equals the kid asked for.
//
// The rules, from RFC 8725 and RFC 9068:
//   - the algorithm is the one of the key kid names; the header alg must
//     equal it exactly, so "none", HMAC (and with it every key-confusion
//     attack), and any algorithm swap are refused; the signature is checked
//     by golang-jwt's SigningMethod for the key's algorithm, never by one
//     the header chooses;
//   - kid is required; jku, x5u, jwk, x5c, crit and b64 headers are refused;
//   - typ must match VerifyOptions.Type;
//   - exp is required, and exp, nbf and iat are checked with the leeway;
//   - iss must equal Issuer and aud must contain one of Audiences (with
//     AnyAudience, aud must merely be present and non-empty);
//   - tokens over MaxTokenSize bytes, with non-canonical base64url, invalid
//     UTF-8, duplicate header or claim names, or registered claims of the
//     wrong JSON type are refused as malformed.
//
// The header and the payload are each decoded exactly once, by this
// package's strict reader (see the package doc), and the values it read are
// the ones the checks, the key lookup and the returned Claims use: there is
// no second decoding that could disagree. golang-jwt verifies the signature
// (SigningMethod.Verify) and validates the registered claims (a
// jwt.Validator built with WithIssuer, WithAudience unless AnyAudience,
// WithExpirationRequired, WithIssuedAt, WithLeeway and WithTimeFunc); its
// Parser, which would decode both segments again, is not used.
func NewVerifier(keys func(kid string) (*Key, bool), opts VerifyOptions) (*Verifier, error) {
	if keys == nil {
		return nil, errors.New("token: new verifier: keys function is nil")
	}
	if opts.Issuer == "" {
		return nil, errors.New("token: new verifier: issuer is required")
	}
	if opts.AnyAudience && len(opts.Audiences) > 0 {
		return nil, errors.New("token: new verifier: AnyAudience and Audiences exclude each other")
	}
	if !opts.AnyAudience && (len(opts.Audiences) == 0 || slices.Contains(opts.Audiences, "")) {
		return nil, errors.New("token: new verifier: at least one audience is required, and none may be empty")
	}
	typ := opts.Type
	if typ == "" {
		typ = TypeAccessToken
	}
	typ = normalizeType(typ)
	if typ == "" {
		return nil, fmt.Errorf("token: new verifier: type %q is empty without its application/ prefix", opts.Type)
	}
	leeway := opts.Leeway
	switch {
	case leeway == 0:
		leeway = DefaultLeeway
	case leeway < 0 || leeway > MaxLeeway:
		return nil, fmt.Errorf("token: new verifier: leeway %s is outside (0, %s]", leeway, MaxLeeway)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	vopts := []jwt.ParserOption{
		jwt.WithIssuer(opts.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(now),
	}
	if !opts.AnyAudience {
		vopts = append(vopts, jwt.WithAudience(slices.Clone(opts.Audiences)...))
	}
	return &Verifier{
		keys:        keys,
		typ:         typ,
		accessToken: typ == TypeAccessToken,
		anyAudience: opts.AnyAudience,
		validator:   jwt.NewValidator(vopts...),
	}, nil
}

// Verify checks raw and returns its claims. Every error wraps
// ErrInvalidToken and one reason sentinel (ErrExpired, ErrBadSignature, ...);
// the message says why, for logs only: clients get a plain 401.
//
// The checks run in this order: the token's shape and size; the header, and
// the alg, typ and kid it names against this Verifier and the key kid finds
// (so a token with a forbidden header, an unacceptable alg or an unknown kid
// costs no signature check); the payload's syntax and claim types; the
// signature; then the claims' values. Note that an ECDSA signature (r, s)
// has a twin (r, n-s) that verifies too, so the same claims may arrive under
// two token strings: key caches and replay checks on jti, never on the raw
// token.
func (v *Verifier) Verify(raw string) (*Claims, error) {
	hdrEnd, sigStart, err := splitCompact(raw)
	if err != nil {
		return nil, err
	}
	seg := raw[:hdrEnd]
	h := v.headers.get(seg)
	cached := h != nil
	if !cached {
		if h, err = parseHeader(seg); err != nil {
			return nil, err
		}
	}
	if err := checkAlg(h.alg); err != nil {
		return nil, err
	}
	if !h.hasTyp {
		return nil, reject(ErrWrongType, "header has no typ, want %q", v.typ)
	}
	if normalizeType(h.typ) != v.typ {
		return nil, reject(ErrWrongType, "typ %s, want %q", quoteShort(h.typ), v.typ)
	}
	if h.kid == "" {
		return nil, reject(ErrUnknownKey, "header has no kid")
	}
	key, ok := v.keys(h.kid)
	if !ok || key == nil || key.Public == nil || key.ID != h.kid {
		return nil, reject(ErrUnknownKey, "no published key has kid %s", quoteShort(h.kid))
	}
	if string(key.Alg) != h.alg {
		return nil, reject(ErrWrongAlgorithm, "alg %s, but key %q is %s", h.alg, key.ID, key.Alg)
	}
	method := signingMethod(key.Alg) // pinned by the key, never by the header
	if method == nil {
		return nil, reject(ErrWrongAlgorithm, "key %q has unsupported algorithm %s", key.ID, quoteShort(string(key.Alg)))
	}
	w := &wireClaims{requireAccessToken: v.accessToken, requireAudience: v.anyAudience}
	if err := w.decodeSegment(raw[hdrEnd+1 : sigStart-1]); err != nil {
		return nil, err
	}
	sig, err := base64.RawURLEncoding.DecodeString(raw[sigStart:])
	if err != nil {
		return nil, reject(ErrMalformed, "signature is not base64url")
	}
	if err := method.Verify(raw[:sigStart-1], sig, key.Public); err != nil {
		return nil, &rejection{
			reason: ErrBadSignature,
			detail: "signature does not verify under key " + quoteShort(key.ID),
			cause:  fmt.Errorf("%w: %w", jwt.ErrTokenSignatureInvalid, err),
		}
	}
	if err := v.validator.Validate(w); err != nil {
		return nil, classify(err, w)
	}
	if !cached {
		v.headers.put(seg, h)
	}
	return &w.c, nil
}

// classify turns an error of the claims validator into a rejection with
// one reason. golang-jwt joins every failed check into one error; the first
// match below decides, and wireClaims.Validate returns rejections already.
func classify(err error, w *wireClaims) error {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return reject(ErrExpired, "exp %s has passed", stamp(w.c.ExpiresAt))
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return reject(ErrNotYetValid, "nbf %s is in the future", stamp(w.c.NotBefore))
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return reject(ErrNotYetValid, "iat %s is in the future", stamp(w.c.IssuedAt))
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return reject(ErrWrongIssuer, "iss %s is not ours", quoteShort(w.c.Issuer))
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return reject(ErrWrongAudience, "aud %s names none of ours", quoteShort(fmt.Sprint(w.c.Audience)))
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		switch {
		case !w.hasExp:
			return reject(ErrMissingClaim, "token has no exp")
		case w.c.Issuer == "":
			return reject(ErrWrongIssuer, "token has no iss")
		case len(w.c.Audience) == 0 || len(w.c.Audience) == 1 && w.c.Audience[0] == "":
			return reject(ErrWrongAudience, "token has no aud")
		}
	}
	if r := (*rejection)(nil); errors.As(err, &r) {
		return r
	}
	return &rejection{reason: ErrMalformed, detail: "claims", cause: err}
}

// stamp formats a claim time for an error message.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "(absent)"
	}
	return t.UTC().Format(time.RFC3339)
}
