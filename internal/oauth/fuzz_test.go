package oauth_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/oauth"
)

// FuzzTokenEndpoint throws arbitrary form bodies and Authorization headers at
// POST /oauth2/token: it must never panic or fail with a server error, and
// every refusal must be an RFC 6749 error object.
func FuzzTokenEndpoint(f *testing.F) {
	e := newEnv(f, "sqlite://"+f.TempDir()+"/fuzz.db")
	c, secret, err := e.clients.Create(ctx, oauth.ClientSpec{Name: "fuzz", GrantTypes: []string{"client_credentials"}, Scopes: []string{"data:read"}})
	if err != nil {
		f.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/", nil)
	r.SetBasicAuth(c.ID, secret)
	basic := r.Header.Get("Authorization")
	mux := http.NewServeMux()
	e.srv.Routes(mux)
	var h http.Handler = mux
	for _, seed := range []struct{ body, auth string }{
		{"grant_type=client_credentials", "CLIENT"},
		{"grant_type=client_credentials&scope=data%3Aread&resource=https%3A%2F%2Fapi", "CLIENT"},
		{"grant_type=refresh_token&refresh_token=abc.def&client_id=rampart", ""},
		{"grant_type=authorization_code&code=x&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&code_verifier=y", "CLIENT"},
		{"grant_type=client_credentials&grant_type=password", "CLIENT"},
		{"grant_type=%zz", "Basic Og=="},
		{"", "Bearer x"},
	} {
		f.Add(seed.body, seed.auth)
	}
	f.Fuzz(func(t *testing.T, body, auth string) {
		if auth == "CLIENT" {
			auth = basic
		}
		req := httptest.NewRequest("POST", "/oauth2/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("body %q auth %q: status %d %s", body, auth, rec.Code, rec.Body)
		}
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("body %q: non-JSON answer %q", body, rec.Body)
		}
		if rec.Code != 200 {
			if _, ok := m["error"].(string); !ok {
				t.Fatalf("body %q: refusal without an error code: %s", body, rec.Body)
			}
		} else if _, ok := m["access_token"].(string); !ok {
			t.Fatalf("body %q: 200 without a token: %s", body, rec.Body)
		}
	})
}
