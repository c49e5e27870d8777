package scan

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestBannerHeaders: every header secheaders strips as a banner is
// reported; a Server header without a version is not.
func TestBannerHeaders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header, value string
		want          bool
	}{
		{"X-Runtime", "Ruby/3.2", true},
		{"X-Version", "2.4.1", true},
		{"X-Aspnet-Version", "4.0.30319", true},
		{"X-Powered-By", "Express", true},
		{"Server", "nginx/1.25.3", true},
		{"Server", "nginx", false},
	} {
		t.Run(tc.header+" "+tc.value, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set(tc.header, tc.value)
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{}`))
			}))
			t.Cleanup(srv.Close)
			r := scanT(t, Options{Target: srv.URL, OpenAPI: specYAML("  /status:\n    get:\n      security: []\n      responses: {'200': {description: x}}\n")})
			fs := byRule(r, "headers-version-banner")
			if got := len(fs) > 0; got != tc.want {
				t.Fatalf("banner finding: %v, want %v (%s)", got, tc.want, ruleIDs(r))
			}
			if tc.want && !strings.Contains(fs[0].Detail, tc.header+": "+tc.value) {
				t.Errorf("detail %q does not name %s", fs[0].Detail, tc.header)
			}
		})
	}
}
