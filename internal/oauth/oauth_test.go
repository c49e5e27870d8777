package oauth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/rampart-sec/rampart/internal/identity"
	"github.com/rampart-sec/rampart/internal/oauth"
	"github.com/rampart-sec/rampart/internal/oauth/oauthtest"
	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/internal/testenv"
	"github.com/rampart-sec/rampart/token"
)

var ctx = context.Background()

const pw = "correct horse battery staple"

// env is a running authorization server over a real database.
type env struct {
	url     string
	st      *store.Store
	ids     *identity.Service
	clients *oauth.Clients
	srv     *oauth.Server
}

func newEnv(t testing.TB, dbURL string) *env {
	t.Helper()
	return newEnvWith(t, dbURL, nil)
}

// newEnvWith is newEnv with the server's Config and Deps adjusted by configure.
func newEnvWith(t testing.TB, dbURL string, configure func(*oauth.Config, *oauth.Deps)) *env {
	t.Helper()
	e := oauthtest.Start(t, dbURL, true, configure)
	return &env{url: e.URL, st: e.Store, ids: e.Identity, clients: e.Clients, srv: e.Server}
}

func databases(t *testing.T, fn func(t *testing.T, e *env)) {
	testenv.Databases(t, func(t *testing.T, url string) { fn(t, newEnv(t, url)) })
}

// verifierFor returns a resource server's verifier for audience aud.
func (e *env) verifierFor(t *testing.T, aud string) *token.Verifier {
	t.Helper()
	v, err := token.NewVerifier(e.srv.Keys().Lookup, token.VerifyOptions{Issuer: e.url, Audiences: []string{aud}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func postForm(t *testing.T, u string, form url.Values, user, pass string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatalf("POST %s: non-JSON body %q", u, b)
		}
	}
	return resp, body
}

func TestClientCredentialsWithGolangOAuth2(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		c, secret, err := e.clients.Create(ctx, oauth.ClientSpec{Name: "billing", GrantTypes: []string{"client_credentials"},
			Scopes: []string{"data:read", "data:write"}, Audience: []string{"https://api.example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
			cc := clientcredentials.Config{ClientID: c.ID, ClientSecret: secret, TokenURL: e.url + "/oauth2/token",
				Scopes: []string{"data:read"}, AuthStyle: style,
				EndpointParams: url.Values{"resource": {"https://api.example.com"}}}
			tok, err := cc.Token(ctx)
			if err != nil {
				t.Fatalf("auth style %d: %v", style, err)
			}
			if tok.RefreshToken != "" {
				t.Fatal("client_credentials returned a refresh token")
			}
			claims, err := e.verifierFor(t, "https://api.example.com").Verify(tok.AccessToken)
			if err != nil {
				t.Fatalf("resource server rejects the token: %v", err)
			}
			if claims.Subject != c.ID || claims.ClientID != c.ID || strings.Join(claims.Scopes, " ") != "data:read" ||
				claims.ID == "" || claims.ExpiresAt.Sub(claims.IssuedAt) != 15*time.Minute {
				t.Fatalf("claims = %+v", claims)
			}
			hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok.AccessToken, ".")[0])
			if !strings.Contains(string(hdr), `"typ":"at+jwt"`) || !strings.Contains(string(hdr), `"kid":`) || !strings.Contains(string(hdr), `"alg":"ES256"`) {
				t.Fatalf("header = %s", hdr)
			}
			if _, err := e.verifierFor(t, "https://other.example.com").Verify(tok.AccessToken); err == nil {
				t.Fatal("token accepted by a resource server of another audience")
			}
		}
		// A wrong secret, an unknown scope, an audience the client is not registered for.
		bad := clientcredentials.Config{ClientID: c.ID, ClientSecret: secret + "x", TokenURL: e.url + "/oauth2/token"}
		if _, err := bad.Token(ctx); err == nil || !strings.Contains(err.Error(), "invalid_client") {
			t.Fatalf("wrong secret: %v", err)
		}
		noScope := clientcredentials.Config{ClientID: c.ID, ClientSecret: secret, TokenURL: e.url + "/oauth2/token", Scopes: []string{"admin"}}
		if _, err := noScope.Token(ctx); err == nil || !strings.Contains(err.Error(), "invalid_scope") {
			t.Fatalf("unregistered scope: %v", err)
		}
	})
}

