package authn_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/internal/oauth"
	"github.com/rampart-sec/rampart/internal/oauth/oauthtest"
)

// The introspection authenticator against a real RFC 7662 endpoint:
// rampart's own authorization server.
func TestIntrospectionAgainstARealServer(t *testing.T) {
	e := oauthtest.Start(t, "sqlite://"+t.TempDir()+"/r.db", false, nil)
	ctx := context.Background()
	svc, svcSecret, err := e.Clients.Create(ctx, oauth.ClientSpec{Name: "svc", GrantTypes: []string{"client_credentials"}, Scopes: []string{"data:read"}})
	if err != nil {
		t.Fatal(err)
	}
	rs, rsSecret, _ := e.Clients.Create(ctx, oauth.ClientSpec{Name: "rs", GrantTypes: []string{"client_credentials"}})
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"data:read"}}
	req, _ := http.NewRequest("POST", e.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(svc.ID, svcSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	decodeJSON(t, resp, &tok)

	clock := time.Now()
	in := &authn.Introspection{Endpoint: e.URL + "/oauth2/introspect", ClientID: rs.ID, ClientSecret: rsSecret, CacheTTL: 10 * time.Second,
		Now: func() time.Time { return clock }}
	auth := func(tk string) (*authn.Identity, error) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+tk)
		return in.Authenticate(r)
	}
	id, err := auth(tok.AccessToken)
	if err != nil || id.Subject != svc.ID || id.ClientID != svc.ID || !id.HasScope("data:read") || id.Method != authn.MethodIntrospection {
		t.Fatalf("introspected identity %+v, %v", id, err)
	}
	if _, err := auth("not-a-token"); err == nil {
		t.Fatal("an inactive token was accepted")
	}
	// Revoke it: the positive cache keeps it for at most CacheTTL, then it is refused.
	req, _ = http.NewRequest("POST", e.URL+"/oauth2/revoke", strings.NewReader(url.Values{"token": {tok.AccessToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(svc.ID, svcSecret)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke: %v %v", resp, err)
	}
	clock = clock.Add(11 * time.Second)
	if _, err := auth(tok.AccessToken); err == nil {
		t.Fatal("a revoked token is still accepted after the cache TTL")
	}
	// Wrong credentials for the endpoint: refused, never allowed.
	bad := &authn.Introspection{Endpoint: e.URL + "/oauth2/introspect", ClientID: rs.ID, ClientSecret: "wrong"}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if _, err := bad.Authenticate(r); err == nil {
		t.Fatal("introspection with bad credentials allowed the request")
	}
}
