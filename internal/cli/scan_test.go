package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/app"
	"github.com/rampart-sec/rampart/internal/config"
	"github.com/rampart-sec/rampart/internal/scan"
)

// rampartSpec describes what a default rampart serves: the demo route, the
// health endpoints, login and the authorization server's public endpoints.
const rampartSpec = `openapi: 3.0.3
info: {title: rampart default install, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
paths:
  /api/data:
    get:
      security: [{bearer: []}]
      responses: {"200": {description: demo data}}
  /userinfo:
    get:
      security: [{bearer: []}]
      responses: {"200": {description: claims}}
  /healthz:
    get: {security: [], responses: {"200": {description: ok}}}
  /readyz:
    get: {security: [], responses: {"200": {description: ready}}}
  /.well-known/openid-configuration:
    get: {security: [], responses: {"200": {description: discovery}}}
  /.well-known/jwks.json:
    get: {security: [], responses: {"200": {description: keys}}}
  /auth/login:
    post:
      security: []
      requestBody:
        content:
          application/json:
            example: {username: nobody, password: wrong-password}
      responses: {"200": {description: tokens}}
`

// startRampart runs rampart in process with its default configuration (the
// built-in demo route, as `rampart serve` without a config file) and
// returns its URL.
func startRampart(t *testing.T) string {
	t.Helper()
	isolate(t)
	cfg, err := config.Load("", os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Server.Listen, cfg.Server.AdminListen = "127.0.0.1:0", ""
	cfg.Logging.AccessLog = "off" // not into the test's output
	cfg.Authenticators, cfg.Routes = config.DemoRoutes()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, func(ad net.Addr) { addr <- ad }, nil) }()
	t.Cleanup(func() {
		cancel()
		<-done
		a.Close()
	})
	select {
	case ad := <-addr:
		return "http://" + ad.String()
	case err := <-done:
		t.Fatalf("rampart did not start: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("rampart did not start")
	}
	return ""
}

