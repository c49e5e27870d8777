package oauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/auditlog"
	"github.com/rampart-sec/rampart/internal/oauth"
	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/internal/testenv"
)

// Every security event of the authorization server lands in the chain, and
// no password, token or client secret lands in any event.
func TestAuditTrailOfLoginsAndTokens(t *testing.T) {
	testenv.Databases(t, func(t *testing.T, dbURL string) {
		var log *auditlog.Log
		e := newEnvWith(t, dbURL, func(_ *oauth.Config, d *oauth.Deps) {
			log = auditlog.New(d.Store, auditlog.Options{})
			d.Audit = log
		})
		if _, err := e.ids.CreateUser(ctx, "alice", pw, nil); err != nil {
			t.Fatal(err)
		}
		const wrongPW = "hunter2-wrong-password"
		secrets := []string{pw, wrongPW}
		// A failure, then a success with tokens.
		if r, _ := login(t, e, mustJSON(map[string]string{"username": "alice", "password": wrongPW}), "", ""); r.StatusCode != 401 {
			t.Fatalf("wrong password: %d", r.StatusCode)
		}
		_, body := login(t, e, mustJSON(map[string]string{"username": "alice", "password": pw}), "", "")
		rt1, at1 := body["refresh_token"].(string), body["access_token"].(string)
		refresh := func(rt string) (*http.Response, map[string]any) {
			return postForm(t, e.url+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {oauth.FirstPartyClientID}}, "", "")
		}
		resp, b2 := refresh(rt1)
		if resp.StatusCode != 200 {
			t.Fatalf("refresh: %d %v", resp.StatusCode, b2)
		}
		rt2, at2 := b2["refresh_token"].(string), b2["access_token"].(string)
		if resp, _ := refresh(rt1); resp.StatusCode != 400 { // reuse
			t.Fatalf("reuse: %d", resp.StatusCode)
		}
		c, secret, err := e.clients.Create(ctx, oauth.ClientSpec{Name: "svc", GrantTypes: []string{"client_credentials"}, Scopes: []string{"data:read"}})
		if err != nil {
			t.Fatal(err)
		}
		resp, cc := postForm(t, e.url+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, c.ID, secret)
		if resp.StatusCode != 200 {
			t.Fatalf("client credentials: %d %v", resp.StatusCode, cc)
		}
		at3 := cc["access_token"].(string)
		if resp, _ := postForm(t, e.url+"/oauth2/revoke", url.Values{"token": {at3}}, c.ID, secret); resp.StatusCode != 200 {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		// Three more failures lock the account (oauthtest locks at 3).
		for range 3 {
			login(t, e, mustJSON(map[string]string{"username": "alice", "password": wrongPW}), "", "")
		}
		secrets = append(secrets, rt1, at1, rt2, at2, secret, at3)

		es, err := log.Events(ctx, store.AuditQuery{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, ev := range es {
			types = append(types, string(ev.Type))
		}
		got := strings.Join(types, " ")
		want := "login.failure login.success token.issued token.refreshed token.refresh_reuse token.issued token.revoked login.failure login.failure login.failure login.lockout"
		if got != want {
			t.Fatalf("event types:\n got %s\nwant %s", got, want)
		}
		byType := map[audit.Type]audit.Event{}
		for _, ev := range es {
			byType[ev.Type] = ev
		}
		if ev := byType[audit.TokenRefreshReuse]; ev.Subject == "" || ev.Details["client_id"] != oauth.FirstPartyClientID || ev.Details["grant_id"] == "" {
			t.Fatalf("reuse event = %+v", ev)
		}
		if ev := byType[audit.LoginLockout]; ev.Subject != "alice" || ev.Details["scope"] != "account" {
			t.Fatalf("lockout event = %+v", ev)
		}
		if ev := byType[audit.TokenRevoked]; ev.Actor != c.ID {
			t.Fatalf("revoked event = %+v", ev)
		}
		if ev := byType[audit.LoginSuccess]; ev.Actor != "alice" || ev.Outcome != audit.Success || ev.Details["user_id"] == "" {
			t.Fatalf("login event = %+v", ev)
		}
		raw, _ := json.Marshal(es)
		for _, s := range secrets {
			if strings.Contains(string(raw), s) {
				t.Fatalf("a secret (%.12s…) is in the audit trail", s)
			}
			// Tokens are also never recorded in part: their signature half.
			if i := strings.LastIndexByte(s, '.'); i > 0 && strings.Contains(string(raw), s[i+1:]) {
				t.Fatalf("a token signature is in the audit trail")
			}
		}
		if res, err := log.Verify(ctx); err != nil || !res.Intact() || res.Events != int64(len(es)) {
			t.Fatalf("verify = %+v, %v", res, err)
		}
	})
}

// When the trail cannot be written, logins and token requests fail closed:
// 503 and no tokens.
func TestAuditFailureFailsClosed(t *testing.T) {
	dbURL := "sqlite://" + t.TempDir() + "/rampart.db"
	broken := audit.RecorderFunc(func(context.Context, audit.Event) error { return errors.New("disk full") })
	e := newEnvWith(t, dbURL, func(_ *oauth.Config, d *oauth.Deps) { d.Audit = broken })
	if _, err := e.ids.CreateUser(ctx, "alice", pw, nil); err != nil {
		t.Fatal(err)
	}
	r, body := login(t, e, mustJSON(map[string]string{"username": "alice", "password": pw}), "", "")
	if r.StatusCode != 503 || body["access_token"] != nil {
		t.Fatalf("login with a broken trail: %d %v", r.StatusCode, body)
	}
	if r, _ := login(t, e, mustJSON(map[string]string{"username": "alice", "password": "wrong"}), "", ""); r.StatusCode != 503 {
		t.Fatalf("failed login with a broken trail: %d", r.StatusCode)
	}
	c, secret, _ := e.clients.Create(ctx, oauth.ClientSpec{Name: "svc", GrantTypes: []string{"client_credentials"}})
	resp, cc := postForm(t, e.url+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, c.ID, secret)
	if resp.StatusCode != 503 || cc["access_token"] != nil || cc["error"] != "temporarily_unavailable" {
		t.Fatalf("token with a broken trail: %d %v", resp.StatusCode, cc)
	}
}
