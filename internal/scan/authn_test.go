package scan

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// specYAML is an OpenAPI description whose operations all need a bearer
// token unless they say security: [].
func specYAML(paths string) []byte {
	return []byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\nsecurity:\n  - bearer: []\n" +
		"components:\n  securitySchemes:\n    bearer: {type: http, scheme: bearer}\npaths:\n" + paths)
}

// TestStaticTokenSkipsOperationsNotDenied: a secured operation answering 404
// to everyone is not "refusing anonymous requests": no garbage token is
// sent to it, and the static tokens go to the one that does refuse.
func TestStaticTokenSkipsOperationsNotDenied(t *testing.T) {
	t.Parallel()
	var toGone atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/gone":
			if r.Header.Get("Authorization") != "" {
				toGone.Add(1)
			}
			http.NotFound(w, r)
		case "/private":
			if r.Header.Get("Authorization") != "Bearer changeme" {
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"ok":true}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	r := scanT(t, Options{Target: srv.URL, OpenAPI: specYAML(
		"  /gone:\n    get:\n      responses: {'200': {description: x}}\n" +
			"  /private:\n    get:\n      responses: {'200': {description: x}}\n")})
	expectRule(t, r, "authn-static-token")
	if n := toGone.Load(); n != 0 {
		t.Errorf("%d requests with credentials to an operation that answers 404 to anonymous requests", n)
	}
}
