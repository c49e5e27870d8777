package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/oauth2/clientcredentials"
)

// A gateway trusts another authorization server, as it would Auth0,
// Keycloak or Entra ID: its JWTs through the issuer's JWKS URL (strict
// iss/aud), and its tokens through RFC 7662 introspection with the
// gateway's own client credentials. The other server is a second rampart
// binary; the gateway is configured only through its YAML file.
func TestExternalIssuerThroughTheBinary(t *testing.T) {
	// The identity provider: its own data dir, issuer and audience.
	idpDir := t.TempDir()
	idpAddr := freeAddr(t)
	idpURL := "http://" + idpAddr
	idpCfg := filepath.Join(idpDir, "idp.yaml")
	if err := os.WriteFile(idpCfg, []byte(fmt.Sprintf("version: 1\nissuer: {url: %q, default_audience: \"https://api.example.com\"}\n", idpURL)), 0o600); err != nil {
		t.Fatal(err)
	}
	idpEnv := []string{"RAMPART_CONFIG=" + idpCfg}
	client := func(args ...string) (id, secret string) { return createClient(t, idpDir, idpEnv, args...) }
	svcID, svcSecret := client("--name", "svc", "--scope", "data:read")
	rsID, rsSecret := client("--name", "gateway") // the gateway's credentials at the introspection endpoint
	idp := startServe(t, idpDir, idpEnv, "--listen", idpAddr)

	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s|%s|%s", r.Header.Get("X-Rampart-Subject"), r.Header.Get("X-Rampart-Auth-Method"), r.Header.Get("X-Rampart-Scopes"))
	}))
	defer upstream.Close()

	// The gateway.
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "introspection.secret")
	if err := os.WriteFile(secretFile, []byte(rsSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	gwAddr := freeAddr(t)
	cfg := fmt.Sprintf(`version: 1
issuer: {url: "http://%s"}
authenticators:
  partner_jwt:
    type: jwt
    issuer: %q
    jwks_url: %q
    audience: https://api.example.com
  partner_opaque:
    type: introspection
    endpoint: %q
    client_id: %q
    client_secret_file: %q
  wrong_audience:
    type: jwt
    issuer: %q
    jwks_url: %q
    audience: https://other.example.com
routes:
  - {name: jwt, match: {path: /jwt}, upstream: %s, authenticate: [partner_jwt], authorize: {scopes: [data:read]}}
  - {name: introspected, match: {path: /introspected}, upstream: %s, authenticate: [partner_opaque], authorize: {scopes: [data:read]}}
  - {name: other_api, match: {path: /other}, upstream: %s, authenticate: [wrong_audience], authorize: {allow_authenticated: true}}
  - {name: write, match: {path: /write}, upstream: %s, authenticate: [partner_jwt], authorize: {scopes: [data:write]}}
`, gwAddr, idpURL, idpURL+"/.well-known/jwks.json", idpURL+"/oauth2/introspect", rsID, secretFile, idpURL, idpURL+"/.well-known/jwks.json",
		upstream.URL, upstream.URL, upstream.URL, upstream.URL)
	cfgFile := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := startServe(t, dir, []string{"RAMPART_CONFIG=" + cfgFile}, "--listen", gwAddr)

	// A token from the identity provider, with golang.org/x/oauth2.
	cc := clientcredentials.Config{ClientID: svcID, ClientSecret: svcSecret, TokenURL: idp.url + "/oauth2/token", Scopes: []string{"data:read"}}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatalf("token from the identity provider: %v", err)
	}
	// And one the gateway itself would issue: right keys' shape, wrong issuer.
	ownID, ownSecret := createClient(t, dir, []string{"RAMPART_CONFIG=" + cfgFile}, "--name", "own", "--scope", "data:read", "--audience", "https://api.example.com")
	own, err := (&clientcredentials.Config{ClientID: ownID, ClientSecret: ownSecret, TokenURL: gw.url + "/oauth2/token", Scopes: []string{"data:read"}}).Token(context.Background())
	if err != nil {
		t.Fatalf("token from the gateway's own issuer: %v", err)
	}

	call := func(path, bearer string) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest("GET", gw.url+path, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	tampered := tok.AccessToken[:len(tok.AccessToken)-10] + strings.Map(func(r rune) rune {
		if r == 'A' {
			return 'B'
		}
		return 'A'
	}, tok.AccessToken[len(tok.AccessToken)-10:])

	for _, tc := range []struct {
		name, path, bearer string
		status             int
		body               string
	}{
		{"partner JWT", "/jwt", tok.AccessToken, 200, svcID + "|jwt|data:read"},
		{"partner token introspected", "/introspected", tok.AccessToken, 200, svcID + "|introspection|data:read"},
		{"tampered JWT", "/jwt", tampered, 401, ""},
		{"tampered token introspected", "/introspected", tampered, 401, ""},
		{"the gateway's own token is not the partner's", "/jwt", own.AccessToken, 401, ""},
		{"wrong audience", "/other", tok.AccessToken, 401, ""},
		{"missing scope", "/write", tok.AccessToken, 403, ""},
		{"no credential", "/jwt", "", 401, ""},
		{"garbage for introspection", "/introspected", "opaque-garbage", 401, ""},
	} {
		code, body, hdr := call(tc.path, tc.bearer)
		if code != tc.status || tc.body != "" && body != tc.body {
			t.Errorf("%s: %d %q, want %d %q", tc.name, code, body, tc.status, tc.body)
		}
		if code == 401 && !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: 401 without a Bearer challenge: %q", tc.name, hdr.Get("WWW-Authenticate"))
		}
	}
}

// createClient registers a client_credentials client with the CLI and
// returns its id and secret.
func createClient(t *testing.T, dir string, env []string, args ...string) (id, secret string) {
	t.Helper()
	out, err := command(t, dir, env, append([]string{"client", "create", "--grant", "client_credentials", "--json"}, args...)...).Output()
	if err != nil {
		t.Fatalf("client create %v: %v", args, err)
	}
	var c struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatal(err)
	}
	return c.ClientID, c.ClientSecret
}
