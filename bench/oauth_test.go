package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/oauth"
	"github.com/rampart-sec/rampart/internal/oauth/oauthtest"
)

// oauthServer builds an authorization server on a fresh SQLite database and
// registers one confidential client_credentials client.
func oauthServer(b *testing.B) (http.Handler, string, string) {
	b.Helper()
	e := oauthtest.Start(b, "sqlite://"+b.TempDir()+"/bench.db", false, func(c *oauth.Config, _ *oauth.Deps) {
		c.Issuer = "http://127.0.0.1:8080"
	})
	c, secret, err := e.Clients.Create(context.Background(), oauth.ClientSpec{Name: "bench", GrantTypes: []string{"client_credentials"}, Scopes: []string{"data:read"}})
	if err != nil {
		b.Fatal(err)
	}
	return e.Handler, c.ID, secret
}

func do(b *testing.B, h http.Handler, path, body, user, pass string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(user, pass)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
	}
	return rec
}

// BenchmarkClientCredentials is one client_credentials token, end to end
// through the HTTP handler: client authentication, minting, response.
func BenchmarkClientCredentials(b *testing.B) {
	h, id, secret := oauthServer(b)
	body := url.Values{"grant_type": {"client_credentials"}, "scope": {"data:read"}}.Encode()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		do(b, h, "/oauth2/token", body, id, secret)
	}
}

// BenchmarkIntrospection is one RFC 7662 introspection of a JWT access token.
func BenchmarkIntrospection(b *testing.B) {
	h, id, secret := oauthServer(b)
	rec := do(b, h, "/oauth2/token", "grant_type=client_credentials", id, secret)
	tok := between(rec.Body.String(), `"access_token":"`, `"`)
	body := url.Values{"token": {tok}}.Encode()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := do(b, h, "/oauth2/introspect", body, id, secret)
		if !strings.Contains(r.Body.String(), `"active":true`) {
			b.Fatal(r.Body.String())
		}
	}
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	j := strings.Index(s, end)
	if j < 0 {
		return ""
	}
	return s[:j]
}
