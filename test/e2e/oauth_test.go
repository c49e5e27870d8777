package e2e

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/rampart-sec/rampart/internal/testenv"
)

// TestOAuthAgainstTheBinary registers a client with the CLI, starts `rampart
// serve`, and uses real third-party clients against it, on SQLite and PostgreSQL.
func TestOAuthAgainstTheBinary(t *testing.T) {
	testenv.Databases(t, func(t *testing.T, dbURL string) {
		dir := t.TempDir()
		env := []string{"RAMPART_DATABASE_URL=" + dbURL, "RAMPART_MASTER_KEY=" + strings.Repeat("ef", 32)}
		create := command(t, dir, env, "client", "create", "--name", "e2e", "--grant", "client_credentials", "--scope", "data:read", "--json")
		out, err := create.Output()
		if err != nil {
			t.Fatalf("client create: %v", err)
		}
		var c struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		}
		if err := json.Unmarshal(out, &c); err != nil {
			t.Fatal(err)
		}
		// The issuer must equal the URL clients use.
		addr := freeAddr(t)
		env = append(env, "RAMPART_ISSUER_URL=http://"+addr)
		s := startServe(t, dir, env, "--listen", addr)

		ctx := context.Background()
		cc := clientcredentials.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, TokenURL: s.url + "/oauth2/token", Scopes: []string{"data:read"}}
		tok, err := cc.Token(ctx)
		if err != nil {
			t.Fatalf("client_credentials through the binary: %v", err)
		}
		p, err := oidc.NewProvider(ctx, s.url)
		if err != nil {
			t.Fatalf("discovery: %v", err)
		}
		// The access token verifies against the published JWKS (go-oidc's key set, any JOSE library would do).
		ks := oidc.NewRemoteKeySet(ctx, s.url+"/.well-known/jwks.json")
		if _, err := ks.VerifySignature(ctx, tok.AccessToken); err != nil {
			t.Fatalf("access token does not verify against the JWKS: %v", err)
		}
		if p.Endpoint().TokenURL != s.url+"/oauth2/token" {
			t.Fatalf("discovered token endpoint %q", p.Endpoint().TokenURL)
		}
		// Revoke it and introspect.
		form := url.Values{"token": {tok.AccessToken}}
		req, _ := http.NewRequest("POST", s.url+"/oauth2/revoke", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(c.ClientID, c.ClientSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("revoke: %v %v", resp, err)
		}
		resp.Body.Close()
		req, _ = http.NewRequest("POST", s.url+"/oauth2/introspect", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(c.ClientID, c.ClientSecret)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var intro map[string]any
		json.NewDecoder(resp.Body).Decode(&intro)
		resp.Body.Close()
		if intro["active"] != false {
			t.Fatalf("revoked token introspects as %v", intro)
		}
		// keys rotate while serving: the JWKS gains the next key, old tokens still verify.
		if out, err := command(t, dir, env, "keys", "rotate").CombinedOutput(); err != nil {
			t.Fatalf("keys rotate: %v\n%s", err, out)
		}
		// Deleting the client with the CLI voids its live tokens on the running server.
		out, err = command(t, dir, env, "client", "create", "--name", "rs", "--grant", "client_credentials", "--json").Output()
		if err != nil {
			t.Fatal(err)
		}
		var rs struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		}
		json.Unmarshal(out, &rs)
		tok2, err := cc.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if introspect(t, s.url, tok2.AccessToken, rs.ClientID, rs.ClientSecret) != true {
			t.Fatal("second token not active")
		}
		if out, err := command(t, dir, env, "client", "delete", c.ClientID).CombinedOutput(); err != nil {
			t.Fatalf("client delete: %v\n%s", err, out)
		}
		waitInactive(t, s.url, tok2.AccessToken, rs.ClientID, rs.ClientSecret, "a deleted client's token")
		if _, err := cc.Token(ctx); err == nil {
			t.Fatal("a deleted client still gets tokens")
		}
	})
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Disabling a user with the CLI ends their live session on a running server:
// the access token stops introspecting as active and the refresh token dies.
func TestDisableUserRevokesTokens(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	env := []string{"RAMPART_ISSUER_URL=http://" + addr}
	add := command(t, dir, env, "user", "add", "alice", "--password-stdin")
	add.Stdin = strings.NewReader("correct horse battery staple")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	out, err := command(t, dir, env, "client", "create", "--name", "rs", "--grant", "client_credentials", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var rs struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	json.Unmarshal(out, &rs)
	s := startServe(t, dir, env, "--listen", addr)

	req, _ := http.NewRequest("POST", s.url+"/auth/login", strings.NewReader(`{"username":"alice","password":"correct horse battery staple"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %v %v", resp, err)
	}
	var tok map[string]any
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()

	at := tok["access_token"].(string)
	if introspect(t, s.url, at, rs.ClientID, rs.ClientSecret) != true {
		t.Fatal("fresh login token is not active")
	}
	if out, err := command(t, dir, env, "user", "disable", "alice").CombinedOutput(); err != nil {
		t.Fatalf("user disable: %v\n%s", err, out)
	}
	waitInactive(t, s.url, at, rs.ClientID, rs.ClientSecret, "a disabled user's access token")
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {"rampart"}}
	resp, err = http.PostForm(s.url+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("refresh after disable: %d", resp.StatusCode)
	}
}

// introspect returns the "active" member of the server's introspection of tok.
func introspect(t *testing.T, base, tok, clientID, secret string) any {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/oauth2/introspect", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return m["active"]
}

// waitInactive waits (up to 6s: nodes reload the revocation list every 2s)
// for tok to introspect as inactive.
func waitInactive(t *testing.T, base, tok, clientID, secret, what string) {
	t.Helper()
	deadline := time.Now().Add(6 * time.Second)
	for introspect(t, base, tok, clientID, secret) != false {
		if time.Now().After(deadline) {
			t.Fatalf("%s is still active after 6s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
