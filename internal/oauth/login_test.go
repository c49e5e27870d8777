package oauth_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/oauth"
)

func login(t *testing.T, e *env, body string, basicUser, basicPass string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.url+"/auth/login", strings.NewReader(body))
	if basicUser != "" {
		req.SetBasicAuth(basicUser, basicPass)
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("non-JSON login answer %q", b)
	}
	return resp, m
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestFirstPartyLogin(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		if _, err := e.ids.CreateRole(ctx, "analyst", "", []string{"data:read", "reports:read"}); err != nil {
			t.Fatal(err)
		}
		u, err := e.ids.CreateUser(ctx, "alice", pw, []string{"analyst"})
		if err != nil {
			t.Fatal(err)
		}
		resp, body := login(t, e, mustJSON(map[string]string{"username": "alice", "password": pw}), "", "")
		if resp.StatusCode != 200 || body["token_type"] != "bearer" || body["refresh_token"] == nil || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("login: %d %v %v", resp.StatusCode, body, resp.Header)
		}
		claims, err := e.verifierFor(t, e.url).Verify(body["access_token"].(string))
		if err != nil {
			t.Fatalf("login token does not verify for the default audience: %v", err)
		}
		if claims.Subject != u.ID || strings.Join(claims.Roles, ",") != "analyst" || strings.Join(claims.Scopes, " ") != "data:read reports:read" ||
			claims.Extra["preferred_username"] != "alice" || claims.ClientID != oauth.FirstPartyClientID {
			t.Fatalf("claims = %+v", claims)
		}
		// HTTP Basic, narrowed scope.
		req, _ := http.NewRequest("POST", e.url+"/auth/login?scope=data:read", nil)
		req.SetBasicAuth("alice", pw)
		r2, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b2 map[string]any
		json.NewDecoder(r2.Body).Decode(&b2)
		r2.Body.Close()
		if r2.StatusCode != 200 || b2["scope"] != "data:read" {
			t.Fatalf("basic login: %d %v", r2.StatusCode, b2)
		}
		// A scope the roles do not grant.
		if resp, _ := login(t, e, mustJSON(map[string]string{"username": "alice", "password": pw, "scope": "admin:all"}), "", ""); resp.StatusCode != 400 {
			t.Fatalf("ungranted scope: %d", resp.StatusCode)
		}
	})
}

// Unknown users and wrong passwords get byte-identical answers.
func TestLoginFailuresLookAlike(t *testing.T) {
	e := newEnv(t, "sqlite://"+t.TempDir()+"/r.db")
	if _, err := e.ids.CreateUser(ctx, "alice", pw, nil); err != nil {
		t.Fatal(err)
	}
	r1, b1 := login(t, e, mustJSON(map[string]string{"username": "alice", "password": "wrong password"}), "", "")
	r2, b2 := login(t, e, mustJSON(map[string]string{"username": "mallory", "password": "wrong password"}), "", "")
	if r1.StatusCode != 401 || r2.StatusCode != 401 || mustJSON(b1) != mustJSON(b2) ||
		r1.Header.Get("WWW-Authenticate") != r2.Header.Get("WWW-Authenticate") || r1.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("answers differ:\n%d %v %v\n%d %v %v", r1.StatusCode, b1, r1.Header, r2.StatusCode, b2, r2.Header)
	}
	for _, bad := range []string{`{"username":"alice"}`, `not json`, `{"username":"alice","password":"x","extra":1}`} {
		if r, _ := login(t, e, bad, "", ""); r.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", bad, r.StatusCode)
		}
	}
}

func TestLoginLockout(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		if _, err := e.ids.CreateUser(ctx, "alice", pw, nil); err != nil {
			t.Fatal(err)
		}
		wrong := mustJSON(map[string]string{"username": "alice", "password": "wrong password"})
		right := mustJSON(map[string]string{"username": "ALICE", "password": pw})
		for i := 1; i <= 3; i++ {
			r, _ := login(t, e, wrong, "", "")
			if r.StatusCode != 401 {
				t.Fatalf("failure %d: %d", i, r.StatusCode)
			}
			if i == 3 && r.Header.Get("Retry-After") == "" {
				t.Fatal("the locking failure does not say when to retry")
			}
		}
		// Locked: even the right password is refused, with the same answer.
		r, body := login(t, e, right, "", "")
		if r.StatusCode != 401 || body["detail"] != "Invalid username or password." || r.Header.Get("Retry-After") == "" {
			t.Fatalf("locked account: %d %v %v", r.StatusCode, body, r.Header)
		}
		// Unknown accounts lock the same way, so a lock reveals nothing.
		ghost := mustJSON(map[string]string{"username": "ghost", "password": "x"})
		for range 3 {
			login(t, e, ghost, "", "")
		}
		if r, _ := login(t, e, ghost, "", ""); r.Header.Get("Retry-After") == "" {
			t.Fatal("an unknown account is not throttled like a real one")
		}
	})
}

