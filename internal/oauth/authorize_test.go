package oauth_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/rampart-sec/rampart/internal/identity"
	"github.com/rampart-sec/rampart/internal/oauth"
	"github.com/rampart-sec/rampart/internal/testenv"
)

// The whole authorization code flow, as real client libraries drive it.
func TestAuthorizationCodeFlow(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		if _, err := e.ids.CreateRole(ctx, "analyst", "", []string{"data:read"}); err != nil {
			t.Fatal(err)
		}
		u, err := e.ids.CreateUser(ctx, "alice", pw, []string{"analyst"})
		if err != nil {
			t.Fatal(err)
		}
		provider, err := oidc.NewProvider(ctx, e.url)
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name, registered, requested string
			public, refresh             bool
		}{
			{name: "confidential", registered: "https://client.example.com/cb", requested: "https://client.example.com/cb", refresh: true},
			// RFC 8252 §7.3: a loopback redirect URI may use any port.
			{name: "public", registered: "http://127.0.0.1/callback", requested: "http://127.0.0.1:49152/callback", public: true},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				id, secret := codeClient(t, e, "Dashboard", tc.public, tc.refresh, tc.registered, "openid", "profile", "data:read")
				cfg := oauthConfig(e, id, secret, tc.requested, oidc.ScopeOpenID, "profile", "data:read")
				verifier := oauth2.GenerateVerifier()
				state := "state with spaces & symbols /+?=é " + randomString(t, 8)
				nonce := randomString(t, 16)
				b := newWebClient(t)
				consent := b.signIn(cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)), "alice", pw)
				if !strings.Contains(consent.body, "Dashboard") || !strings.Contains(consent.body, "data:read") {
					t.Fatalf("the consent page does not name the client and the scopes:\n%s", consent.body)
				}
				loc := b.decide(consent, "allow")
				q := loc.Query()
				if withoutQuery(loc) != tc.requested || q.Get("state") != state || q.Get("code") == "" || q.Get("error") != "" {
					t.Fatalf("redirect = %s", loc)
				}
				if q.Get("scope") != "openid profile data:read" {
					t.Fatalf("granted scope = %q", q.Get("scope"))
				}
				tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
				if err != nil {
					t.Fatalf("exchange: %v", err)
				}
				if tc.refresh != (tok.RefreshToken != "") {
					t.Fatalf("refresh token %q for a client with refresh_token grant = %v", tok.RefreshToken, tc.refresh)
				}
				raw, _ := tok.Extra("id_token").(string)
				idt, err := provider.Verifier(&oidc.Config{ClientID: id}).Verify(ctx, raw)
				if err != nil {
					t.Fatalf("ID token: %v", err)
				}
				var claims struct {
					Username string `json:"preferred_username"`
					AuthTime int64  `json:"auth_time"`
				}
				if err := idt.Claims(&claims); err != nil {
					t.Fatal(err)
				}
				if idt.Nonce != nonce || idt.Subject != u.ID || claims.Username != "alice" || time.Since(time.Unix(claims.AuthTime, 0)) > time.Minute {
					t.Fatalf("ID token: nonce %q sub %q claims %+v", idt.Nonce, idt.Subject, claims)
				}
				if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
					t.Fatalf("at_hash: %v", err)
				}
				at, err := e.verifierFor(t, "https://api.example.com").Verify(tok.AccessToken)
				if err != nil {
					t.Fatalf("the API rejects the access token: %v", err)
				}
				if at.Subject != u.ID || at.ClientID != id || strings.Join(at.Scopes, " ") != "openid profile data:read" {
					t.Fatalf("access token claims = %+v", at)
				}
				ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
				if err != nil {
					t.Fatalf("userinfo: %v", err)
				}
				var info map[string]any
				if err := ui.Claims(&info); err != nil {
					t.Fatal(err)
				}
				if ui.Subject != u.ID || info["preferred_username"] != "alice" {
					t.Fatalf("userinfo = %v", info)
				}
				if tc.refresh {
					next, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
					if err != nil || next.AccessToken == "" || next.RefreshToken == tok.RefreshToken {
						t.Fatalf("refresh: %v %+v", err, next)
					}
				}
			})
		}
	})
}

