package token

import (
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
	typ         string // normalized expected typ
	accessToken bool   // typ is at+jwt: RFC 9068 required claims apply
	anyAudience bool   // VerifyOptions.AnyAudience: aud must only be present
	parsers     [3]*jwt.Parser
	keyFunc     jwt.Keyfunc // bound once, so Verify does not allocate it
	headers     headerCache
}

// NewVerifier returns a Verifier that finds keys with keys (for example
// KeySet.Lookup, or a function reading the current KeySet). keys must
// return only published keys, and a key whose ID equals the kid asked for.
//
// The rules, from RFC 8725 and RFC 9068:
//   - the algorithm is the one of the key kid names; the header alg must
//     equal it exactly, so "none", HMAC (and with it every key-confusion
//     attack), and any algorithm swap are refused; the golang-jwt parser
//     used for each key is pinned to that one algorithm as well;
//   - kid is required; jku, x5u, jwk, x5c, crit and b64 headers are refused;
//   - typ must match VerifyOptions.Type;
//   - exp is required, and exp, nbf and iat are checked with the leeway;
//   - iss must equal Issuer and aud must contain one of Audiences (with
//     AnyAudience, aud must merely be present and non-empty);
//   - tokens over MaxTokenSize bytes, with non-canonical base64url, invalid
//     UTF-8, duplicate header or claim names, or registered claims of the
//     wrong JSON type are refused as malformed.
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
	v := &Verifier{keys: keys, typ: typ, accessToken: typ == TypeAccessToken, anyAudience: opts.AnyAudience}
	v.keyFunc = v.verificationKey
	auds := slices.Clone(opts.Audiences)
	for i, alg := range [...]Alg{ES256, RS256, EdDSA} {
		popts := []jwt.ParserOption{
			jwt.WithValidMethods([]string{string(alg)}),
			jwt.WithIssuer(opts.Issuer),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(leeway),
			jwt.WithTimeFunc(now),
		}
		if !opts.AnyAudience {
			popts = append(popts, jwt.WithAudience(auds...))
		}
		v.parsers[i] = jwt.NewParser(popts...)
	}
	return v, nil
}

// parser returns the parser pinned to alg, or nil.
func (v *Verifier) parser(alg Alg) *jwt.Parser {
	switch alg {
	case ES256:
		return v.parsers[0]
	case RS256:
		return v.parsers[1]
	case EdDSA:
		return v.parsers[2]
	}
	return nil
}

// Verify checks raw and returns its claims. Every error wraps
// ErrInvalidToken and one reason sentinel (ErrExpired, ErrBadSignature, ...);
// the message says why, for logs only: clients get a plain 401.
//
// The header is read and vetted first, so a token with a forbidden header,
// an unacceptable alg or an unknown kid costs no signature check. Note that
// an ECDSA signature (r, s) has a twin (r, n-s) that verifies too, so the
// same claims may arrive under two token strings: key caches and replay
// checks on jti, never on the raw token.
func (v *Verifier) Verify(raw string) (*Claims, error) {
	hdrEnd, _, err := splitCompact(raw)
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
	p := v.parser(key.Alg)
	if p == nil {
		return nil, reject(ErrWrongAlgorithm, "key %q has unsupported algorithm %s", key.ID, quoteShort(string(key.Alg)))
	}
	w := &wireClaims{key: key, hdr: h, requireAccessToken: v.accessToken, requireAudience: v.anyAudience}
	if _, err := p.ParseWithClaims(raw, w, v.keyFunc); err != nil {
		return nil, classify(err, w)
	}
	if !cached {
		v.headers.put(seg, h)
	}
	return &w.c, nil
}

// verificationKey is the golang-jwt key function. golang-jwt has decoded the
// header a second time, into a map; it must agree with what Verify vetted,
// so that nothing one decoder saw escapes the other.
func (v *Verifier) verificationKey(t *jwt.Token) (any, error) {
	w, ok := t.Claims.(*wireClaims)
	if !ok || w.key == nil || w.hdr == nil {
		return nil, reject(ErrMalformed, "internal: claims carry no key")
	}
	if !w.decoded {
		return nil, reject(ErrMalformed, "payload is not a JSON object")
	}
	kid, _ := t.Header["kid"].(string)
	alg, _ := t.Header["alg"].(string)
	typ, _ := t.Header["typ"].(string)
	if len(t.Header) != w.hdr.members || kid != w.key.ID || alg != string(w.key.Alg) ||
		t.Method.Alg() != alg || typ != w.hdr.typ {
		return nil, reject(ErrMalformed, "header decodes inconsistently")
	}
	return w.key.Public, nil
}

// classify turns a golang-jwt error into a rejection with one reason.
func classify(err error, w *wireClaims) error {
	if errors.Is(err, jwt.ErrTokenInvalidClaims) {
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
	}
	if r := (*rejection)(nil); errors.As(err, &r) {
		return r
	}
	if errors.Is(err, jwt.ErrTokenSignatureInvalid) {
		return &rejection{reason: ErrBadSignature, detail: "signature does not verify under key " + quoteShort(w.key.ID), cause: err}
	}
	return &rejection{reason: ErrMalformed, detail: "parse", cause: err}
}

// stamp formats a claim time for an error message.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "(absent)"
	}
	return t.UTC().Format(time.RFC3339)
}
