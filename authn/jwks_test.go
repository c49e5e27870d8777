package authn_test

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/token"
)

// idp is a stand-in external issuer: it publishes a JWKS of the keys it
// holds and mints tokens with them.
type idp struct {
	srv     *httptest.Server
	keys    []*token.Key
	fetches atomic.Int32
	down    atomic.Bool
}

func newIdP(t *testing.T) *idp {
	p := &idp{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		if p.down.Load() {
			http.Error(w, "down", 503)
			return
		}
		var set jose.JSONWebKeySet
		for _, k := range p.keys {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Public, KeyID: k.ID, Algorithm: string(k.Alg), Use: "sig"})
		}
		json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *idp) addKey(t *testing.T, alg token.Alg) *token.Minter {
	k, err := token.GenerateKey(alg, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.keys = append(p.keys, k)
	der, _ := k.MarshalPrivate()
	now := time.Now().Add(-time.Minute).Truncate(time.Second)
	ks, err := token.NewKeySet([]token.KeyRecord{{ID: k.ID, Alg: k.Alg, PrivateDER: der, CreatedAt: now, ActiveAt: now}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return token.NewMinter(func() *token.KeySet { return ks }, "https://idp.example.com")
}

func TestJWKSExternalIssuer(t *testing.T) {
	p := newIdP(t)
	m1 := p.addKey(t, token.RS256)
	clock := time.Now()
	jwks := &authn.JWKS{URL: p.srv.URL, MinRefresh: 10 * time.Second, Now: func() time.Time { return clock }}
	v, err := token.NewVerifier(jwks.Lookup, token.VerifyOptions{Issuer: "https://idp.example.com", Audiences: []string{"https://api.example.com"}, Type: "JWT"})
	if err != nil {
		t.Fatal(err)
	}
	mint := func(m *token.Minter, aud string) string {
		raw, err := m.MintJWT("JWT", map[string]any{"sub": "auth0|123", "aud": aud, "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "scope": "data:read"})
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	a := &authn.JWT{Verifier: v}
	auth := func(tok string) error {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		_, err := a.Authenticate(r)
		return err
	}
	if err := auth(mint(m1, "https://api.example.com")); err != nil {
		t.Fatalf("token from the external issuer: %v", err)
	}
	if err := auth(mint(m1, "https://other.example.com")); err == nil {
		t.Fatal("a token for another audience was accepted")
	}
	// The issuer rotates: a new kid appears. The first token with it triggers one refresh.
	m2 := p.addKey(t, token.ES256)
	tok2 := mint(m2, "https://api.example.com")
	before := p.fetches.Load()
	clock = clock.Add(11 * time.Second)
	if err := auth(tok2); err != nil {
		t.Fatalf("token signed with the rotated-in key: %v", err)
	}
	if p.fetches.Load() != before+1 {
		t.Fatalf("%d fetches for one new kid", p.fetches.Load()-before)
	}
	// A flood of unknown kids costs at most one fetch per MinRefresh.
	stranger := (&idp{}).addKey(t, token.ES256)
	before = p.fetches.Load()
	clock = clock.Add(11 * time.Second)
	for range 50 {
		if err := auth(mint(stranger, "https://api.example.com")); err == nil {
			t.Fatal("a token from an unpublished key was accepted")
		}
	}
	if n := p.fetches.Load() - before; n != 1 {
		t.Fatalf("50 unknown-kid tokens caused %d fetches, want 1", n)
	}
	// The issuer goes down: known keys keep working.
	p.down.Store(true)
	clock = clock.Add(2 * time.Hour) // the set is stale, the refresh fails
	if err := auth(mint(m1, "https://api.example.com")); err != nil {
		t.Fatalf("known key while the JWKS is unreachable: %v", err)
	}
}
