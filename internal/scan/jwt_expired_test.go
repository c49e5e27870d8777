package scan

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestExpiredJWTReportedOnce: an API that ignores exp accepts both the
// expired --auth token and the expired forgery; that is one finding.
func TestExpiredJWTReportedOnce(t *testing.T) {
	t.Parallel()
	key := []byte("secret")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/me" {
			http.NotFound(w, r)
			return
		}
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		_, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return key, nil },
			jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation())
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"sub":"alice"}`))
	}))
	t.Cleanup(srv.Close)
	expired, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "alice", "exp": time.Now().Add(-time.Hour).Unix()}).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	r := scanT(t, Options{Target: srv.URL, Auth: "Bearer " + expired, OpenAPI: specYAML(
		"  /api/me:\n    get:\n      responses: {'200': {description: x}}\n")})
	if fs := byRule(r, "authn-jwt-expired-accepted"); len(fs) != 1 {
		t.Errorf("%d authn-jwt-expired-accepted findings, want 1:\n  %s", len(fs), ruleIDs(r))
	}
}
