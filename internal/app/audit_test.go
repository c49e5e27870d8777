package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/app"
	"github.com/rampart-sec/rampart/internal/config"
	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/telemetry"
)

// The gateway's refusals reach the audit trail before the answer: a 403
// from the policy and a 429 from a rate limit, with the API key's owner and
// never the key.
func TestGatewayRefusalsAreAudited(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer up.Close()
	yaml := `version: 1
storage: {data_dir: ` + dir + `}
authenticators:
  keys: {type: api_key}
routes:
  - name: admin
    match: {path: /admin}
    upstream: ` + up.URL + `
    authenticate: [keys]
    authorize: {scopes: [admin]}
  - name: limited
    match: {path: /limited}
    upstream: ` + up.URL + `
    public: true
    rate_limits: [{key: ip, rate: 1/m}]
`
	path := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Identity.CreateUser(ctx, "alice", "", nil); err != nil {
		t.Fatal(err)
	}
	key, err := a.Identity.CreateAPIKey(ctx, "alice", "ci", []string{"data:read"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	g, err := a.GatewayFor(nil, cfg.Authenticators, cfg.Routes)
	if err != nil {
		t.Fatal(err)
	}
	// As in production (App.Handler), the gateway runs behind the
	// telemetry middleware, whose record carries the request id to the trail.
	h := telemetry.Middleware(telemetry.MiddlewareOptions{}, func(*http.Request) string { return "" })(g)
	do := func(p string) int {
		req := httptest.NewRequest("GET", p, nil)
		req.Header.Set("Authorization", "Bearer "+key.Key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := do("/admin"); code != 403 {
		t.Fatalf("/admin = %d", code)
	}
	do("/limited")
	if code := do("/limited"); code != 429 {
		t.Fatalf("/limited twice = %d", code)
	}
	es, err := a.Audit.Events(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Type != audit.AuthzDenied || es[1].Type != audit.RateLimited {
		t.Fatalf("events = %+v", es)
	}
	d := es[0]
	if d.Subject != "alice" || d.Details["api_key_id"] != key.Meta.ID || d.Details["url.path"] != "/admin" || !strings.Contains(d.Details["reason"], "admin") || d.RequestID == "" {
		t.Fatalf("denied event = %+v", d)
	}
	if es[1].Details["policy"] == "" || es[1].Outcome != audit.Failure {
		t.Fatalf("limited event = %+v", es[1])
	}
	for _, e := range es {
		if strings.Contains(e.Subject+e.Actor+strings.Join(mapValues(e.Details), " "), key.Key[len(key.Key)-20:]) {
			t.Fatal("the API key is in the audit trail")
		}
	}
	// A flood that keeps being refused is recorded once a minute, not once
	// per request: refusing it must not cost a database write each time.
	for i := range 50 {
		if code := do("/limited"); code != 429 {
			t.Fatalf("flood request %d = %d", i, code)
		}
	}
	limited, err := a.Audit.Events(ctx, store.AuditQuery{Types: []string{string(audit.RateLimited)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(limited) != 1 {
		t.Fatalf("%d ratelimit.limited events after 51 refusals in a minute, want 1", len(limited))
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
