package scan

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// suppliedJWT is the JWT inside an Authorization value, and how to put a
// forged one back in the same shape.
type suppliedJWT struct {
	raw    string
	prefix string // "Bearer " or "" (the tutorial's bare token)
	header map[string]any
	claims jwt.MapClaims
	alg    string
	sig    string // the encoded signature segment
}

// parseSuppliedJWT finds a JWT in an Authorization header value (untrusted
// input; see FuzzParseSuppliedJWT). It returns false when there is none.
func parseSuppliedJWT(authz string) (*suppliedJWT, bool) {
	prefix, tok := "", strings.TrimSpace(authz)
	if scheme, rest, ok := strings.Cut(tok, " "); ok {
		prefix, tok = scheme+" ", strings.TrimSpace(rest)
	}
	if strings.Count(tok, ".") != 2 || len(tok) > 16<<10 {
		return nil, false
	}
	claims := jwt.MapClaims{}
	t, parts, err := jwt.NewParser().ParseUnverified(tok, claims)
	if err != nil {
		return nil, false
	}
	alg, _ := t.Header["alg"].(string)
	if alg == "" {
		return nil, false
	}
	return &suppliedJWT{raw: tok, prefix: prefix, header: t.Header, claims: claims, alg: alg, sig: parts[2]}, true
}

// authValue puts token back behind the supplied prefix.
func (j *suppliedJWT) authValue(token string) string { return j.prefix + token }

// hmacFamily reports an HS256/384/512 token.
func (j *suppliedJWT) hmacFamily() bool { return strings.HasPrefix(j.alg, "HS") }

// asymmetric reports an RS, PS or ES token.
func (j *suppliedJWT) asymmetric() bool {
	return strings.HasPrefix(j.alg, "RS") || strings.HasPrefix(j.alg, "PS") || strings.HasPrefix(j.alg, "ES")
}

// expiry returns the exp claim, if present.
func (j *suppliedJWT) expiry() (time.Time, bool) {
	exp, err := j.claims.GetExpirationTime()
	if err != nil || exp == nil {
		return time.Time{}, false
	}
	return exp.Time, true
}

// describe summarises the token for evidence: its header and the names of
// its claims (values stay out of reports, except the time claims).
func (j *suppliedJWT) describe() string {
	h, _ := json.Marshal(j.header)
	names := make([]string, 0, len(j.claims))
	for k := range j.claims {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "header: %s\nclaims: %s", h, strings.Join(names, ", "))
	for _, k := range []string{"iat", "nbf", "exp"} {
		if v, ok := j.claims[k]; ok {
			fmt.Fprintf(&b, "\n%s: %v", k, v)
		}
	}
	return b.String()
}

// copyClaims returns a copy of the supplied claims.
func (j *suppliedJWT) copyClaims() jwt.MapClaims {
	c := jwt.MapClaims{}
	for k, v := range j.claims {
		c[k] = v
	}
	return c
}

// crack tries each secret against an HS token's signature, offline. It
// returns the secret that verifies, if any.
func (j *suppliedJWT) crack(secrets []string) (string, bool) {
	if !j.hmacFamily() {
		return "", false
	}
	p := jwt.NewParser(jwt.WithValidMethods([]string{j.alg}), jwt.WithoutClaimsValidation())
	for _, s := range secrets {
		key := []byte(s)
		if _, err := p.Parse(j.raw, func(*jwt.Token) (any, error) { return key, nil }); err == nil {
			return s, true
		}
	}
	return "", false
}

// forgeNone returns the claims re-issued with alg "none" and no signature.
func (j *suppliedJWT) forgeNone() (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodNone, j.copyClaims()).SignedString(jwt.UnsafeAllowNoneSignatureType)
}

// forgeTampered returns the token with a claim added and the original
// signature kept: only a server that skips verification accepts it.
func (j *suppliedJWT) forgeTampered() (string, error) {
	c := j.copyClaims()
	c["rampart_scan"] = "tampered"
	t := jwt.NewWithClaims(jwt.SigningMethodNone, c)
	t.Header = j.header
	ss, err := t.SigningString()
	if err != nil {
		return "", err
	}
	return ss + "." + j.sig, nil
}

// forgeHMAC signs claims with an HMAC algorithm and key, with extra header
// fields (such as kid).
func forgeHMAC(method *jwt.SigningMethodHMAC, claims jwt.MapClaims, key []byte, extra map[string]any) (string, error) {
	t := jwt.NewWithClaims(method, claims)
	for k, v := range extra {
		t.Header[k] = v
	}
	return t.SignedString(key)
}

// hmacMethod returns the HS method of the same strength as alg (HS256 for
// anything unknown).
func hmacMethod(alg string) *jwt.SigningMethodHMAC {
	switch {
	case strings.HasSuffix(alg, "384"):
		return jwt.SigningMethodHS384
	case strings.HasSuffix(alg, "512"):
		return jwt.SigningMethodHS512
	}
	return jwt.SigningMethodHS256
}

// forgeExpired re-signs the claims with a known HMAC secret, expired an hour
// ago.
func (j *suppliedJWT) forgeExpired(secret string, now time.Time) (string, error) {
	c := j.copyClaims()
	c["iat"] = now.Add(-2 * time.Hour).Unix()
	c["exp"] = now.Add(-time.Hour).Unix()
	return forgeHMAC(hmacMethod(j.alg), c, []byte(secret), nil)
}

// publishedKey is a public key from the target's JWKS, in the encodings a
// confused HMAC verifier might use as the secret.
type publishedKey struct {
	kid   string
	forms [][]byte
}

// parseJWKS reads the public keys of a JWKS document (untrusted input).
func parseJWKS(body []byte) ([]publishedKey, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("parsing JWKS: %w", err)
	}
	var out []publishedKey
	for _, k := range set.Keys {
		if !k.Valid() || !k.IsPublic() {
			continue
		}
		der, err := x509.MarshalPKIXPublicKey(k.Key)
		if err != nil {
			continue
		}
		p := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		out = append(out, publishedKey{kid: k.KeyID, forms: [][]byte{p, []byte(strings.TrimSpace(string(p))), der}})
	}
	if len(out) == 0 {
		return nil, errors.New("parsing JWKS: no usable public key")
	}
	return out, nil
}

// jwtHeader decodes the header segment of a compact JWS, for tests and
// evidence.
func jwtHeader(token string) string {
	seg, _, _ := strings.Cut(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return ""
	}
	return string(b)
}