// An unknown client or a redirect URI that is not registered exactly: the
// user sees an error page and is sent nowhere.
func TestAuthorizeNeverRedirectsToAnUnregisteredURI(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		const cb = "https://client.example.com/cb"
		id, _ := codeClient(t, e, "Dashboard", false, true, cb, "openid")
		base := func() url.Values {
			return url.Values{"response_type": {"code"}, "client_id": {id}, "redirect_uri": {cb}, "scope": {"openid"}, "state": {"state-123456"}}
		}
		cases := []struct {
			name   string
			edit   func(url.Values)
			detail string
		}{
			{"unknown client", func(v url.Values) { v.Set("client_id", "rc_nobody") }, "does not exist"},
			{"no client", func(v url.Values) { v.Del("client_id") }, "does not exist"},
			{"unregistered redirect_uri", func(v url.Values) { v.Set("redirect_uri", "https://evil.example.com/cb") }, "pre-registered"},
			{"trailing slash", func(v url.Values) { v.Set("redirect_uri", cb+"/") }, "pre-registered"},
			{"extra query", func(v url.Values) { v.Set("redirect_uri", cb+"?next=/admin") }, "pre-registered"},
			{"different port", func(v url.Values) { v.Set("redirect_uri", "https://client.example.com:8443/cb") }, "pre-registered"},
			{"http instead of https", func(v url.Values) { v.Set("redirect_uri", "http://client.example.com/cb") }, "pre-registered"},
			{"host in other case", func(v url.Values) { v.Set("redirect_uri", "https://CLIENT.example.com/cb") }, "pre-registered"},
			{"fragment", func(v url.Values) { v.Set("redirect_uri", cb+"#x") }, "pre-registered"},
			{"userinfo trick", func(v url.Values) { v.Set("redirect_uri", "https://client.example.com@evil.example.com/cb") }, "pre-registered"},
			{"no redirect_uri with openid", func(v url.Values) { v.Del("redirect_uri") }, "redirect_uri"},
			{"redirect_uri twice", func(v url.Values) { v.Add("redirect_uri", "https://evil.example.com/cb") }, "more than once"},
			{"client_id twice", func(v url.Values) { v.Add("client_id", "rc_other") }, "more than once"},
			{"state and redirect_uri twice", func(v url.Values) {
				v.Add("state", "state-654321")
				v.Add("redirect_uri", "https://evil.example.com/cb")
			}, `&#39;redirect_uri&#39; was sent more than once`},
		}
		for _, tc := range cases {
			for _, method := range []string{"GET", "POST"} {
				t.Run(tc.name+"/"+method, func(t *testing.T) {
					v := base()
					tc.edit(v)
					b := newWebClient(t)
					var p *page
					if method == "GET" {
						p = b.get(e.url + "/oauth2/authorize?" + v.Encode())
					} else {
						p = b.post(e.url+"/oauth2/authorize", v)
					}
					if p.status != 400 || p.header.Get("Location") != "" || !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
						t.Fatalf("status %d, Location %q, Content-Type %q", p.status, p.header.Get("Location"), p.header.Get("Content-Type"))
					}
					if !strings.Contains(p.body, tc.detail) || len(p.forms) != 0 {
						t.Fatalf("the error page does not say %q (or has a form):\n%s", tc.detail, p.body)
					}
					checkPageHeaders(t, p, "")
				})
			}
		}
	})
}

