package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestGatewayGuardsAnUpstream puts the real binary in front of an upstream
// that behaves like the tutorial's Flask app (banners and all) and checks the
// request path end to end.
func TestGatewayGuardsAnUpstream(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "Werkzeug/3.0 Python/3.11")
		w.Header().Set("X-Powered-By", "Flask")
		w.Header().Set("Content-Type", "application/json")
		body, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "subject": r.Header.Get("X-Rampart-Subject"),
			"username": r.Header.Get("X-Rampart-Username"), "method": r.Header.Get("X-Rampart-Auth-Method"), "body": len(body)})
	}))
	defer upstream.Close()

	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := fmt.Sprintf(`version: 1
issuer: {url: "http://%s"}
authenticators:
  own_jwt: {type: jwt}
  keys: {type: api_key, header: X-API-Key}
  users: {type: basic}
routes:
  - name: data
    match: {path: /api/data}
    upstream: %s
    authenticate: [own_jwt, keys]
    authorize: {scopes: [data:read]}
    max_body_bytes: 1024
  - name: admin
    match: {path_prefix: /api/admin/}
    upstream: %s
    authenticate: [own_jwt, users]
    authorize: {cel: "'admin' in identity.roles && request.method in ['GET', 'POST']"}
  - name: public
    match: {path_prefix: /public/}
    upstream: %s
    public: true
    headers: {frame_options: SAMEORIGIN}
    cors: {origins: [https://app.example.com], credentials: true, methods: [GET, POST], max_age: 10m}
`, addr, upstream.URL, upstream.URL, upstream.URL)
	cfgFile := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"RAMPART_CONFIG=" + cfgFile}
	run := func(stdin string, args ...string) string {
		t.Helper()
		c := command(t, dir, env, args...)
		c.Stdin = strings.NewReader(stdin)
		out, err := c.Output()
		if err != nil {
			t.Fatalf("rampart %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
	run("", "role", "create", "analyst", "--permission", "data:read")
	run("correct horse battery staple", "user", "add", "alice", "--role", "analyst", "--password-stdin")
	run("root password is long", "user", "add", "root", "--role", "admin", "--password-stdin")
	key := strings.TrimSpace(run("", "apikey", "create", "--user", "alice", "--scope", "data:read"))
	noScopeKey := strings.TrimSpace(run("", "apikey", "create", "--user", "alice"))
	s := startServe(t, dir, env, "--listen", addr)

	req := func(method, path string, hdr map[string]string, body string) (*http.Response, map[string]any) {
		t.Helper()
		r, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp, m
	}
	login, _ := http.NewRequest("POST", s.url+"/auth/login", nil)
	login.SetBasicAuth("alice", "correct horse battery staple")
	lr, err := http.DefaultClient.Do(login)
	if err != nil || lr.StatusCode != 200 {
		t.Fatalf("login: %v %v", lr, err)
	}
	var tok map[string]any
	json.NewDecoder(lr.Body).Decode(&tok)
	lr.Body.Close()
	bearer := "Bearer " + tok["access_token"].(string)

	cases := []struct {
		name    string
		method  string
		path    string
		hdr     map[string]string
		body    string
		status  int
		method2 string // auth method the upstream saw
	}{
		{"unmatched path is 404", "GET", "/nope", nil, "", 404, ""},
		{"no credential", "GET", "/api/data", nil, "", 401, ""},
		{"jwt", "GET", "/api/data", map[string]string{"Authorization": bearer, "X-Rampart-Subject": "root"}, "", 200, "jwt"},
		{"api key", "GET", "/api/data", map[string]string{"Authorization": "Bearer " + key}, "", 200, "api_key"},
		{"api key header", "GET", "/api/data", map[string]string{"X-API-Key": key}, "", 200, "api_key"},
		{"api key without the scope", "GET", "/api/data", map[string]string{"Authorization": "Bearer " + noScopeKey}, "", 403, ""},
		{"garbage bearer", "GET", "/api/data", map[string]string{"Authorization": "Bearer a.b.c"}, "", 401, ""},
		{"body over the route's limit", "POST", "/api/data", map[string]string{"Authorization": bearer}, strings.Repeat("x", 2048), 413, ""},
		{"cel denies the analyst", "GET", "/api/admin/users", map[string]string{"Authorization": bearer}, "", 403, ""},
		{"basic as admin", "GET", "/api/admin/users", map[string]string{"Authorization": "Basic " + basic("root", "root password is long")}, "", 200, "basic"},
		{"basic with a wrong password", "GET", "/api/admin/users", map[string]string{"Authorization": "Basic " + basic("root", "nope")}, "", 401, ""},
		{"cel denies DELETE", "DELETE", "/api/admin/users", map[string]string{"Authorization": "Basic " + basic("root", "root password is long")}, "", 403, ""},
		{"public route", "GET", "/public/info", map[string]string{"X-Rampart-Subject": "root"}, "", 200, ""},
	}
	// CORS: a preflight from the allowed origin is answered by rampart; others get nothing.
	for origin, allowed := range map[string]bool{"https://app.example.com": true, "https://evil.example.com": false, "null": false} {
		r, _ := http.NewRequest("OPTIONS", s.url+"/public/info", nil)
		r.Header.Set("Origin", origin)
		r.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		acao := resp.Header.Get("Access-Control-Allow-Origin")
		if allowed && (resp.StatusCode != 204 || acao != origin || resp.Header.Get("Access-Control-Allow-Credentials") != "true") {
			t.Errorf("preflight from %s: %d ACAO %q", origin, resp.StatusCode, acao)
		}
		if !allowed && acao != "" {
			t.Errorf("preflight from %s reflected: %q", origin, acao)
		}
	}
	if resp, _ := req("GET", "/public/x", map[string]string{"Origin": "https://app.example.com"}, ""); resp.Header.Get("X-Frame-Options") != "SAMEORIGIN" ||
		resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("route header override or CORS missing: %v", resp.Header)
	}
	// Path confusion: a public prefix must not reach the admin route.
	for target, want := range map[string]string{
		"/public/..%2Fapi/admin/users":   "HTTP/1.1 400 Bad Request",
		"/public/x%5c..%5capi":           "HTTP/1.1 400 Bad Request",
		"/public/%2e%2e/api/admin/users": "HTTP/1.1 400 Bad Request",
		// Go's ServeMux redirects a literal ".." to the clean path, which then needs credentials.
		"/public/../api/admin/users": "HTTP/1.1 307 Temporary Redirect",
	} {
		if got := raw(t, s.url, target); got != want {
			t.Errorf("GET %s: %q, want %q", target, got, want)
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := req(tc.method, tc.path, tc.hdr, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %v", resp.StatusCode, tc.status, body)
			}
			if tc.status == 200 {
				if body["method"] != tc.method2 {
					t.Fatalf("upstream saw auth method %v, want %q (%v)", body["method"], tc.method2, body)
				}
				if tc.method2 == "" && body["subject"] != "" {
					t.Fatalf("a spoofed identity reached the upstream: %v", body)
				}
				if tc.method2 == "jwt" && body["username"] != "alice" {
					t.Fatalf("upstream saw %v", body)
				}
			} else if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("refusal Content-Type %q", ct)
			}
			if tc.status == 401 && resp.Header.Get("Www-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
			if resp.Header.Get("Server") != "" || resp.Header.Get("X-Powered-By") != "" {
				t.Fatalf("banners leaked: %v", resp.Header)
			}
			if tc.status != 400 && (!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") || resp.Header.Get("X-Content-Type-Options") != "nosniff") {
				t.Fatalf("security headers missing: %v", resp.Header)
			}
			if resp.Header.Get("X-Request-Id") == "" && tc.status != 400 {
				t.Fatal("no request id")
			}
		})
	}
}

