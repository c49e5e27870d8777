package authn_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/token"
)

const iss, aud = "https://auth.example.com", "https://api.example.com"

// tokens returns a minter and verifier over one fresh ES256 key.
func tokens(t *testing.T) (*token.Minter, *token.Verifier) {
	t.Helper()
	k, err := token.GenerateKey(token.ES256, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := k.MarshalPrivate()
	now := time.Now().Add(-time.Minute).Truncate(time.Second)
	ks, err := token.NewKeySet([]token.KeyRecord{{ID: k.ID, Alg: k.Alg, PrivateDER: der, CreatedAt: now, ActiveAt: now}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m := token.NewMinter(func() *token.KeySet { return ks }, iss)
	v, err := token.NewVerifier(ks.Lookup, token.VerifyOptions{Issuer: iss, Audiences: []string{aud}})
	if err != nil {
		t.Fatal(err)
	}
	return m, v
}

func TestChain(t *testing.T) {
	m, v := tokens(t)
	good, _, err := m.Mint(token.Claims{Subject: "usr_1", ClientID: "rc_1", Audience: []string{aud}, Scopes: []string{"data:read"}, Roles: []string{"admin"},
		Extra: map[string]any{"preferred_username": "alice"}}, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	otherAud, _, _ := m.Mint(token.Claims{Subject: "usr_1", ClientID: "rc_1", Audience: []string{"https://other"}}, 15*time.Minute)
	revokedTok, _, _ := m.Mint(token.Claims{Subject: "usr_revoked", ClientID: "rc_1", Audience: []string{aud}}, 15*time.Minute)
	apiKeys := func(_ context.Context, key string) (*authn.Identity, error) {
		if key == "rk_good" {
			return &authn.Identity{Subject: "usr_2", Username: "bob", Scopes: []string{"data:read"}}, nil
		}
		return nil, errors.New("unknown key")
	}
	var failures []error
	chain := authn.Chain([]authn.Authenticator{
		&authn.JWT{Verifier: v, Revoked: func(c *token.Claims) bool { return c.Subject == "usr_revoked" }, Realm: "api"},
		&authn.APIKey{Prefix: "rk_", Header: "X-API-Key", Verify: apiKeys, Realm: "api"},
	}, authn.Options{OnFailure: func(_ *http.Request, err error) { failures = append(failures, err) }})
	h := chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := authn.FromContext(r.Context())
		if !ok {
			t.Error("next called without an identity")
		}
		w.Header().Set("X-Subject", id.Subject)
		w.Header().Set("X-Method", string(id.Method))
		w.Header().Set("X-Username", id.Username)
	}))
	for _, tc := range []struct {
		name       string
		header     map[string]string
		status     int
		subject    string
		method     string
		challenges int
		invalid    bool
	}{
		{"valid jwt", map[string]string{"Authorization": "Bearer " + good}, 200, "usr_1", "jwt", 0, false},
		{"valid api key in Authorization", map[string]string{"Authorization": "Bearer rk_good"}, 200, "usr_2", "api_key", 0, false},
		{"valid api key in X-API-Key", map[string]string{"X-API-Key": "rk_good"}, 200, "usr_2", "api_key", 0, false},
		{"no credential", nil, 401, "", "", 1, false}, // both kinds share one Bearer challenge
		{"basic is not offered here", map[string]string{"Authorization": "Basic YWxpY2U6cHc="}, 401, "", "", 1, false},
		{"jwt for another audience", map[string]string{"Authorization": "Bearer " + otherAud}, 401, "", "", 1, true},
		{"tampered jwt", map[string]string{"Authorization": "Bearer " + tamper(good)}, 401, "", "", 1, true},
		{"revoked jwt", map[string]string{"Authorization": "Bearer " + revokedTok}, 401, "", "", 1, true},
		{"bad api key does not fall through", map[string]string{"Authorization": "Bearer rk_bad"}, 401, "", "", 1, true},
		{"bad jwt plus good api key header: the jwt decides", map[string]string{"Authorization": "Bearer a.b.c", "X-API-Key": "rk_good"}, 401, "", "", 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/data", nil)
			for k, val := range tc.header {
				r.Header.Set(k, val)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tc.status, rec.Body)
			}
			if tc.status == 200 {
				if rec.Header().Get("X-Subject") != tc.subject || rec.Header().Get("X-Method") != tc.method {
					t.Fatalf("identity %s/%s", rec.Header().Get("X-Subject"), rec.Header().Get("X-Method"))
				}
				return
			}
			ch := rec.Header().Values("WWW-Authenticate")
			if len(ch) != tc.challenges {
				t.Fatalf("challenges %v, want %d", ch, tc.challenges)
			}
			if tc.invalid && !strings.Contains(ch[0], `error="invalid_token"`) {
				t.Fatalf("challenge %q lacks error=invalid_token", ch[0])
			}
			if rec.Header().Get("Content-Type") != "application/problem+json" || strings.Contains(rec.Body.String(), "audience") {
				t.Fatalf("body %s leaks the reason or is not problem+json", rec.Body)
			}
		})
	}
	if len(failures) == 0 {
		t.Fatal("OnFailure never called")
	}
}

// A cached JWT is still checked against the revocation list on every use,
// and a cached API key is looked up again once its cache entry expires.
func TestCachesHonourRevocation(t *testing.T) {
	m, v := tokens(t)
	tok, _, err := m.Mint(token.Claims{Subject: "usr_1", ClientID: "rc_1", Audience: []string{aud}}, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	revoked := false
	now := time.Now()
	valid := map[string]bool{"rk_live": true}
	lookups := 0
	chain := authn.Chain([]authn.Authenticator{
		&authn.JWT{Verifier: v, Revoked: func(*token.Claims) bool { return revoked }},
		&authn.APIKey{Prefix: "rk_", CacheTTL: 5 * time.Second, Now: func() time.Time { return now },
			Verify: func(_ context.Context, k string) (*authn.Identity, error) {
				lookups++
				if !valid[k] {
					return nil, errors.New("revoked")
				}
				return &authn.Identity{Subject: "usr_2"}, nil
			}},
	}, authn.Options{})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	status := func(auth string) int {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		chain.ServeHTTP(rec, r)
		return rec.Code
	}
	if status("Bearer "+tok) != 200 || status("Bearer "+tok) != 200 {
		t.Fatal("valid token refused")
	}
	revoked = true
	if status("Bearer "+tok) != 401 {
		t.Fatal("a cached token survived revocation")
	}
	if status("Bearer rk_live") != 200 || status("Bearer rk_live") != 200 || lookups != 1 {
		t.Fatalf("api key: %d lookups for two uses, want 1 (cached)", lookups)
	}
	valid["rk_live"] = false
	now = now.Add(6 * time.Second)
	if status("Bearer rk_live") != 401 || lookups != 2 {
		t.Fatalf("a revoked key still works after the cache TTL (lookups %d)", lookups)
	}
}

func decodeJSON(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// tamper changes one character in the middle of the token's signature, so
// the result always differs from the original. (Overwriting the last two
// characters with "AA" left 1 token in 256 unchanged.)
func tamper(tok string) string {
	i := len(tok) - 10
	c := byte('A')
	if tok[i] == c {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}