// Requests from a known client to its registered redirect URI that rampart
// refuses: the error goes back to the client with the state, before anyone
// is asked for a password.
func TestAuthorizeErrorsGoBackToTheClient(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		const cb = "https://client.example.com/cb"
		const spa = "https://spa.example.com/cb"
		conf, _ := codeClient(t, e, "Dashboard", false, true, cb, "openid", "data:read")
		pub, _ := codeClient(t, e, "SPA", true, false, spa, "openid")
		challenge := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
		req := func(client, redirect string, kv ...string) url.Values {
			v := url.Values{"response_type": {"code"}, "client_id": {client}, "redirect_uri": {redirect}, "scope": {"openid"},
				"state": {"state-" + randomString(t, 8)}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == "" {
					v.Del(kv[i])
				} else {
					v.Set(kv[i], kv[i+1])
				}
			}
			return v
		}
		cases := []struct {
			name string
			v    url.Values
			code string
		}{
			{"implicit (response_type=token)", req(conf, cb, "response_type", "token"), "unsupported_response_type"},
			{"hybrid (code id_token)", req(conf, cb, "response_type", "code id_token"), "unsupported_response_type"},
			{"no response_type", req(conf, cb, "response_type", ""), "unsupported_response_type"},
			{"public client without PKCE", req(pub, spa, "code_challenge", "", "code_challenge_method", ""), "invalid_request"},
			{"public client with plain PKCE", req(pub, spa, "code_challenge", "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij", "code_challenge_method", "plain"), "invalid_request"},
			{"confidential client with plain PKCE", req(conf, cb, "code_challenge_method", "plain"), "invalid_request"},
			{"challenge without method (means plain)", req(pub, spa, "code_challenge_method", ""), "invalid_request"},
			{"malformed S256 challenge", req(pub, spa, "code_challenge", "too-short"), "invalid_request"},
			{"method without challenge", req(conf, cb, "code_challenge", ""), "invalid_request"},
			{"unregistered scope", req(conf, cb, "scope", "openid admin"), "invalid_scope"},
			{"prompt=none without a session", req(conf, cb, "prompt", "none"), "login_required"},
			{"unknown prompt", req(conf, cb, "prompt", "sideways"), "invalid_request"},
			{"response_mode=fragment", req(conf, cb, "response_mode", "fragment"), "unsupported_response_mode"},
			{"response_mode=form_post", req(conf, cb, "response_mode", "form_post"), "unsupported_response_mode"},
			{"request object", req(conf, cb, "request", "eyJhbGciOiJub25lIn0.e30."), "request_not_supported"},
			{"short nonce", req(conf, cb, "nonce", "abc"), "invalid_request"},
			{"short state", req(conf, cb, "state", "abc"), "invalid_state"},
			{"audience not registered", req(conf, cb, "resource", "https://other.example.com"), "invalid_request"},
			{"scope twice", func() url.Values { v := req(conf, cb); v.Add("scope", "data:read"); return v }(), "invalid_request"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p := newWebClient(t).get(e.url + "/oauth2/authorize?" + tc.v.Encode())
				loc := redirectOf(t, p)
				q := loc.Query()
				if withoutQuery(loc) != tc.v.Get("redirect_uri") || loc.Fragment != "" {
					t.Fatalf("redirected to %s", loc)
				}
				if q.Get("error") != tc.code || q.Get("state") != tc.v.Get("state") || q.Has("code") {
					t.Fatalf("error %q (%s), state %q; want %s and %q", q.Get("error"), q.Get("error_description"), q.Get("state"), tc.code, tc.v.Get("state"))
				}
			})
		}
		// What is accepted: PKCE is optional for a confidential client, and
		// response_mode=query is the default spelled out.
		for _, v := range []url.Values{req(conf, cb, "code_challenge", "", "code_challenge_method", ""), req(conf, cb, "response_mode", "query")} {
			if p := newWebClient(t).get(e.url + "/oauth2/authorize?" + v.Encode()); p.status != 200 || p.forms["login"] == nil {
				t.Fatalf("%v: %d %s", v, p.status, p.header.Get("Location"))
			}
		}
	})
}

