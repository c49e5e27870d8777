package token

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are the claims of an RFC 9068 JWT access token.
//
// Mint reads Subject, Audience, ClientID, Scopes, Roles and Extra from the
// caller and sets Issuer, IssuedAt, NotBefore, ExpiresAt and ID itself.
// Verify fills every field from the token; Extra then holds every claim not
// named by a field (auth_time, acr, cnf, ...), decoded as encoding/json
// decodes into an any (numbers are float64), and is nil when there are none.
type Claims struct {
	// Issuer is the iss claim: the issuer's URL.
	Issuer string
	// Subject is the sub claim: the user, or the client for a client
	// credentials grant.
	Subject string
	// Audience is the aud claim: the resource servers the token is for. One
	// audience is sent as a JSON string, several as an array.
	Audience []string
	// ExpiresAt is the exp claim, in whole seconds when minted here.
	ExpiresAt time.Time
	// IssuedAt is the iat claim.
	IssuedAt time.Time
	// NotBefore is the nbf claim; Mint sets it equal to IssuedAt.
	NotBefore time.Time
	// ID is the jti claim: 128 random bits, base64url. It is the token's
	// unique identifier; the raw token string is not (see Verify).
	ID string
	// ClientID is the client_id claim: the OAuth client the token was issued to.
	ClientID string
	// Scopes is the scope claim split on spaces; nil when absent.
	Scopes []string
	// Roles is the roles claim (RFC 9068 §7.2.1.1, RFC 7643 roles); nil when
	// absent.
	Roles []string
	// Extra holds further claims. Mint refuses names that are registered
	// above or that differ from one only in case, so Extra can never
	// overwrite or shadow a registered claim.
	Extra map[string]any
}

// Claim names the Claims fields stand for. Extra may not use these, nor
// any name equal to one of them under case folding.
const (
	claimIssuer    = "iss"
	claimSubject   = "sub"
	claimAudience  = "aud"
	claimExpiresAt = "exp"
	claimIssuedAt  = "iat"
	claimNotBefore = "nbf"
	claimID        = "jti"
	claimClientID  = "client_id"
	claimScope     = "scope"
	claimRoles     = "roles"
)

// reservedClaims lists the names Extra may not use.
var reservedClaims = [...]string{
	claimIssuer, claimSubject, claimAudience, claimExpiresAt, claimIssuedAt,
	claimNotBefore, claimID, claimClientID, claimScope, claimRoles,
}

// reservedClaim reports whether name case-folds to a registered claim.
func reservedClaim(name string) bool {
	for _, r := range reservedClaims {
		if strings.EqualFold(name, r) {
			return true
		}
	}
	return false
}

// wireClaims is a token's payload as Verify reads it: it decodes the JSON
// with exact member names (duplicates refused) and implements jwt.Claims and
// jwt.ClaimsValidator for golang-jwt's claim validator.
type wireClaims struct {
	c                  Claims
	exp, iat, nbf      jwt.NumericDate
	hasExp, hasIat     bool
	hasNbf             bool
	requireAccessToken bool // RFC 9068 required claims apply
	requireAudience    bool // aud must be present (the validator does not check it)
}

// Bits marking which registered claims were seen, for duplicate detection.
const (
	seenIss = 1 << iota
	seenSub
	seenAud
	seenExp
	seenIat
	seenNbf
	seenJti
	seenClientID
	seenScope
	seenRoles
)

// decodeSegment decodes a token's payload segment, whose base64url
// splitCompact has already found canonical: the bytes must be valid JSON
// (json.Valid, as encoding/json would check before UnmarshalJSON) and then
// pass UnmarshalJSON.
func (w *wireClaims) decodeSegment(seg string) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return reject(ErrMalformed, "payload is not base64url")
	}
	if !json.Valid(b) {
		return reject(ErrMalformed, "payload is not JSON")
	}
	return w.UnmarshalJSON(b)
}

