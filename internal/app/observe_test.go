package app

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/oauth"
	"github.com/rampart-sec/rampart/internal/store"
)

// setupIdentities creates role reader (data:read), user alice with
// password pw and role reader, bob without roles, and an API key for each.
func setupIdentities(t *testing.T, a *App, pw string) (aliceKey, bobKey string) {
	t.Helper()
	ctx := context.Background()
	if _, err := a.Identity.CreateRole(ctx, "reader", "", []string{"data:read"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Identity.CreateUser(ctx, "alice", pw, []string{"reader"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Identity.CreateUser(ctx, "bob", pw, nil); err != nil {
		t.Fatal(err)
	}
	k1, err := a.Identity.CreateAPIKey(ctx, "alice", "k", []string{"data:read"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := a.Identity.CreateAPIKey(ctx, "bob", "k", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return k1.Key, k2.Key
}

var ecsRequired = []string{"@timestamp", "ecs.version", "event.kind", "event.category", "event.type", "event.outcome",
	"event.duration", "http.request.method", "url.path", "http.response.status_code", "http.response.body.bytes",
	"client.ip", "rampart.route", "message"}

func TestAccessLogIsECS(t *testing.T) {
	r := newRig(t, "", nil)
	aliceKey, _ := setupIdentities(t, r.app, "correct horse battery staple")
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	if code, body := r.do(t, "GET", "/api/data?page=2&access_token=QueryT0ken-SECRET", nil, map[string]string{
		"Authorization": "Bearer " + aliceKey, "Traceparent": "00-" + traceID + "-00f067aa0ba902b7-01", "User-Agent": "ecs-test/1"}); code != 200 {
		t.Fatalf("guarded request: %d %s", code, body)
	}
	r.do(t, "GET", "/api/data", nil, nil)              // 401, no credential
	r.do(t, "GET", "/nowhere", nil, nil)               // 404, no route
	r.do(t, "GET", "/.well-known/jwks.json", nil, nil) // rampart's own endpoint

	lines := r.accessLines(t)
	if len(lines) != 4 {
		t.Fatalf("want 4 access-log lines, got %d:\n%s", len(lines), r.accessText())
	}
	for i, l := range lines {
		for _, k := range ecsRequired {
			if _, ok := l[k]; !ok {
				t.Errorf("line %d lacks %s: %v", i, k, l)
			}
		}
		if _, err := time.Parse(time.RFC3339Nano, l["@timestamp"].(string)); err != nil {
			t.Errorf("line %d: @timestamp: %v", i, err)
		}
		if d, _ := l["event.duration"].(float64); d <= 0 {
			t.Errorf("line %d: event.duration = %v", i, l["event.duration"])
		}
		if l["client.ip"] != "127.0.0.1" {
			t.Errorf("line %d: client.ip = %v", i, l["client.ip"])
		}
	}
	want := map[string]any{
		"http.request.method": "GET", "url.path": "/api/data", "http.response.status_code": 200.0, "event.outcome": "success",
		"rampart.route": "data", "rampart.auth.method": "api_key", "rampart.auth.outcome": "success", "user.name": "alice",
		"rampart.authz.decision": "allow", "rampart.upstream.status_code": 200.0, "trace.id": traceID, "span.id": "00f067aa0ba902b7",
		"user_agent.original": "ecs-test/1", "url.query": "page=2&access_token=[REDACTED]", "http.response.body.bytes": 13.0,
	}
	for k, v := range want {
		if lines[0][k] != v {
			t.Errorf("guarded request: %s = %v, want %v", k, lines[0][k], v)
		}
	}
	if id, _ := lines[0]["http.request.id"].(string); id == "" {
		t.Error("guarded request: no http.request.id")
	}
	if d, _ := lines[0]["rampart.upstream.duration"].(float64); d <= 0 {
		t.Errorf("guarded request: rampart.upstream.duration = %v", lines[0]["rampart.upstream.duration"])
	}
	for i, w := range []map[string]any{
		{"http.response.status_code": 401.0, "rampart.route": "data", "rampart.auth.outcome": "missing", "event.outcome": "failure"},
		{"http.response.status_code": 404.0, "rampart.route": "unmatched"},
		{"http.response.status_code": 200.0, "rampart.route": "GET /.well-known/jwks.json"},
	} {
		for k, v := range w {
			if lines[i+1][k] != v {
				t.Errorf("line %d: %s = %v, want %v", i+1, k, lines[i+1][k], v)
			}
		}
	}
	// rampart's own log stays apart, on the logger's writer.
	if strings.Contains(r.log.String(), `"message":"access"`) {
		t.Error("access lines leaked into rampart's own log")
	}
}

func TestAccessLogOff(t *testing.T) {
	r := newRig(t, "", func(a *App) { a.Config.Logging.AccessLog = "off" })
	r.do(t, "GET", "/open", nil, nil)
	if s := r.accessText(); s != "" {
		t.Fatalf("access log is off but got %q", s)
	}
}

func TestMetricsAfterTraffic(t *testing.T) {
	r := newRig(t, "", nil)
	const pw = "correct horse battery staple"
	aliceKey, bobKey := setupIdentities(t, r.app, pw)
	for range 3 {
		r.do(t, "GET", "/api/data", nil, map[string]string{"Authorization": "Bearer " + aliceKey})
	}
	r.do(t, "GET", "/api/data", nil, map[string]string{"Authorization": "Bearer " + bobKey})                  // 403
	r.do(t, "GET", "/api/data", nil, map[string]string{"Authorization": "Bearer rk_notakey0123456789abcdef"}) // 401
	r.do(t, "GET", "/dead", nil, map[string]string{"Authorization": "Bearer " + aliceKey})                    // 502
	for range 3 {
		r.do(t, "GET", "/limited", nil, nil) // 2 admitted, 1 limited
	}
	r.do(t, "POST", "/auth/login", strings.NewReader(`{"username":"alice","password":"wrong"}`), map[string]string{"Content-Type": "application/json"})
	if code, body := r.do(t, "POST", "/auth/login", strings.NewReader(`{"username":"alice","password":"`+pw+`"}`), map[string]string{"Content-Type": "application/json"}); code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}

	fams := r.scrape(t)
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"rampart_http_requests_total", map[string]string{"route": "data", "method": "GET", "code": "200"}, 3},
		{"rampart_http_requests_total", map[string]string{"route": "data", "method": "GET", "code": "403"}, 1},
		{"rampart_http_requests_total", map[string]string{"route": "dead", "method": "GET", "code": "502"}, 1},
		{"rampart_http_requests_total", map[string]string{"route": "POST /auth/login", "method": "POST", "code": "401"}, 1},
		{"rampart_http_request_duration_seconds", map[string]string{"route": "data", "method": "GET"}, 5},
		{"rampart_authn_total", map[string]string{"method": "api_key", "outcome": "success"}, 5},
		{"rampart_authn_total", map[string]string{"method": "api_key", "outcome": "failure"}, 1},
		{"rampart_authz_denied_total", map[string]string{"route": "data"}, 1},
		{"rampart_ratelimit_decisions_total", map[string]string{"route": "limited", "policy": "ip", "outcome": "admitted"}, 2},
		{"rampart_ratelimit_decisions_total", map[string]string{"route": "limited", "policy": "ip", "outcome": "limited"}, 1},
		{"rampart_upstream_errors_total", map[string]string{"route": "dead", "kind": "connect"}, 1},
		{"rampart_login_failures_total", nil, 1},
		{"rampart_tokens_issued_total", map[string]string{"grant_type": "login"}, 1},
		{"rampart_database_up", nil, 1},
	}
	for _, c := range checks {
		got, ok := value(fams, c.name, c.labels)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if fams[name] == nil {
			t.Errorf("%s missing from /metrics", name)
		}
	}
	if _, ok := fams["rampart_redis_up"]; ok {
		t.Error("rampart_redis_up present without Redis")
	}
	// Route labels are route names, never raw paths.
	for _, m := range fams["rampart_http_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "route" && strings.HasPrefix(l.GetValue(), "/") {
				t.Errorf("route label is a raw path: %q", l.GetValue())
			}
		}
	}
}

func TestTokenEndpointCountsGrant(t *testing.T) {
	r := newRig(t, "", nil)
	c, secret, err := r.app.Clients.Create(context.Background(), oauth.ClientSpec{Name: "svc", GrantTypes: []string{oauth.GrantClientCredentials}, Scopes: []string{"data:read"}})
	if err != nil {
		t.Fatal(err)
	}
	code, body := r.do(t, "POST", "/oauth2/token", strings.NewReader("grant_type=client_credentials&scope=data:read&client_id="+c.ID+"&client_secret="+secret),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if code != 200 {
		t.Fatalf("token: %d %s", code, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal([]byte(body), &tok)
	if got, _ := value(r.scrape(t), "rampart_tokens_issued_total", map[string]string{"grant_type": "client_credentials"}); got != 1 {
		t.Errorf("rampart_tokens_issued_total{grant_type=client_credentials} = %v, want 1", got)
	}
	if strings.Contains(r.log.String()+r.accessText(), secret) || strings.Contains(r.log.String()+r.accessText(), tok.AccessToken) {
		t.Error("a client secret or token reached a log")
	}
}

// Every response of the main listener carries a request id — rampart's own
// endpoints too — and the audit event of a refused login records the id
// the client was given, never a hostile one the client sent.
func TestRequestIDOnOwnEndpointsAndAudit(t *testing.T) {
	r := newRig(t, "", nil)
	ctx := context.Background()
	for _, tc := range []struct{ method, path, sent string }{
		{"GET", "/.well-known/jwks.json", ""},
		{"GET", "/nowhere", ""},
		{"POST", "/auth/login", "<script>alert(1)</script>"},
		{"GET", "/healthz", "plain-id-1"},
	} {
		req, _ := http.NewRequest(tc.method, r.main.URL+tc.path, nil)
		if tc.sent != "" {
			req.Header.Set("X-Request-Id", tc.sent)
		}
		if tc.path == "/auth/login" {
			req.SetBasicAuth("nobody", "wrong password")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		id := resp.Header.Get("X-Request-Id")
		switch {
		case id == "":
			t.Errorf("%s %s: no X-Request-Id", tc.method, tc.path)
		case tc.sent == "plain-id-1" && id != tc.sent:
			t.Errorf("%s %s: a plain client id %q was replaced by %q", tc.method, tc.path, tc.sent, id)
		case strings.Contains(id, "<"):
			t.Errorf("%s %s: hostile id echoed: %q", tc.method, tc.path, id)
		}
		if tc.path != "/auth/login" {
			continue
		}
		es, err := r.app.Audit.Events(ctx, store.AuditQuery{Types: []string{string(audit.LoginFailure)}})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].RequestID != id {
			t.Fatalf("login.failure events %+v, want one with request id %q", es, id)
		}
	}
}