// login returns an access token for a new user of the running rampart.
func login(t *testing.T, base, user string) string {
	t.Helper()
	must(t, pw+"\n", "user", "add", user, "--password-stdin")
	req, _ := http.NewRequest(http.MethodPost, base+"/auth/login", strings.NewReader(`{"username":"`+user+`","password":"`+pw+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &body); err != nil || body.AccessToken == "" {
		t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
	return body.AccessToken
}

// TestScanRampartItself: a default rampart, scanned with a real token of
// its own, has no medium or high finding.
func TestScanRampartItself(t *testing.T) {
	base := startRampart(t)
	tok := login(t, base, "alice")
	spec := filepath.Join(t.TempDir(), "rampart.yaml")
	if err := os.WriteFile(spec, []byte(rampartSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "report.json")
	r := run(t, "", "scan", base, "--openapi", spec, "--auth", "Bearer "+tok, "--format", "json", "--out", out, "--rate", "500", "--fail-on", "medium")
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("exit %d, no report: %v\n%s", r.code, err, r.err)
	}
	var rep scan.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		t.Logf("%s %s at %s: %s", f.Severity, f.ID, f.Location, f.Detail)
		// Not even a low one: rampart's own endpoints (token, JWKS, discovery,
		// userinfo, health) carry the same headers as the routes it guards.
		if f.Severity >= scan.SeverityLow {
			t.Errorf("rampart itself: %s finding %s at %s: %s\n%s\n%s", f.Severity, f.ID, f.Location, f.Detail, f.Evidence.Request, f.Evidence.Response)
		}
	}
	if r.code != 0 {
		t.Errorf("exit %d, want 0\n%s", r.code, r.err)
	}
	if rep.Requests.ByCheck["authn"] < 4 || rep.Requests.ByCheck["ratelimit"] == 0 {
		t.Errorf("checks did not run against rampart: %v (notes %v)", rep.Requests.ByCheck, rep.Notes)
	}
}

// TestScanCLI: exit codes, formats and the messages for bad input.
func TestScanCLI(t *testing.T) {
	vulnerable := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "Werkzeug/3.0.1 Python/3.12.3")
		if r.Method == "TRACE" {
			w.Write([]byte("TRACE / HTTP/1.1"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data": "This is secure data"}`))
	}))
	defer vulnerable.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("openapi: 3.0.0\npaths: [not, a, map"), 0o600)

	t.Run("findings at or above --fail-on exit 1", func(t *testing.T) {
		r := fails(t, 1, "", []string{"scan", vulnerable.URL, "--rate", "500", "--max-requests", "150"}, "at or above medium")
		if !strings.Contains(r.out, "methods-trace") || !strings.Contains(r.err, "rampart scan plan") {
			t.Fatalf("stdout:\n%s\nstderr:\n%s", r.out, r.err)
		}
	})
	t.Run("below --fail-on exits 0", func(t *testing.T) {
		must(t, "", "scan", vulnerable.URL, "--rate", "500", "--max-requests", "150", "--fail-on", "high")
	})
	for _, format := range []string{"json", "sarif", "html"} {
		t.Run("format "+format, func(t *testing.T) {
			out := must(t, "", "scan", vulnerable.URL, "--rate", "500", "--max-requests", "150", "--fail-on", "high", "--format", format)
			if format != "html" && !json.Valid([]byte(out)) {
				t.Fatalf("%s output is not JSON:\n%s", format, out)
			}
			if format == "html" && !strings.HasPrefix(out, "<!doctype html>") {
				t.Fatalf("html output:\n%.200s", out)
			}
		})
	}
	cases := []struct {
		name string
		args []string
		msg  string
	}{
		{"no url", []string{"scan"}, "expected 1 argument"},
		{"bad format", []string{"scan", vulnerable.URL, "--format", "xml"}, "--format"},
		{"bad fail-on", []string{"scan", vulnerable.URL, "--fail-on", "critical"}, "--fail-on"},
		{"bad header", []string{"scan", vulnerable.URL, "--header", "nocolon"}, "--header"},
		{"bad rate", []string{"scan", vulnerable.URL, "--rate", "0"}, "--rate"},
		{"unknown flag", []string{"scan", vulnerable.URL, "--bogus"}, "bogus"},
		{"bad scheme", []string{"scan", "ftp://example.com"}, "scheme"},
		{"unreachable", []string{"scan", deadURL}, "target unreachable: " + deadURL},
		{"missing spec", []string{"scan", vulnerable.URL, "--openapi", filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
		{"malformed spec", []string{"scan", vulnerable.URL, "--openapi", bad}, "bad.yaml"},
		{"spec url 404", []string{"scan", vulnerable.URL, "--openapi", deadURL + "/openapi.json"}, deadURL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fails(t, 2, "", tc.args, tc.msg)
		})
	}
	t.Run("a failed scan keeps the previous --out report", func(t *testing.T) {
		prev := filepath.Join(dir, "report.json")
		if err := os.WriteFile(prev, []byte("previous report\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		fails(t, 2, "", []string{"scan", deadURL, "--format", "json", "--out", prev}, "target unreachable")
		if b, err := os.ReadFile(prev); err != nil || string(b) != "previous report\n" {
			t.Fatalf("--out file after a failed scan: %q, %v", b, err)
		}
		must(t, "", "scan", vulnerable.URL, "--rate", "500", "--max-requests", "150", "--fail-on", "high", "--format", "json", "--out", prev)
		if b, err := os.ReadFile(prev); err != nil || !json.Valid(b) {
			t.Fatalf("--out file after a scan: %.200q, %v", b, err)
		}
		fails(t, 2, "", []string{"scan", vulnerable.URL, "--rate", "500", "--max-requests", "150", "--fail-on", "high", "--out", filepath.Join(dir, "no", "such", "dir", "r.txt")}, "--out")
	})
	t.Run("malformed spec is ErrBadSpec", func(t *testing.T) {
		_, err := scan.Run(context.Background(), scan.Options{Target: vulnerable.URL, OpenAPI: []byte("{"), OpenAPISource: "x"})
		if !errors.Is(err, scan.ErrBadSpec) {
			t.Fatal(err)
		}
	})
}