// UnmarshalJSON decodes the payload. data must be valid JSON (decodeSegment
// and encoding/json check that first); this refuses invalid UTF-8 (which
// encoding/json would quietly replace), anything but an object, duplicate
// member names (RFC 7519 §4 allows refusing them, and it removes any doubt
// about which value was signed), and registered claims of the wrong JSON
// type, null included.
func (w *wireClaims) UnmarshalJSON(data []byte) error {
	if !utf8.Valid(data) {
		return reject(ErrMalformed, "payload is not UTF-8")
	}
	var seen uint
	err := eachMember(data, func(name, raw []byte) error {
		var bit uint
		var err error
		switch string(name) {
		case claimIssuer:
			bit = seenIss
			w.c.Issuer, err = jsonString(raw)
		case claimSubject:
			bit = seenSub
			w.c.Subject, err = jsonString(raw)
		case claimAudience:
			bit = seenAud
			if len(raw) > 0 && raw[0] == '[' {
				w.c.Audience, err = jsonStrings(raw)
			} else {
				var s string
				s, err = jsonString(raw)
				w.c.Audience = []string{s}
			}
		case claimExpiresAt:
			bit = seenExp
			w.exp.Time, err = jsonNumericDate(raw)
			w.c.ExpiresAt, w.hasExp = w.exp.Time, true
		case claimIssuedAt:
			bit = seenIat
			w.iat.Time, err = jsonNumericDate(raw)
			w.c.IssuedAt, w.hasIat = w.iat.Time, true
		case claimNotBefore:
			bit = seenNbf
			w.nbf.Time, err = jsonNumericDate(raw)
			w.c.NotBefore, w.hasNbf = w.nbf.Time, true
		case claimID:
			bit = seenJti
			w.c.ID, err = jsonString(raw)
		case claimClientID:
			bit = seenClientID
			w.c.ClientID, err = jsonString(raw)
		case claimScope:
			bit = seenScope
			var s string
			if s, err = jsonString(raw); err == nil {
				w.c.Scopes = strings.Fields(s)
			}
		case claimRoles:
			bit = seenRoles
			w.c.Roles, err = jsonStrings(raw)
		default:
			return w.extra(string(name), raw)
		}
		if err != nil {
			return fmt.Errorf("claim %q: %w", name, err)
		}
		if seen&bit != 0 {
			return fmt.Errorf("duplicate claim %q", name)
		}
		seen |= bit
		return nil
	})
	if err != nil {
		return reject(ErrMalformed, "payload: %v", err)
	}
	return nil
}

// extra decodes an unregistered claim into Extra.
func (w *wireClaims) extra(name string, raw []byte) error {
	if _, dup := w.c.Extra[name]; dup {
		return fmt.Errorf("duplicate claim %q", name)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("claim %q: %w", name, err)
	}
	if w.c.Extra == nil {
		w.c.Extra = make(map[string]any)
	}
	w.c.Extra[name] = v
	return nil
}

// GetExpirationTime implements jwt.Claims.
func (w *wireClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	if !w.hasExp {
		return nil, nil
	}
	return &w.exp, nil
}

// GetIssuedAt implements jwt.Claims.
func (w *wireClaims) GetIssuedAt() (*jwt.NumericDate, error) {
	if !w.hasIat {
		return nil, nil
	}
	return &w.iat, nil
}

// GetNotBefore implements jwt.Claims.
func (w *wireClaims) GetNotBefore() (*jwt.NumericDate, error) {
	if !w.hasNbf {
		return nil, nil
	}
	return &w.nbf, nil
}

// GetIssuer implements jwt.Claims.
func (w *wireClaims) GetIssuer() (string, error) { return w.c.Issuer, nil }

// GetSubject implements jwt.Claims.
func (w *wireClaims) GetSubject() (string, error) { return w.c.Subject, nil }

// GetAudience implements jwt.Claims.
func (w *wireClaims) GetAudience() (jwt.ClaimStrings, error) { return w.c.Audience, nil }

// Validate implements jwt.ClaimsValidator: a present aud when the validator
// does not check it (VerifyOptions.AnyAudience), and the claims RFC 9068
// §2.2 makes required for access tokens, on top of the validator's exp, nbf,
// iat, iss and aud checks.
func (w *wireClaims) Validate() error {
	if w.requireAudience && !slices.ContainsFunc(w.c.Audience, func(a string) bool { return a != "" }) {
		return reject(ErrWrongAudience, "token has no aud")
	}
	if !w.requireAccessToken {
		return nil
	}
	switch {
	case w.c.Subject == "":
		return reject(ErrMissingClaim, "access token has no sub")
	case w.c.ClientID == "":
		return reject(ErrMissingClaim, "access token has no client_id")
	case !w.hasIat:
		return reject(ErrMissingClaim, "access token has no iat")
	case w.c.ID == "":
		return reject(ErrMissingClaim, "access token has no jti")
	}
	return nil
}

var (
	_ jwt.Claims          = (*wireClaims)(nil)
	_ jwt.ClaimsValidator = (*wireClaims)(nil)
	_ json.Unmarshaler    = (*wireClaims)(nil)
)
