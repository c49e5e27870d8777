package token

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxExtraClaims bounds Claims.Extra: extra claims belong in the token only
// when every request needs them; the rest is for the userinfo or
// introspection endpoints.
const maxExtraClaims = 16

// Minter signs tokens with the signing key of the current KeySet. It is safe
// for concurrent use.
type Minter struct {
	keys   func() *KeySet
	issuer string
	now    func() time.Time
	random io.Reader
}

// MinterOption configures a Minter.
type MinterOption func(*Minter)

// WithClock sets the clock Mint reads; the default is time.Now.
func WithClock(now func() time.Time) MinterOption {
	return func(m *Minter) { m.now = now }
}

// WithRand sets the source of token ids (jti); the default is crypto/rand.
// Reads are serialised, so any io.Reader will do. Signatures always use the
// system's secure random source.
func WithRand(r io.Reader) MinterOption {
	return func(m *Minter) { m.random = &lockedReader{r: r} }
}

// lockedReader serialises reads from a reader that may not be safe for
// concurrent use.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

// Read implements io.Reader.
func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// NewMinter returns a Minter for issuer. keys is called on every Mint and
// MintJWT, so it can return a KeySet the caller refreshes in the background;
// each token is signed with the key that KeySet schedules for the moment of
// minting (see Mint).
func NewMinter(keys func() *KeySet, issuer string, opts ...MinterOption) *Minter {
	m := &Minter{keys: keys, issuer: issuer, now: time.Now, random: rand.Reader}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Mint signs an RFC 9068 access token valid for ttl and returns it with the
// claims it carries.
//
// The caller supplies Subject, ClientID and at least one Audience (all
// required), and optionally Scopes (RFC 6749 scope tokens), Roles and
// Extra (at most 16 claims, none named like a registered claim in any case).
// Mint sets Issuer (a non-empty c.Issuer must equal the Minter's), IssuedAt
// and NotBefore (now, in whole seconds), ExpiresAt (now + ttl) and ID (128
// random bits); passing any of those four is an error, so nobody believes
// they chose them. The header is {"alg", "kid", "typ": "at+jwt"}.
//
// The key is the one the KeySet schedules for this instant, so a KeySet
// built a little before a planned switch still switches on time. If that
// key retires before now + ttl, exp is brought forward to its RetireAt: a
// token never outlives the key that verifies it. That only happens when ttl
// exceeds the maxTokenLifetime given to PlanRotation; the returned claims
// show the real exp.
func (m *Minter) Mint(c Claims, ttl time.Duration) (string, Claims, error) {
	if err := m.checkAccessClaims(&c, ttl); err != nil {
		return "", Claims{}, err
	}
	at := m.now()
	key, retireAt, err := m.signingKey(at)
	if err != nil {
		return "", Claims{}, err
	}
	now := floorSecond(at) // JWT times are whole seconds
	jti, err := m.newID()
	if err != nil {
		return "", Claims{}, err
	}
	c.Issuer = m.issuer
	c.IssuedAt, c.NotBefore, c.ID = now, now, jti
	c.ExpiresAt = ceilSecond(now.Add(ttl))
	if !retireAt.IsZero() && c.ExpiresAt.After(retireAt) {
		c.ExpiresAt = floorSecond(retireAt)
		if !c.ExpiresAt.After(now) {
			return "", Claims{}, fmt.Errorf("%w: key %q retires at %s", ErrNoSigningKey, key.ID, stamp(retireAt))
		}
	}
	raw, err := sign(key, TypeAccessToken, accessPayloadOf(&c))
	if err != nil {
		return "", Claims{}, err
	}
	return raw, c, nil
}

// checkAccessClaims enforces Mint's rules on the caller's claims.
func (m *Minter) checkAccessClaims(c *Claims, ttl time.Duration) error {
	var errs []error
	if m.issuer == "" {
		errs = append(errs, errors.New("the minter has no issuer"))
	}
	if ttl <= 0 {
		errs = append(errs, fmt.Errorf("ttl %s is not positive", ttl))
	}
	if c.Subject == "" {
		errs = append(errs, errors.New("sub is required"))
	}
	if c.ClientID == "" {
		errs = append(errs, errors.New("client_id is required"))
	}
	if len(c.Audience) == 0 {
		errs = append(errs, errors.New("aud is required"))
	}
	for _, a := range c.Audience {
		if a == "" {
			errs = append(errs, errors.New("aud contains an empty string"))
			break
		}
	}
	if c.Issuer != "" && c.Issuer != m.issuer {
		errs = append(errs, fmt.Errorf("iss %q is not this minter's issuer %q", c.Issuer, m.issuer))
	}
	if !c.IssuedAt.IsZero() || !c.NotBefore.IsZero() || !c.ExpiresAt.IsZero() || c.ID != "" {
		errs = append(errs, errors.New("iat, nbf, exp and jti are set by Mint, not the caller"))
	}
	for _, s := range c.Scopes {
		if !validScopeToken(s) {
			errs = append(errs, fmt.Errorf("scope %q is not an RFC 6749 scope token", s))
		}
	}
	for _, r := range c.Roles {
		if r == "" {
			errs = append(errs, errors.New("roles contains an empty string"))
			break
		}
	}
	if len(c.Extra) > maxExtraClaims {
		errs = append(errs, fmt.Errorf("%d extra claims, limit is %d", len(c.Extra), maxExtraClaims))
	}
	for name := range c.Extra {
		if name == "" || reservedClaim(name) {
			errs = append(errs, fmt.Errorf("extra claim %q would shadow a registered claim", name))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidClaims, errors.Join(errs...))
	}
	return nil
}

// validScopeToken reports whether s is a scope-token of RFC 6749 §3.3:
// one or more of %x21 / %x23-5B / %x5D-7E.
func validScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// accessPayload is the payload of an access token without Extra claims.
// Its fields are in the sorted order encoding/json gives a map's keys, so it
// encodes to exactly the bytes accessClaimsMap would, without a map.
type accessPayload struct {
	Audience  any      `json:"aud"` // a string, or []string for several
	ClientID  string   `json:"client_id"`
	ExpiresAt int64    `json:"exp"`
	IssuedAt  int64    `json:"iat"`
	Issuer    string   `json:"iss"`
	ID        string   `json:"jti"`
	NotBefore int64    `json:"nbf"`
	Roles     []string `json:"roles,omitempty"`
	Scope     string   `json:"scope,omitempty"`
	Subject   string   `json:"sub"`
}

// accessPayloadOf returns the payload of an access token for json.Marshal:
// an accessPayload, or accessClaimsMap when there are Extra claims to merge.
func accessPayloadOf(c *Claims) any {
	if len(c.Extra) > 0 {
		return accessClaimsMap(c)
	}
	p := &accessPayload{
		ClientID:  c.ClientID,
		ExpiresAt: c.ExpiresAt.Unix(),
		IssuedAt:  c.IssuedAt.Unix(),
		Issuer:    c.Issuer,
		ID:        c.ID,
		NotBefore: c.NotBefore.Unix(),
		Roles:     c.Roles,
		Scope:     strings.Join(c.Scopes, " "),
		Subject:   c.Subject,
	}
	if len(c.Audience) == 1 {
		p.Audience = c.Audience[0]
	} else {
		p.Audience = c.Audience
	}
	return p
}

// accessClaimsMap lays out the payload of an access token as a map.
func accessClaimsMap(c *Claims) jwt.MapClaims {
	mc := make(jwt.MapClaims, len(c.Extra)+10)
	maps.Copy(mc, c.Extra)
	mc[claimIssuer] = c.Issuer
	mc[claimSubject] = c.Subject
	if len(c.Audience) == 1 {
		mc[claimAudience] = c.Audience[0]
	} else {
		mc[claimAudience] = c.Audience
	}
	mc[claimExpiresAt] = c.ExpiresAt.Unix()
	mc[claimIssuedAt] = c.IssuedAt.Unix()
	mc[claimNotBefore] = c.NotBefore.Unix()
	mc[claimID] = c.ID
	mc[claimClientID] = c.ClientID
	if len(c.Scopes) > 0 {
		mc[claimScope] = strings.Join(c.Scopes, " ")
	}
	if len(c.Roles) > 0 {
		mc[claimRoles] = c.Roles
	}
	return mc
}

// MintJWT signs an arbitrary JWT, such as an OpenID Connect ID token, with
// the header {"alg", "kid", "typ": typ}. It sets no claims except iss, which
// it adds when absent; an iss that differs from the Minter's issuer is an
// error. claims must contain a numeric exp (every JWT rampart verifies
// needs one) and is not modified.
//
// typ is required and may not be the access token type in any spelling:
// access tokens come from Mint, whose rules they then obey, and a token
// minted here can never pass as one (RFC 8725 §3.11).
func (m *Minter) MintJWT(typ string, claims map[string]any) (string, error) {
	if typ == "" {
		return "", fmt.Errorf("%w: typ is required", ErrInvalidClaims)
	}
	if m.issuer == "" {
		return "", fmt.Errorf("%w: the minter has no issuer", ErrInvalidClaims)
	}
	if normalizeType(typ) == TypeAccessToken {
		return "", fmt.Errorf("%w: typ %q is reserved for Mint", ErrInvalidClaims, typ)
	}
	switch exp := claims[claimExpiresAt].(type) {
	case int, int32, int64, uint32, uint64, float64, json.Number, jwt.NumericDate:
	case *jwt.NumericDate:
		if exp == nil {
			return "", fmt.Errorf("%w: exp is a nil *jwt.NumericDate", ErrInvalidClaims)
		}
	default:
		return "", fmt.Errorf("%w: a numeric exp is required, got %T", ErrInvalidClaims, exp)
	}
	mc := make(jwt.MapClaims, len(claims)+1)
	maps.Copy(mc, claims)
	switch iss := mc[claimIssuer].(type) {
	case nil:
		mc[claimIssuer] = m.issuer
	case string:
		if iss != m.issuer {
			return "", fmt.Errorf("%w: iss %q is not this minter's issuer %q", ErrInvalidClaims, iss, m.issuer)
		}
	default:
		return "", fmt.Errorf("%w: iss is a %T, want a string", ErrInvalidClaims, iss)
	}
	key, _, err := m.signingKey(m.now())
	if err != nil {
		return "", err
	}
	return sign(key, typ, mc)
}

// signingKey returns the key scheduled to sign at now.
func (m *Minter) signingKey(now time.Time) (*Key, time.Time, error) {
	ks := m.keys()
	if ks == nil {
		return nil, time.Time{}, fmt.Errorf("%w: the key set function returned nil", ErrNoSigningKey)
	}
	return ks.signingAt(now)
}

// newID returns 128 random bits, base64url.
func (m *Minter) newID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(m.random, b[:]); err != nil {
		return "", fmt.Errorf("token: generating jti: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// signingMethod returns golang-jwt's method for alg.
func signingMethod(alg Alg) jwt.SigningMethod {
	switch alg {
	case ES256:
		return jwt.SigningMethodES256
	case RS256:
		return jwt.SigningMethodRS256
	case EdDSA:
		return jwt.SigningMethodEdDSA
	}
	return nil
}

// maxSignatureSize is the signature size sign reserves room for: RSA-4096's.
// A larger signature only costs sign one more allocation.
const maxSignatureSize = 512

// jwsHeader is the JOSE header of every token minted here. Its fields are
// in sorted order, so it encodes exactly as golang-jwt encodes the same
// header held in a map.
type jwsHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// sign produces a compact JWS with header {alg, kid, typ} whose payload is
// claims encoded by encoding/json (a jwt.MapClaims, or a struct that encodes
// the same way). golang-jwt signs; this builds the compact serialization
// itself, as jwt.Token.SignedString would, without the header map.
func sign(key *Key, typ string, claims any) (string, error) {
	if key.Private == nil {
		return "", fmt.Errorf("signing with key %q: %w", key.ID, ErrNoPrivateKey)
	}
	method := signingMethod(key.Alg)
	if method == nil {
		return "", fmt.Errorf("signing with key %q: %w: %q", key.ID, ErrUnsupportedAlg, key.Alg)
	}
	hdr, err := json.Marshal(jwsHeader{Alg: method.Alg(), Kid: key.ID, Typ: typ})
	if err != nil {
		return "", fmt.Errorf("signing with key %q: %w", key.ID, err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("signing with key %q: %w", key.ID, err)
	}
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, enc.EncodedLen(len(hdr))+enc.EncodedLen(len(payload))+2+enc.EncodedLen(maxSignatureSize))
	buf = enc.AppendEncode(buf, hdr)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, payload)
	sig, err := method.Sign(string(buf), key.Private)
	if err != nil {
		return "", fmt.Errorf("signing with key %q: %w", key.ID, err)
	}
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)
	if len(buf) > MaxTokenSize {
		return "", fmt.Errorf("%w: token is %d bytes, limit is %d", ErrInvalidClaims, len(buf), MaxTokenSize)
	}
	return string(buf), nil
}
