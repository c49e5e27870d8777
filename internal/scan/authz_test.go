package scan

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestFunctionLevelSkipsPublicAdmin: an admin operation the description
// makes public, answering 200 to everyone, is no function-level flaw.
func TestFunctionLevelSkipsPublicAdmin(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/admin/status" {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"status":"up"}`))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	r := scanT(t, Options{Target: srv.URL, Auth: "Bearer alice-token-0123", Auth2: "Bearer bob-token-0123", OpenAPI: specYAML(
		"  /admin/status:\n    get:\n      security: []\n      responses: {'200': {description: x}}\n")})
	expectNoRule(t, r, "authz-function-level")
}
