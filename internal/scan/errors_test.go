package scan

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestLeakPathsAfterFailedProbe: a malformed-value probe that times out
// does not end the errors check before the leak paths are tried.
func TestLeakPathsAfterFailedProbe(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.Contains(r.URL.Path, "rampart-scan-"):
			select { // hang until the scanner gives up
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case r.URL.Path == "/.env":
			w.Write([]byte("DB_PASSWORD=hunter2\nAPI_KEY=abc\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	r := scanT(t, Options{Target: srv.URL, Timeout: 300 * time.Millisecond, OpenAPI: specYAML(
		"  /items/{id}:\n    get:\n      security: []\n      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]\n      responses: {'200': {description: x}}\n")})
	expectRule(t, r, "errors-exposed-path")
}

// TestLeakPathRules: every leak path names a rule of the errors check and a
// severity of at least medium, so a hit needs no adjustment.
func TestLeakPathRules(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{}
	for _, r := range (errorsCheck{}).Rules() {
		ids[r.ID] = true
	}
	for _, lp := range leakPaths() {
		if !ids[lp.rule.ID] {
			t.Errorf("%s: rule %q is not an errors rule", lp.path, lp.rule.ID)
		}
		if lp.sev < SeverityMedium {
			t.Errorf("%s: severity %v below medium", lp.path, lp.sev)
		}
	}
}
