package scan

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// jwtFlaw names one way a token verifier goes wrong.
type jwtFlaw string

const (
	flawAlgNone   jwtFlaw = "alg-none"      // lets the token's alg pick "none"
	flawNoVerify  jwtFlaw = "no-verify"     // reads claims without checking the signature
	flawNoExpiry  jwtFlaw = "ignores-exp"   // skips claim validation
	flawConfusion jwtFlaw = "key-confusion" // HS256 verified with the RSA public key's PEM
	flawKidPath   jwtFlaw = "kid-path"      // reads the HMAC key from a file named by kid
	flawNone      jwtFlaw = "hardened"      // pinned algorithm, exp required, kid looked up
)

// jwtTarget serves GET /api/me behind a verifier with flaw, publishes its
// JWKS when it has an asymmetric key, and returns the server and a valid
// token as the API would issue it (with exp, signed with a strong key, so
// the only weakness is the planted one).
func jwtTarget(t *testing.T, flaw jwtFlaw) (*httptest.Server, string) {
	t.Helper()
	hsKey := make([]byte, 32)
	if _, err := rand.Read(hsKey); err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	rsaPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	keyDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(keyDir, "k1"), hsKey, 0o600); err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{"sub": "alice", "exp": time.Now().Add(10 * time.Minute).Unix()}
	var issued string
	var verify func(tok string) bool
	sign := func(m jwt.SigningMethod, key any, c jwt.MapClaims, hdr map[string]any) string {
		tk := jwt.NewWithClaims(m, c)
		for k, v := range hdr {
			tk.Header[k] = v
		}
		s, err := tk.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	switch flaw {
	case flawAlgNone:
		issued = sign(jwt.SigningMethodHS256, hsKey, claims, nil)
		verify = func(tok string) bool {
			_, err := jwt.Parse(tok, func(tk *jwt.Token) (any, error) {
				if tk.Method == jwt.SigningMethodNone {
					return jwt.UnsafeAllowNoneSignatureType, nil
				}
				return hsKey, nil
			})
			return err == nil
		}
	case flawNoVerify:
		issued = sign(jwt.SigningMethodHS256, hsKey, claims, nil)
		verify = func(tok string) bool {
			_, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
			return err == nil
		}
	case flawNoExpiry:
		expired := jwt.MapClaims{"sub": "alice", "exp": time.Now().Add(-time.Hour).Unix()}
		issued = sign(jwt.SigningMethodHS256, hsKey, expired, nil)
		verify = func(tok string) bool {
			_, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return hsKey, nil }, jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation())
			return err == nil
		}
	case flawConfusion:
		issued = sign(jwt.SigningMethodRS256, rsaKey, claims, map[string]any{"kid": "rsa1"})
		verify = func(tok string) bool {
			_, err := jwt.Parse(tok, func(tk *jwt.Token) (any, error) {
				if _, ok := tk.Method.(*jwt.SigningMethodHMAC); ok {
					return rsaPEM, nil // "the key" is the PEM file, whatever the alg
				}
				return &rsaKey.PublicKey, nil
			})
			return err == nil
		}
	case flawKidPath:
		issued = sign(jwt.SigningMethodHS256, hsKey, claims, map[string]any{"kid": "k1"})
		verify = func(tok string) bool {
			_, err := jwt.Parse(tok, func(tk *jwt.Token) (any, error) {
				kid, _ := tk.Header["kid"].(string)
				return os.ReadFile(filepath.Join(keyDir, kid))
			}, jwt.WithValidMethods([]string{"HS256"}))
			return err == nil
		}
	case flawNone:
		issued = sign(jwt.SigningMethodES256, ecKey, claims, map[string]any{"kid": "ec1"})
		verify = func(tok string) bool {
			_, err := jwt.Parse(tok, func(tk *jwt.Token) (any, error) {
				if tk.Header["kid"] != "ec1" {
					return nil, jwt.ErrTokenUnverifiable
				}
				return &ecKey.PublicKey, nil
			}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithExpirationRequired())
			return err == nil
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !verify(tok) {
			writeJSONBody(w, http.StatusUnauthorized, map[string]string{"message": "Invalid token"})
			return
		}
		writeJSONBody(w, 200, map[string]string{"sub": "alice"})
	})
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &ecKey.PublicKey, KeyID: "ec1", Algorithm: "ES256", Use: "sig"}}}
		if flaw == flawConfusion {
			set.Keys = []jose.JSONWebKey{{Key: &rsaKey.PublicKey, KeyID: "rsa1", Algorithm: "RS256", Use: "sig"}}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, issued
}

// TestJWTChecks: each verifier flaw is found by its rule, and the hardened
// verifier draws none of them. The targets are discovered (no --openapi).
func TestJWTChecks(t *testing.T) {
	t.Parallel()
	jwtRules := []string{"authn-jwt-alg-none", "authn-jwt-signature-not-verified", "authn-jwt-expired-accepted", "authn-jwt-key-confusion", "authn-jwt-kid-injection", "authn-jwt-weak-secret", "authn-jwt-no-exp"}
	cases := []struct {
		flaw jwtFlaw
		rule string
	}{
		{flawAlgNone, "authn-jwt-alg-none"},
		{flawNoVerify, "authn-jwt-signature-not-verified"},
		{flawNoExpiry, "authn-jwt-expired-accepted"},
		{flawConfusion, "authn-jwt-key-confusion"},
		{flawKidPath, "authn-jwt-kid-injection"},
	}
	for _, tc := range cases {
		t.Run(string(tc.flaw), func(t *testing.T) {
			t.Parallel()
			srv, tok := jwtTarget(t, tc.flaw)
			r := scanT(t, Options{Target: srv.URL + "/api/me", Auth: "Bearer " + tok})
			expectRule(t, r, tc.rule)
		})
	}
	t.Run("hardened", func(t *testing.T) {
		t.Parallel()
		srv, tok := jwtTarget(t, flawNone)
		r := scanT(t, Options{Target: srv.URL + "/api/me", Auth: "Bearer " + tok, Active: true})
		for _, id := range jwtRules {
			expectNoRule(t, r, id)
		}
		if r.Requests.ByCheck["authn"] < 4 {
			t.Errorf("authn sent %d requests: the forgeries were not tried (notes %v)", r.Requests.ByCheck["authn"], r.Notes)
		}
	})
}