// Stolen, replayed or mismatched codes at the token endpoint.
func TestAuthorizationCodeAttacks(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		if _, err := e.ids.CreateUser(ctx, "alice", pw, nil); err != nil {
			t.Fatal(err)
		}
		const cb = "https://client.example.com/cb"
		id, secret := codeClient(t, e, "Dashboard", false, true, cb, "openid")
		cfg := oauthConfig(e, id, secret, cb, "openid")
		pubID, _ := codeClient(t, e, "SPA", true, false, "https://spa.example.com/cb", "openid")
		pub := oauthConfig(e, pubID, "", "https://spa.example.com/cb", "openid")

		t.Run("wrong code_verifier", func(t *testing.T) {
			v := oauth2.GenerateVerifier()
			code := obtainCode(t, e, pub, oauth2.S256ChallengeOption(v))
			if _, err := pub.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); tokenErrorCode(err) != "invalid_grant" {
				t.Fatalf("wrong verifier: %v", err)
			}
		})
		t.Run("no code_verifier", func(t *testing.T) {
			v := oauth2.GenerateVerifier()
			code := obtainCode(t, e, pub, oauth2.S256ChallengeOption(v))
			if _, err := pub.Exchange(ctx, code); tokenErrorCode(err) != "invalid_grant" {
				t.Fatalf("no verifier: %v", err)
			}
		})
		t.Run("PKCE downgrade after a wrong verifier", func(t *testing.T) {
			// fosite's PKCE handler deletes the challenge before it compares;
			// Storage keeps it, so a failed attempt cannot strip PKCE off the
			// code of a confidential client.
			v := oauth2.GenerateVerifier()
			code := obtainCode(t, e, cfg, oauth2.S256ChallengeOption(v))
			if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); tokenErrorCode(err) != "invalid_grant" {
				t.Fatalf("wrong verifier: %v", err)
			}
			if _, err := cfg.Exchange(ctx, code); tokenErrorCode(err) != "invalid_grant" {
				t.Fatalf("the code was redeemed without its verifier after a failed attempt: %v", err)
			}
		})
		t.Run("verifier for a code issued without PKCE", func(t *testing.T) {
			code := obtainCode(t, e, cfg)
			if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); tokenErrorCode(err) != "invalid_grant" {
				t.Fatalf("%v", err)
			}
		})
		t.Run("replay revokes the first exchange's tokens", func(t *testing.T) {
			v := oauth2.GenerateVerifier()
			code := obtainCode(t, e, cfg, oauth2.S256ChallengeOption(v))
			tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			if !introspect(t, e, tok.AccessToken) {
				t.Fatal("a fresh access token is inactive")
			}
			if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(v)); tokenErrorCode(err) != "invalid_grant" {
				t.Fatalf("replay: %v", err)
			}
			if introspect(t, e, tok.AccessToken) {
				t.Fatal("the access token of a replayed code is still active")
			}
			if introspect(t, e, tok.RefreshToken) {
				t.Fatal("the refresh token of a replayed code is still active")
			}
			if _, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); tokenErrorCode(err) != "invalid_grant" {
				t.Fatalf("refresh after replay: %v", err)
			}
		})
		t.Run("code of another client", func(t *testing.T) {
			otherID, otherSecret := codeClient(t, e, "Other", false, false, cb, "openid")
			code := obtainCode(t, e, cfg)
			if _, err := oauthConfig(e, otherID, otherSecret, cb, "openid").Exchange(ctx, code); tokenErrorCode(err) != "invalid_grant" {
				t.Fatalf("%v", err)
			}
		})
		t.Run("redirect_uri differs from the authorization request", func(t *testing.T) {
			code := obtainCode(t, e, cfg)
			other := *cfg
			other.RedirectURL = cb + "/other"
			if _, err := other.Exchange(ctx, code); tokenErrorCode(err) != "invalid_grant" {
				t.Fatalf("%v", err)
			}
		})
		t.Run("made-up code", func(t *testing.T) {
			if _, err := cfg.Exchange(ctx, randomString(t, 32)+"."+randomString(t, 32)); tokenErrorCode(err) != "invalid_grant" {
				t.Fatalf("%v", err)
			}
		})
	})
}