func TestRefreshRotationAndReuse(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		if _, err := e.ids.CreateUser(ctx, "alice", pw, nil); err != nil {
			t.Fatal(err)
		}
		_, body := login(t, e, mustJSON(map[string]string{"username": "alice", "password": pw}), "", "")
		rt1 := body["refresh_token"].(string)
		refresh := func(rt string) (*http.Response, map[string]any) {
			return postForm(t, e.url+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {oauth.FirstPartyClientID}}, "", "")
		}
		resp, b2 := refresh(rt1)
		if resp.StatusCode != 200 || b2["refresh_token"] == nil || b2["refresh_token"] == rt1 {
			t.Fatalf("refresh: %d %v", resp.StatusCode, b2)
		}
		rt2, at2 := b2["refresh_token"].(string), b2["access_token"].(string)
		if _, err := e.verifierFor(t, e.url).Verify(at2); err != nil {
			t.Fatalf("refreshed access token: %v", err)
		}
		// Reuse of the spent token: refused, and the whole family dies.
		resp, b3 := refresh(rt1)
		if resp.StatusCode != 400 || b3["error"] != "invalid_grant" {
			t.Fatalf("reuse: %d %v", resp.StatusCode, b3)
		}
		if resp, b := refresh(rt2); resp.StatusCode != 400 || b["error"] != "invalid_grant" {
			t.Fatalf("sibling after reuse: %d %v", resp.StatusCode, b)
		}
		rs, rsSecret, _ := e.clients.Create(ctx, oauth.ClientSpec{Name: "rs", GrantTypes: []string{"client_credentials"}})
		_, intro := postForm(t, e.url+"/oauth2/introspect", url.Values{"token": {at2}}, rs.ID, rsSecret)
		if intro["active"] != false {
			t.Fatalf("access token of a revoked family still active: %v", intro)
		}
		// Garbage refresh tokens.
		if resp, b := refresh("garbage"); resp.StatusCode != 400 || b["error"] != "invalid_grant" {
			t.Fatalf("garbage: %d %v", resp.StatusCode, b)
		}
	})
}

// Revoking a refresh token (RFC 7009) ends its whole grant: the refresh token
// and every access token issued under it.
func TestRevokeRefreshTokenRevokesTheGrant(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		if _, err := e.ids.CreateUser(ctx, "alice", pw, nil); err != nil {
			t.Fatal(err)
		}
		_, body := login(t, e, mustJSON(map[string]string{"username": "alice", "password": pw}), "", "")
		at, rt := body["access_token"].(string), body["refresh_token"].(string)
		resp, b := postForm(t, e.url+"/oauth2/revoke", url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}, "client_id": {oauth.FirstPartyClientID}}, "", "")
		if resp.StatusCode != 200 {
			t.Fatalf("revoke: %d %v", resp.StatusCode, b)
		}
		resp, b = postForm(t, e.url+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {oauth.FirstPartyClientID}}, "", "")
		if resp.StatusCode != 400 || b["error"] != "invalid_grant" {
			t.Fatalf("refresh after revocation: %d %v", resp.StatusCode, b)
		}
		rs, rsSecret, _ := e.clients.Create(ctx, oauth.ClientSpec{Name: "rs", GrantTypes: []string{"client_credentials"}})
		if _, intro := postForm(t, e.url+"/oauth2/introspect", url.Values{"token": {at}}, rs.ID, rsSecret); intro["active"] != false {
			t.Fatalf("access token of a revoked grant: %v", intro)
		}
	})
}

// A client cannot revoke another client's tokens (RFC 7009 §2.1).
func TestRevokeOnlyOwnTokens(t *testing.T) {
	e := newEnv(t, "sqlite://"+t.TempDir()+"/r.db")
	a, aSecret, _ := e.clients.Create(ctx, oauth.ClientSpec{Name: "a", GrantTypes: []string{"client_credentials"}})
	b, bSecret, _ := e.clients.Create(ctx, oauth.ClientSpec{Name: "b", GrantTypes: []string{"client_credentials"}})
	_, tok := postForm(t, e.url+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, a.ID, aSecret)
	at := tok["access_token"].(string)
	resp, _ := postForm(t, e.url+"/oauth2/revoke", url.Values{"token": {at}}, b.ID, bSecret)
	_, intro := postForm(t, e.url+"/oauth2/introspect", url.Values{"token": {at}}, a.ID, aSecret)
	if intro["active"] != true {
		t.Fatalf("client b revoked client a's token (revoke answered %d)", resp.StatusCode)
	}
}
