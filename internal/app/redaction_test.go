package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/config"
	"github.com/rampart-sec/rampart/internal/oauth"
)

// TestRedactionHoldsEverywhere pushes known secrets through every path that
// logs — login with the right and a wrong password, the token endpoint
// (client secret, refresh token, code), proxied requests with
// Authorization, Cookie and API-key headers and query tokens, a failing
// upstream, configuration errors — at debug level, then looks for each
// secret in every byte of rampart's log and of the access log.
func TestRedactionHoldsEverywhere(t *testing.T) {
	r := newRig(t, "", nil)
	ctx := context.Background()
	const (
		rightPW    = "Right-Passw0rd-Alice-xyzzy"
		wrongPW    = "Wr0ng-Guess-Secret-plugh"
		fakeCode   = "AuthC0de-Fake-Secret-1f2e"
		fakeRT     = "RefreshT0k-Fake-Secret-3d4c"
		cookie     = "C00kie-Session-Secret-5b6a"
		queryTok   = "QueryT0ken-Secret-7988"
		queryKey   = "QueryApiKey-Secret-a9b8"
		masterKey  = "NotAKey-Master-Secret-c7d6"
		dbPass     = "DbPassw0rd-Secret-e5f4"
		redisPass  = "RedisPassw0rd-Secret-0a1b"
		headerPass = "HeaderPassw0rd-Secret-2c3d"
	)
	aliceKey, _ := setupIdentities(t, r.app, rightPW)
	client, clientSecret, err := r.app.Clients.Create(ctx, oauth.ClientSpec{Name: "svc",
		GrantTypes: []string{oauth.GrantClientCredentials, oauth.GrantAuthorizationCode, oauth.GrantRefreshToken},
		Scopes:     []string{"data:read"}, RedirectURIs: []string{"https://client.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{rightPW, wrongPW, fakeCode, fakeRT, cookie, queryTok, queryKey, masterKey, dbPass, redisPass, headerPass, aliceKey, clientSecret}
	js := map[string]string{"Content-Type": "application/json"}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }

	// Login: right and wrong password, JSON and Basic.
	code, body := r.do(t, "POST", "/auth/login", strings.NewReader(`{"username":"alice","password":"`+rightPW+`"}`), js)
	if code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("login answer: %v %s", err, body)
	}
	secrets = append(secrets, tok.AccessToken, tok.RefreshToken)
	r.do(t, "POST", "/auth/login", strings.NewReader(`{"username":"alice","password":"`+wrongPW+`"}`), js)
	r.do(t, "POST", "/auth/login", nil, map[string]string{"Authorization": basic("alice", wrongPW)})
	r.do(t, "POST", "/auth/login?password="+wrongPW, strings.NewReader(`not json `+wrongPW), js)

	// Token endpoint: client secret in the form and in Basic, a refresh
	// token (valid, then replayed), a made-up code and refresh token.
	tokenForm := func(v url.Values) { r.do(t, "POST", "/oauth2/token", strings.NewReader(v.Encode()), form) }
	tokenForm(url.Values{"grant_type": {"client_credentials"}, "client_id": {client.ID}, "client_secret": {clientSecret}, "scope": {"data:read"}})
	tokenForm(url.Values{"grant_type": {"client_credentials"}, "client_id": {client.ID}, "client_secret": {wrongPW}})
	r.do(t, "POST", "/oauth2/token", strings.NewReader("grant_type=client_credentials"), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Authorization": basic(client.ID, clientSecret)})
	tokenForm(url.Values{"grant_type": {"authorization_code"}, "code": {fakeCode}, "client_id": {client.ID}, "client_secret": {clientSecret},
		"redirect_uri": {"https://client.example/cb"}, "code_verifier": {fakeCode + "verifier"}})
	tokenForm(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {fakeRT}, "client_id": {client.ID}, "client_secret": {clientSecret}})
	tokenForm(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {client.ID}, "client_secret": {clientSecret}})
	r.do(t, "POST", "/oauth2/revoke", strings.NewReader(url.Values{"token": {tok.RefreshToken}, "client_id": {client.ID}, "client_secret": {clientSecret}}.Encode()), form)
	r.do(t, "POST", "/oauth2/introspect", strings.NewReader(url.Values{"token": {tok.AccessToken}}.Encode()), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Authorization": basic(client.ID, wrongPW)})

	// Proxied requests: every credential header and query tokens, to a
	// working and to a failing upstream, valid and invalid.
	q := "?access_token=" + queryTok + "&api_key=" + queryKey + "&password=" + headerPass
	for _, path := range []string{"/api/data", "/dead", "/open"} {
		for _, authz := range []string{"Bearer " + tok.AccessToken, "Bearer " + aliceKey, "Bearer " + tok.AccessToken + "x", basic("alice", wrongPW), basic("alice", rightPW)} {
			r.do(t, "GET", path+q, nil, map[string]string{"Authorization": authz, "Cookie": "session=" + cookie,
				"X-Api-Key": aliceKey, "Proxy-Authorization": basic("proxy", headerPass), "Referer": "https://app.example/?token=" + queryTok})
		}
	}

	// Configuration errors: a bad master key, passwords in the database
	// and Redis URLs, and a database that cannot be reached with one.
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(file, []byte("version: 1\nstorage: {database_url: \"mysql://root:"+dbPass+"@db/x\"}\n"), 0o600)
	_, err = config.Load(file, []string{"RAMPART_MASTER_KEY=" + masterKey, "RAMPART_REDIS_URL=redis://:" + redisPass + "@127.0.0.1:1/0"})
	if err == nil {
		t.Fatal("a bad configuration loaded")
	}
	r.app.Log.Error("configuration rejected", "error", err)
	cfg := config.Default()
	cfg.Storage.DatabaseURL = "postgres://rampart:" + dbPass + "@127.0.0.1:1/rampart?connect_timeout=1"
	cfg.Storage.ConnectTimeout = 1e9
	if _, err := Open(ctx, cfg, r.app.Log); err == nil {
		t.Fatal("opened an unreachable database")
	} else {
		r.app.Log.Error("refusing to start", "error", err)
	}

	// A careless debug line: headers, a form and a DSN logged whole.
	hdr := http.Header{"Authorization": {"Bearer " + tok.AccessToken}, "Cookie": {"session=" + cookie}, "X-Api-Key": {aliceKey}}
	r.app.Log.Debug("request dump", "headers", hdr, "form", url.Values{"client_secret": {clientSecret}, "password": {rightPW}},
		"dsn", "postgres://u:"+dbPass+"@h/db", "password", rightPW, "err", fmt.Errorf("dial redis://:%s@h: %w", redisPass, errors.New("refused")),
		"note", "user typed password="+wrongPW+" and token "+tok.RefreshToken)

	logged := r.log.String() + r.accessText()
	if len(r.accessLines(t)) < 20 || !strings.Contains(r.log.String(), "upstream request failed") || !strings.Contains(logged, "[REDACTED]") {
		t.Fatalf("the paths were not exercised:\n%s", logged)
	}
	for _, s := range secrets {
		if strings.Contains(logged, s) {
			i := strings.Index(logged, s)
			t.Errorf("secret %q reached a log line: …%s…", s, logged[max(0, i-200):min(len(logged), i+len(s)+50)])
		}
	}
}