func TestExpiredAuthorizationCode(t *testing.T) {
	testenv.Databases(t, func(t *testing.T, dbURL string) {
		e := newEnvWith(t, dbURL, func(c *oauth.Config, _ *oauth.Deps) { c.AuthorizationCodeTTL = time.Second })
		if _, err := e.ids.CreateUser(ctx, "alice", pw, nil); err != nil {
			t.Fatal(err)
		}
		id, secret := codeClient(t, e, "Dashboard", false, false, "https://client.example.com/cb", "openid")
		cfg := oauthConfig(e, id, secret, "https://client.example.com/cb", "openid")
		code := obtainCode(t, e, cfg)
		time.Sleep(1500 * time.Millisecond)
		if _, err := cfg.Exchange(ctx, code); tokenErrorCode(err) != "invalid_grant" {
			t.Fatalf("expired code: %v", err)
		}
	})
}

// A form POST without the CSRF token of the browser's cookie is refused
// with 403 before anything else happens.
func TestAuthorizeFormsRequireCSRF(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		if _, err := e.ids.CreateUser(ctx, "alice", pw, nil); err != nil {
			t.Fatal(err)
		}
		const cb = "https://client.example.com/cb"
		id, secret := codeClient(t, e, "Dashboard", false, false, cb, "openid")
		authURL := oauthConfig(e, id, secret, cb, "openid").AuthCodeURL("state-123456")
		b := newWebClient(t)
		login := b.get(authURL).form(t, "login")
		if !validCookie(t, b, e, "rampart-csrf") {
			t.Fatal("the sign-in page set no CSRF cookie")
		}
		wrongPassword := url.Values{"username": {"alice"}, "password": {"wrong password"}}
		withoutToken := func(f *htmlForm) *htmlForm {
			c := *f
			c.fields = url.Values{}
			for k, v := range f.fields {
				if k != "csrf_token" {
					c.fields[k] = v
				}
			}
			return &c
		}
		attempts := map[string]func() *page{
			"no csrf_token": func() *page { return b.submit(withoutToken(login), wrongPassword, "") },
			"wrong csrf_token": func() *page {
				return b.submit(login, url.Values{"csrf_token": {randomString(t, 32)}, "username": {"alice"}, "password": {"wrong password"}}, "")
			},
			"empty csrf_token": func() *page {
				return b.submit(login, url.Values{"csrf_token": {""}, "username": {"alice"}, "password": {"wrong password"}}, "")
			},
			// A cross-site form carries the token it saw, but not the cookie.
			"no cookie": func() *page { return newWebClient(t).submit(login, wrongPassword, "") },
		}
		for name, attempt := range attempts {
			for range 2 {
				if p := attempt(); p.status != http.StatusForbidden || len(p.forms) != 0 {
					t.Fatalf("%s: %d\n%s", name, p.status, p.body)
				}
			}
		}
		// Eight refused wrong passwords, yet the account is not locked (3
		// failures would lock it): nothing was counted.
		consent := b.submit(login, url.Values{"username": {"alice"}, "password": {pw}}, "")
		f := consent.form(t, "consent")
		for name, attempt := range map[string]func() *page{
			"no csrf_token": func() *page { return b.submit(withoutToken(f), nil, "allow") },
			"no cookie":     func() *page { return newWebClient(t).submit(f, nil, "allow") },
		} {
			if p := attempt(); p.status != http.StatusForbidden || p.header.Get("Location") != "" {
				t.Fatalf("consent, %s: %d %q", name, p.status, p.header.Get("Location"))
			}
		}
		if loc := b.decide(consent, "allow"); loc.Query().Get("code") == "" {
			t.Fatalf("redirect = %s", loc)
		}
	})
}