func TestTokenEndpointErrorsAreRFC6749(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		c, secret, err := e.clients.Create(ctx, oauth.ClientSpec{Name: "svc", GrantTypes: []string{"client_credentials"}, Scopes: []string{"data:read"}})
		if err != nil {
			t.Fatal(err)
		}
		tokenURL := e.url + "/oauth2/token"
		cases := []struct {
			name       string
			form       url.Values
			user, pass string
			status     int
			code       string
		}{
			{"unknown grant", url.Values{"grant_type": {"urn:made:up"}}, c.ID, secret, 400, "unsupported_grant_type"},
			{"password grant is gone", url.Values{"grant_type": {"password"}, "username": {"a"}, "password": {"b"}}, c.ID, secret, 400, "unsupported_grant_type"},
			{"implicit is gone", url.Values{"grant_type": {"implicit"}}, c.ID, secret, 400, "unsupported_grant_type"},
			{"no grant type", url.Values{}, c.ID, secret, 400, "invalid_request"},
			{"unknown client", url.Values{"grant_type": {"client_credentials"}}, "rc_nobody", "x", 401, "invalid_client"},
			{"wrong secret", url.Values{"grant_type": {"client_credentials"}}, c.ID, "wrong", 401, "invalid_client"},
			{"no client auth", url.Values{"grant_type": {"client_credentials"}}, "", "", 401, "invalid_client"},
			{"bad refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}}, c.ID, secret, 400, "unauthorized_client"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := postForm(t, tokenURL, tc.form, tc.user, tc.pass)
				if resp.StatusCode != tc.status || body["error"] != tc.code {
					t.Fatalf("status %d, body %v; want %d %s", resp.StatusCode, body, tc.status, tc.code)
				}
				if tc.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
					t.Fatalf("401 without a WWW-Authenticate challenge: %v", resp.Header)
				}
				if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
					t.Fatalf("Cache-Control = %q", cc)
				}
			})
		}
		// Duplicate parameters (RFC 6749 §3.2).
		req, _ := http.NewRequest("POST", tokenURL, strings.NewReader("grant_type=client_credentials&grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(c.ID, secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 400 || body["error"] != "invalid_request" {
			t.Fatalf("duplicate grant_type: %d %v", resp.StatusCode, body)
		}
		// An oversized body.
		big := "grant_type=client_credentials&x=" + strings.Repeat("a", 200<<10)
		req, _ = http.NewRequest("POST", tokenURL, strings.NewReader(big))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(c.ID, secret)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("oversized body: %d", resp.StatusCode)
		}
	})
}

func TestIntrospectionAndRevocation(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		c, secret, _ := e.clients.Create(ctx, oauth.ClientSpec{Name: "svc", GrantTypes: []string{"client_credentials"}, Scopes: []string{"data:read"}})
		rs, rsSecret, _ := e.clients.Create(ctx, oauth.ClientSpec{Name: "resource-server", GrantTypes: []string{"client_credentials"}})
		cc := clientcredentials.Config{ClientID: c.ID, ClientSecret: secret, TokenURL: e.url + "/oauth2/token", Scopes: []string{"data:read"}}
		tok, err := cc.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		introspect := func(tk string) map[string]any {
			resp, body := postForm(t, e.url+"/oauth2/introspect", url.Values{"token": {tk}}, rs.ID, rsSecret)
			if resp.StatusCode != 200 {
				t.Fatalf("introspect: %d %v", resp.StatusCode, body)
			}
			return body
		}
		got := introspect(tok.AccessToken)
		if got["active"] != true || got["client_id"] != c.ID || got["scope"] != "data:read" || got["sub"] != c.ID {
			t.Fatalf("introspection = %v", got)
		}
		if got := introspect("not-a-token"); got["active"] != false || len(got) != 1 {
			t.Fatalf("garbage introspection = %v", got)
		}
		// Introspection requires client authentication.
		resp, _ := postForm(t, e.url+"/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, "", "")
		if resp.StatusCode != 401 {
			t.Fatalf("unauthenticated introspection: %d", resp.StatusCode)
		}
		resp, _ = postForm(t, e.url+"/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, rs.ID, "wrong")
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("introspection with a wrong secret: %d %v", resp.StatusCode, resp.Header)
		}
		// Revocation by the owning client.
		resp, body := postForm(t, e.url+"/oauth2/revoke", url.Values{"token": {tok.AccessToken}}, c.ID, secret)
		if resp.StatusCode != 200 {
			t.Fatalf("revoke: %d %v", resp.StatusCode, body)
		}
		if got := introspect(tok.AccessToken); got["active"] != false {
			t.Fatalf("revoked token still active: %v", got)
		}
		// Revoking an unknown token is not an error (RFC 7009 §2.2).
		if resp, _ := postForm(t, e.url+"/oauth2/revoke", url.Values{"token": {"whatever"}}, c.ID, secret); resp.StatusCode != 200 {
			t.Fatalf("revoking garbage: %d", resp.StatusCode)
		}
	})
}

func TestDiscoveryWithGoOIDC(t *testing.T) {
	e := newEnv(t, "sqlite://"+t.TempDir()+"/r.db")
	p, err := oidc.NewProvider(ctx, e.url)
	if err != nil {
		t.Fatalf("go-oidc discovery: %v", err)
	}
	var meta map[string]any
	if err := p.Claims(&meta); err != nil {
		t.Fatal(err)
	}
	if meta["token_endpoint"] != e.url+"/oauth2/token" || meta["jwks_uri"] != e.url+"/.well-known/jwks.json" {
		t.Fatalf("metadata = %v", meta)
	}
	for _, gone := range []string{"implicit", "password"} {
		if strings.Contains(strings.Join(toStrings(meta["grant_types_supported"]), " "), gone) {
			t.Fatalf("discovery advertises %s", gone)
		}
	}
	resp, err := http.Get(e.url + "/.well-known/oauth-authorization-server")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("RFC 8414 metadata: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = http.Get(e.url + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
		t.Fatalf("JWKS Cache-Control = %q", cc)
	}
	var jwks struct{ Keys []map[string]any }
	json.NewDecoder(resp.Body).Decode(&jwks)
	if len(jwks.Keys) != 1 || jwks.Keys[0]["kid"] == nil || jwks.Keys[0]["d"] != nil {
		t.Fatalf("JWKS = %v", jwks)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