// raw sends a request line exactly as given (Go's client would clean it).
func raw(t *testing.T, base, target string) string {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", target)
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

func basic(u, p string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(u, p)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// With no configuration at all, `rampart serve` guards the tutorial's
// GET /api/data: the README's first minute.
func TestDemoRouteWithoutConfig(t *testing.T) {
	dir := t.TempDir()
	add := command(t, dir, nil, "user", "add", "alice", "--password-stdin")
	add.Stdin = strings.NewReader("correct horse battery staple")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	keyOut, err := command(t, dir, nil, "apikey", "create", "--user", "alice").Output()
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	s := startServe(t, dir, []string{"RAMPART_ISSUER_URL=http://" + addr}, "--listen", addr)
	if !strings.Contains(s.stderr.String(), "built-in demo route") {
		t.Fatalf("serve does not say it runs the demo:\n%s", s.stderr)
	}
	login, _ := http.NewRequest("POST", s.url+"/auth/login", nil)
	login.SetBasicAuth("alice", "correct horse battery staple")
	resp, err := http.DefaultClient.Do(login)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %v %v", resp, err)
	}
	var tok map[string]any
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	for name, auth := range map[string]string{
		"jwt":     "Bearer " + tok["access_token"].(string),
		"api key": "Bearer " + strings.TrimSpace(string(keyOut)),
		"none":    "",
	} {
		r, _ := http.NewRequest("GET", s.url+"/api/data", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		want := 200
		if auth == "" {
			want = 401
		}
		if resp.StatusCode != want || (want == 200 && (body["data"] != "This is secure data" || body["username"] != "alice")) {
			t.Fatalf("%s: %d %v", name, resp.StatusCode, body)
		}
	}
}

// SIGHUP swaps in a new configuration atomically; a bad one is rejected and
// the running configuration keeps serving.
func TestReloadOnSIGHUP(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer upstream.Close()
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "rampart.yaml")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(cfgFile, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	route := func(path string) string {
		return fmt.Sprintf("version: 1\nroutes:\n  - {name: r, match: {path: %s}, upstream: %q, public: true}\n", path, upstream.URL)
	}
	write(route("/one"))
	s := startServe(t, dir, []string{"RAMPART_CONFIG=" + cfgFile})
	status := func(path string) int {
		t.Helper()
		code, _ := get(t, s.url+path)
		return code
	}
	if status("/one") != 200 || status("/two") != 404 {
		t.Fatal("initial routes wrong")
	}
	hup := func() {
		t.Helper()
		if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	waitFor := func(cond func() bool, what string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s\n%s", what, s.stderr)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	write(route("/two"))
	hup()
	waitFor(func() bool { return status("/two") == 200 && status("/one") == 404 }, "the new route")
	// A bad file: rejected, and /two keeps working.
	write("version: 1\nroutes:\n  - {name: r, match: {path: /three}, upstream: \"ftp://x\", public: true}\n")
	hup()
	waitFor(func() bool { return strings.Contains(s.stderr.String(), "configuration reload rejected") }, "the rejection log line")
	if status("/two") != 200 || status("/three") != 404 {
		t.Fatal("a rejected reload changed the routes")
	}
	if !strings.Contains(s.stderr.String(), `routes[0].upstream`) {
		t.Fatalf("the rejection does not name the problem:\n%s", s.stderr)
	}
}

// A client that sends its headers too slowly (slowloris) is cut off after
// server.read_header_timeout.
func TestSlowHeadersAreCutOff(t *testing.T) {
	s := startServe(t, t.TempDir(), []string{"RAMPART_SERVER_READ_HEADER_TIMEOUT=500ms"})
	c, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 512)
	for {
		// Keep dribbling one byte at a time, as slowloris does, until the server hangs up.
		if _, err := c.Write([]byte("a")); err != nil {
			break
		}
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, err := c.Read(buf)
		if n > 0 || (err != nil && !isTimeoutErr(err)) {
			break
		}
		if time.Since(start) > 8*time.Second {
			t.Fatal("the server kept a slow-header connection open for 8s")
		}
	}
	if d := time.Since(start); d < 400*time.Millisecond || d > 5*time.Second {
		t.Fatalf("connection ended after %v, want about 500ms", d)
	}
}

func isTimeoutErr(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// SIGTERM drains: a request in flight when the signal arrives still gets its answer.
func TestGracefulShutdownDrainsInFlight(t *testing.T) {
	release := make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		fmt.Fprint(w, `{"slow":true}`)
	}))
	defer upstream.Close()
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "rampart.yaml")
	os.WriteFile(cfgFile, []byte(fmt.Sprintf("version: 1\nroutes:\n  - {name: slow, match: {path: /slow}, upstream: %q, public: true}\n", upstream.URL)), 0o600)
	s := startServe(t, dir, []string{"RAMPART_CONFIG=" + cfgFile})
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Get(s.url + "/slow")
		if err != nil {
			done <- result{0, err}
			return
		}
		resp.Body.Close()
		done <- result{resp.StatusCode, nil}
	}()
	time.Sleep(300 * time.Millisecond) // the request is now waiting on the upstream
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	// While draining, readiness says so (the admin listener stays up until
	// the drain ends), so a load balancer stops sending new requests.
	if code, body := get(t, s.adminURL(t)+"/readyz"); code != 503 || !strings.Contains(body, `"draining"`) {
		t.Fatalf("admin /readyz while draining = %d %s, want 503 draining", code, body)
	}
	close(release)
	select {
	case r := <-done:
		if r.err != nil || r.code != 200 {
			t.Fatalf("in-flight request during shutdown: %d %v", r.code, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("in-flight request never finished")
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("exit after draining: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("rampart did not exit after draining")
	}
}