// The sealed flow state between the pages cannot be edited, moved to
// another browser, used at the other step, or kept for later.
func TestAuthorizeFlowStateIsSealed(t *testing.T) {
	testenv.Databases(t, func(t *testing.T, dbURL string) {
		clk := &clock{}
		e := newEnvWith(t, dbURL, func(_ *oauth.Config, d *oauth.Deps) { d.Now = clk.Now })
		if _, err := e.ids.CreateUser(ctx, "alice", pw, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.CreateUser(ctx, "mallory", pw+"!", nil); err != nil {
			t.Fatal(err)
		}
		const cb = "https://client.example.com/cb"
		id, secret := codeClient(t, e, "Dashboard", false, false, cb, "openid")
		authURL := oauthConfig(e, id, secret, cb, "openid").AuthCodeURL("state-123456")
		creds := url.Values{"username": {"alice"}, "password": {pw}}
		refused := func(t *testing.T, p *page, status int, says string) {
			t.Helper()
			if p.status != status || p.header.Get("Location") != "" || len(p.forms) != 0 || !strings.Contains(p.body, says) {
				t.Fatalf("want %d saying %q; got %d %q:\n%s", status, says, p.status, p.header.Get("Location"), p.body)
			}
		}

		t.Run("edited", func(t *testing.T) {
			b := newWebClient(t)
			login := b.get(authURL).form(t, "login")
			flow := login.fields.Get("flow")
			parts := strings.Split(flow, ".")
			for _, edited := range []string{
				flow[:len(flow)-2] + flipChar(flow[len(flow)-2]),
				parts[0] + "." + parts[1][:10] + flipChar(parts[1][10]) + parts[1][11:] + "." + parts[2],
				"v2." + parts[1] + "." + parts[2],
				parts[0] + "." + parts[1],
				"",
			} {
				refused(t, b.submit(login, url.Values{"flow": {edited}, "username": {"alice"}, "password": {pw}}, ""), 400, "not valid")
			}
		})
		t.Run("consent state taken to another browser", func(t *testing.T) {
			victim := newWebClient(t)
			consent := victim.signIn(authURL, "alice", pw).form(t, "consent")
			attacker := newWebClient(t)
			own := attacker.get(authURL).form(t, "login") // the attacker's own cookie and CSRF token
			stolen := url.Values{"flow": {consent.fields.Get("flow")}, "csrf_token": {own.fields.Get("csrf_token")}}
			refused(t, attacker.submit(consent, stolen, "allow"), 400, "not valid for this browser")
		})
		t.Run("login state at the consent step", func(t *testing.T) {
			b := newWebClient(t)
			login := b.get(authURL).form(t, "login")
			consent := b.signIn(authURL, "alice", pw).form(t, "consent")
			refused(t, b.submit(consent, url.Values{"flow": {login.fields.Get("flow")}}, "allow"), 400, "not valid")
		})
		t.Run("consent state at the login step", func(t *testing.T) {
			b := newWebClient(t)
			consent := b.signIn(authURL, "alice", pw).form(t, "consent")
			login := b.get(authURL).form(t, "login")
			p := b.submit(login, url.Values{"flow": {consent.fields.Get("flow")}, "username": {"mallory"}, "password": {pw + "!"}}, "")
			refused(t, p, 400, "not valid")
		})
		t.Run("sign-in page kept too long", func(t *testing.T) {
			b := newWebClient(t)
			login := b.get(authURL).form(t, "login")
			clk.Advance(11 * time.Minute)
			refused(t, b.submit(login, creds, ""), 400, "expired")
		})
		t.Run("consent page kept too long", func(t *testing.T) {
			b := newWebClient(t)
			consent := b.signIn(authURL, "alice", pw)
			clk.Advance(6 * time.Minute)
			refused(t, b.submit(consent.form(t, "consent"), nil, "allow"), 400, "expired")
		})
	})
}

// Failed sign-ins look alike, count toward the account lockout shared with
// POST /auth/login, and never reach the consent page.
func TestAuthorizeSignInFailures(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		if _, err := e.ids.CreateUser(ctx, "alice", pw, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.CreateUser(ctx, "bob", pw, nil); err != nil {
			t.Fatal(err)
		}
		if err := e.st.SetUserDisabled(ctx, "bob", true); err != nil {
			t.Fatal(err)
		}
		const cb = "https://client.example.com/cb"
		id, secret := codeClient(t, e, "Dashboard", false, false, cb, "openid")
		authURL := oauthConfig(e, id, secret, cb, "openid").AuthCodeURL("state-123456")
		b := newWebClient(t)
		form := b.get(authURL).form(t, "login")
		try := func(username, password string) *page {
			t.Helper()
			p := b.submit(form, url.Values{"username": {username}, "password": {password}}, "")
			if p.status != 200 || p.forms["consent"] != nil || p.forms["login"] == nil {
				t.Fatalf("%s: %d\n%s", username, p.status, p.body)
			}
			return p
		}
		generic := "Invalid username or password."
		for _, c := range []struct{ user, pass, says string }{
			{"mallory", "wrong password", generic}, // unknown user
			{"bob", pw, generic},                   // disabled user, right password
			{"alice", "", "Enter your username and password."},
			{"alice", strings.Repeat("x", identity.MaxPasswordLength+1), generic},
		} {
			if p := try(c.user, c.pass); !strings.Contains(p.body, c.says) {
				t.Fatalf("%s: the page does not say %q:\n%s", c.user, c.says, p.body)
			}
		}
		for i := 1; i <= 3; i++ {
			p := try("alice", "wrong password")
			if !strings.Contains(p.body, generic) || p.forms["login"].fields.Get("username") != "alice" {
				t.Fatalf("failure %d:\n%s", i, p.body)
			}
			if (i == 3) != (p.header.Get("Retry-After") != "") {
				t.Fatalf("failure %d: Retry-After %q", i, p.header.Get("Retry-After"))
			}
		}
		// Locked: the right password fails the same way, here and at POST /auth/login.
		if p := try("ALICE", pw); !strings.Contains(p.body, generic) || p.header.Get("Retry-After") == "" {
			t.Fatalf("locked account: %v\n%s", p.header, p.body)
		}
		if resp, _ := login(t, e, mustJSON(map[string]string{"username": "alice", "password": pw}), "", ""); resp.StatusCode != 401 {
			t.Fatalf("/auth/login after three failed form sign-ins: %d", resp.StatusCode)
		}
	})
}

