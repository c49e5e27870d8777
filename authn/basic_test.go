package authn_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rampart-sec/rampart/authn"
)

func TestBasic(t *testing.T) {
	calls := 0
	b := &authn.Basic{Verify: func(_ context.Context, u, p string) (*authn.Identity, error) {
		calls++
		if u == "alice" && p == "s3cret pw" {
			return &authn.Identity{Subject: "usr_1", Username: "alice"}, nil
		}
		return nil, errors.New("invalid username or password")
	}}
	h := authn.Chain([]authn.Authenticator{b}, authn.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := authn.FromContext(r.Context())
		w.Header().Set("X-Method", string(id.Method))
	}))
	for _, tc := range []struct {
		name, auth string
		status     int
		verified   bool
	}{
		{"good", "Basic YWxpY2U6czNjcmV0IHB3", 200, true},
		{"wrong password", "Basic YWxpY2U6d3Jvbmc=", 401, true},
		{"not base64", "Basic !!!", 401, false},
		{"no colon", "Basic YWxpY2U=", 401, false},
		{"empty password", "Basic YWxpY2U6", 401, false},
		{"bearer is not basic", "Bearer abc", 401, false},
		{"none", "", 401, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := calls
			r := httptest.NewRequest("GET", "/", nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if (calls > before) != tc.verified {
				t.Fatalf("verifier called: %v, want %v", calls > before, tc.verified)
			}
			if tc.status == 200 && rec.Header().Get("X-Method") != "basic" {
				t.Fatal("method not basic")
			}
			if tc.status == 401 && rec.Header().Get("WWW-Authenticate") != `Basic realm="rampart", charset="UTF-8"` {
				t.Fatalf("challenge %q", rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}