// Deny sends access_denied and the client's state back, and no code.
func TestAuthorizeDeny(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		if _, err := e.ids.CreateUser(ctx, "alice", pw, nil); err != nil {
			t.Fatal(err)
		}
		const cb = "https://client.example.com/cb?tenant=7"
		id, secret := codeClient(t, e, "Dashboard", false, false, cb, "openid")
		state := "unchanged: " + randomString(t, 12) + " &=+/%"
		b := newWebClient(t)
		loc := b.decide(b.signIn(oauthConfig(e, id, secret, cb, "openid").AuthCodeURL(state), "alice", pw), "deny")
		q := loc.Query()
		if withoutQuery(loc) != "https://client.example.com/cb" || q.Get("tenant") != "7" || q.Get("error") != "access_denied" || q.Get("state") != state || q.Has("code") {
			t.Fatalf("deny: %s", loc)
		}
	})
}

// Every page carries strict headers and escapes what it shows.
func TestAuthorizePagesAreLockedDown(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		if _, err := e.ids.CreateUser(ctx, "alice", pw, nil); err != nil {
			t.Fatal(err)
		}
		c, secret, err := e.clients.Create(ctx, oauth.ClientSpec{Name: `<script>alert(1)</script> & "Co"`, GrantTypes: []string{oauth.GrantAuthorizationCode},
			Scopes: []string{"openid"}, RedirectURIs: []string{"https://client.example.com/cb"}})
		if err != nil {
			t.Fatal(err)
		}
		cfg := oauthConfig(e, c.ID, secret, "https://client.example.com/cb", "openid")
		b := newWebClient(t)
		loginPage := b.get(cfg.AuthCodeURL("state-123456", oauth2.SetAuthURLParam("login_hint", `"><img src=x onerror=alert(1)>`)))
		checkPageHeaders(t, loginPage, "https://client.example.com")
		if !strings.Contains(loginPage.body, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Co&#34;") || strings.Contains(loginPage.body, "<img") {
			t.Fatalf("the sign-in page does not escape:\n%s", loginPage.body)
		}
		if got := loginPage.form(t, "login").fields.Get("username"); got != `"><img src=x onerror=alert(1)>` {
			t.Fatalf("login_hint = %q", got)
		}
		var ck *http.Cookie
		for _, sc := range loginPage.header.Values("Set-Cookie") {
			if k, err := http.ParseSetCookie(sc); err == nil && k.Name == "rampart-csrf" {
				ck = k
			}
		}
		if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/oauth2/" || ck.Secure {
			t.Fatalf("CSRF cookie = %+v (issuer is http)", ck)
		}
		consent := b.submit(loginPage.form(t, "login"), url.Values{"username": {"alice"}, "password": {pw}}, "")
		checkPageHeaders(t, consent, "https://client.example.com")
		if !strings.Contains(consent.body, "&lt;script&gt;") || strings.Contains(consent.body, "<script") {
			t.Fatalf("the consent page does not escape:\n%s", consent.body)
		}
		failed := b.submit(loginPage.form(t, "login"), url.Values{"username": {"<b>x</b>"}, "password": {"wrong password"}}, "")
		checkPageHeaders(t, failed, "https://client.example.com")
		if strings.Contains(failed.body, "<b>") {
			t.Fatalf("the username is not escaped:\n%s", failed.body)
		}
		forbidden := newWebClient(t).submit(loginPage.form(t, "login"), nil, "")
		checkPageHeaders(t, forbidden, "")
		errPage := b.get(e.url + "/oauth2/authorize?client_id=" + url.QueryEscape("<script>") + "&response_type=code&state=state-123456")
		checkPageHeaders(t, errPage, "")
		if strings.Contains(errPage.body, "<script>") {
			t.Fatalf("the error page reflects input:\n%s", errPage.body)
		}

		css := b.get(e.url + "/oauth2/static/rampart.css")
		if css.status != 200 || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") || css.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("stylesheet: %d %v", css.status, css.header)
		}
		for _, u := range []string{"/oauth2/static/", "/oauth2/static/nope.css"} {
			if p := b.get(e.url + u); p.status != 404 {
				t.Errorf("%s: %d", u, p.status)
			}
		}
		for _, u := range []string{"/oauth2/login", "/oauth2/consent"} {
			if p := b.get(e.url + u); p.status != http.StatusMethodNotAllowed {
				t.Errorf("GET %s: %d", u, p.status)
			}
		}
	})
}

// A client gets through a user only what the user holds: scopes the client
// may ask for but the user's roles do not grant are shown as withheld and
// are not granted.
func TestAuthorizeGrantsOnlyWhatTheUserHolds(t *testing.T) {
	databases(t, func(t *testing.T, e *env) {
		if _, err := e.ids.CreateRole(ctx, "analyst", "", []string{"data:read"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.CreateRole(ctx, "superuser", "", []string{"*"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.CreateUser(ctx, "alice", pw, []string{"analyst"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.CreateUser(ctx, "root", pw, []string{"superuser"}); err != nil {
			t.Fatal(err)
		}
		const cb = "https://client.example.com/cb"
		id, secret := codeClient(t, e, "Dashboard", false, false, cb, "openid", "data:read", "data:write")
		cfg := oauthConfig(e, id, secret, cb, "openid", "data:read", "data:write")
		for user, want := range map[string]string{"alice": "openid data:read", "root": "openid data:read data:write"} {
			b := newWebClient(t)
			consent := b.signIn(cfg.AuthCodeURL("state-123456"), user, pw)
			if withheld := strings.Contains(consent.body, "Not granted"); withheld != (user == "alice") {
				t.Fatalf("%s: consent page:\n%s", user, consent.body)
			}
			loc := b.decide(consent, "allow")
			if loc.Query().Get("scope") != want {
				t.Fatalf("%s: granted %q, want %q", user, loc.Query().Get("scope"), want)
			}
			tok, err := cfg.Exchange(ctx, loc.Query().Get("code"))
			if err != nil {
				t.Fatal(err)
			}
			if tok.Extra("scope") != want {
				t.Fatalf("%s: token scope %v", user, tok.Extra("scope"))
			}
		}
	})
}
