package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/testenv"
)

// clusterConfig guards /api/data with rampart tokens and API keys and limits
// each API key to 100 per hour with a burst of 100.
func clusterConfig(t *testing.T, dir string) string {
	t.Helper()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":"This is secure data"}`)
	}))
	t.Cleanup(upstream.Close)
	file := filepath.Join(dir, "rampart.yaml")
	os.WriteFile(file, []byte(fmt.Sprintf(`version: 1
authenticators:
  own_jwt: {type: jwt}
  keys: {type: api_key}
routes:
  - name: data
    match: {path: /api/data, methods: [GET]}
    upstream: %s
    authenticate: [own_jwt, keys]
    authorize: {scopes: [data:read]}
    rate_limits:
      - {key: api_key, rate: 100/h, burst: 100}
`, upstream.URL)), 0o600)
	return file
}

// cli runs a rampart command with env and returns its stdout.
func cli(t *testing.T, dir string, env []string, stdin string, args ...string) string {
	t.Helper()
	cmd := command(t, dir, env, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(interface{ Stderr() []byte }); ok {
			msg = string(ee.Stderr())
		}
		t.Fatalf("rampart %s: %v\n%s%s", strings.Join(args, " "), err, out, msg)
	}
	return strings.TrimSpace(string(out))
}

// burst sends n concurrent GET /api/data with authorization, spread round
// robin over urls, and counts the answers by status.
func burst(t *testing.T, urls []string, authorization string, n int) map[int]int {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", urls[i%len(urls)]+"/api/data", nil)
			req.Header.Set("Authorization", authorization)
			<-start
			resp, err := client.Do(req)
			code := 0
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				code = resp.StatusCode
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return codes
}

func status(t *testing.T, url, authorization string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/api/data", nil)
	req.Header.Set("Authorization", authorization)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// refusedEverywhereWithin polls every node until each answers 401 for
// authorization, and fails unless all do within limit.
func refusedEverywhereWithin(t *testing.T, urls []string, authorization string, limit time.Duration, what string) time.Duration {
	t.Helper()
	start := time.Now()
	pending := map[string]bool{}
	for _, u := range urls {
		pending[u] = true
	}
	for len(pending) > 0 {
		for u := range pending {
			if status(t, u, authorization) == 401 {
				delete(pending, u)
			}
		}
		if time.Since(start) > limit {
			t.Fatalf("%s: still accepted after %s by %v", what, limit, pending)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// startNodes starts n rampart processes with env, each with its own data
// dir, and prints their logs if the test fails.
func startNodes(t *testing.T, n int, env []string) ([]string, []*server) {
	t.Helper()
	var urls []string
	var nodes []*server
	for range n {
		s := startServe(t, t.TempDir(), env)
		nodes, urls = append(nodes, s), append(urls, s.url)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i, s := range nodes {
				t.Logf("node %d log:\n%s", i, s.stderr)
			}
		}
	})
	return urls, nodes
}

// Three rampart processes sharing PostgreSQL and Redis act as one: a token
// minted on one verifies on all, a rate limit of 100 per hour holds exactly
// across them under 1,000 concurrent requests, failed logins on different
// nodes lock the same account, and revocations made anywhere (even by the
// CLI, which is not a node) are enforced by every node within one second.
func TestClusterActsAsOne(t *testing.T) {
	pg := testenv.PostgresURL(t)
	redisURL := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, redisURL)
	dir := t.TempDir()
	env := []string{"RAMPART_DATABASE_URL=" + pg, "RAMPART_MASTER_KEY=" + strings.Repeat("ab", 32),
		"RAMPART_REDIS_URL=" + redisURL, "RAMPART_STORAGE_REDIS_PREFIX=" + prefix, "RAMPART_CONFIG=" + clusterConfig(t, dir)}
	cli(t, dir, env, "", "role", "create", "reader", "--permission", "data:read")
	cli(t, dir, env, "correct horse battery staple\n", "user", "add", "alice", "--role", "reader", "--password-stdin")
	cli(t, dir, env, "another horse battery staple\n", "user", "add", "bob", "--role", "reader", "--password-stdin")
	limited := "Bearer " + cli(t, dir, env, "", "apikey", "create", "--user", "alice", "--scope", "data:read")
	revoked := "Bearer " + cli(t, dir, env, "", "apikey", "create", "--user", "bob", "--scope", "data:read")

	urls, _ := startNodes(t, 3, env)

	// A token minted on node 0 verifies on nodes 1 and 2.
	tok := loginToken(t, urls[0], "alice", "correct horse battery staple")
	for _, u := range urls[1:] {
		if code := status(t, u, "Bearer "+tok); code != 200 {
			t.Fatalf("token from node 0 on %s: %d", u, code)
		}
	}

	// Exactly 100 of 1,000 concurrent requests for one key, across all nodes.
	codes := burst(t, urls, limited, 1000)
	if codes[200] != 100 || codes[429] != 900 {
		t.Fatalf("1,000 requests against 100/h burst 100 over 3 nodes: %v, want exactly 100 × 200 and 900 × 429", codes)
	}

	// Failures spread over the nodes lock the one account.
	for i := range 5 {
		loginStatus(t, urls[i%3], "bob", "wrong password")
	}
	for _, u := range urls {
		if code, retry := loginStatus(t, u, "bob", "another horse battery staple"); code != 401 || retry == "" {
			t.Fatalf("bob after 5 failures spread over the nodes, right password on %s: %d Retry-After=%q, want locked", u, code, retry)
		}
	}

	// Revocations reach every node within a second, though each node has
	// the key in its verification cache (5 s) and polls the database every 2 s.
	for _, u := range urls {
		if code := status(t, u, revoked); code != 200 {
			t.Fatalf("bob's key on %s before revocation: %d", u, code)
		}
	}
	id := strings.SplitN(strings.TrimPrefix(revoked, "Bearer rk_"), "_", 2)[0]
	cli(t, dir, env, "", "apikey", "revoke", id)
	took := refusedEverywhereWithin(t, urls, revoked, time.Second, "revoked API key")
	t.Logf("API key revocation enforced on all 3 nodes after %s", took)

	cli(t, dir, env, "", "user", "disable", "alice")
	took = refusedEverywhereWithin(t, urls, "Bearer "+tok, time.Second, "access token of a disabled user")
	t.Logf("disabled user's access token refused on all 3 nodes after %s", took)
}

// Without Redis, one node's in-memory limiter is exact too.
func TestRateLimitMemoryExact(t *testing.T) {
	dir := t.TempDir()
	env := []string{"RAMPART_CONFIG=" + clusterConfig(t, dir)}
	cli(t, dir, env, "", "role", "create", "reader", "--permission", "data:read")
	cli(t, dir, env, "correct horse battery staple\n", "user", "add", "alice", "--role", "reader", "--password-stdin")
	key := "Bearer " + cli(t, dir, env, "", "apikey", "create", "--user", "alice", "--scope", "data:read")
	s := startServe(t, dir, env)
	codes := burst(t, []string{s.url}, key, 1000)
	if codes[200] != 100 || codes[429] != 900 {
		t.Fatalf("1,000 requests against 100/h burst 100 on one node: %v, want exactly 100 × 200 and 900 × 429", codes)
	}
	// The refusal explains itself.
	req, _ := http.NewRequest("GET", s.url+"/api/data", nil)
	req.Header.Set("Authorization", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") ||
		!strings.Contains(resp.Header.Get("RateLimit-Policy"), "q=100") || !strings.Contains(resp.Header.Get("RateLimit"), "r=0") {
		t.Fatalf("429 answer: %d %v %s", resp.StatusCode, resp.Header, body)
	}
}

func loginToken(t *testing.T, base, user, pass string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/auth/login", nil)
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	tok := between(string(b), `"access_token":"`, `"`)
	if resp.StatusCode != 200 || tok == "" {
		t.Fatalf("login %s on %s: %d %s", user, base, resp.StatusCode, b)
	}
	return tok
}

func loginStatus(t *testing.T, base, user, pass string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/auth/login", nil)
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// between returns the text of s between the first before and the next after.
func between(s, before, after string) string {
	_, rest, ok := strings.Cut(s, before)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, after)
	return v
}

// Redis stopped under a running node: the fail_open route keeps serving on
// local limits, the fail_closed route answers 503, the outage is logged once,
// and both recover by themselves when Redis is back.
func TestRedisOutageThroughTheGateway(t *testing.T) {
	rs := testenv.StartRedis(t)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{}`) }))
	defer upstream.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "rampart.yaml")
	os.WriteFile(file, []byte(fmt.Sprintf(`version: 1
routes:
  - name: open
    match: {path: /open}
    upstream: %[1]s
    public: true
    rate_limits: [{key: ip, rate: 1000/m}]
  - name: closed
    match: {path: /closed}
    upstream: %[1]s
    public: true
    rate_limits: [{key: ip, rate: 1000/m}]
    on_limiter_failure: fail_closed
`, upstream.URL)), 0o600)
	s := startServe(t, dir, []string{"RAMPART_CONFIG=" + file, "RAMPART_REDIS_URL=" + rs.URL()})
	code := func(path string) int {
		resp, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if a, b := code("/open"), code("/closed"); a != 200 || b != 200 {
		t.Fatalf("with Redis: open=%d closed=%d", a, b)
	}
	rs.Stop()
	for i := range 10 {
		start := time.Now()
		if a := code("/open"); a != 200 {
			t.Fatalf("fail_open route during the outage (request %d): %d", i, a)
		}
		if b := code("/closed"); b != 503 {
			t.Fatalf("fail_closed route during the outage (request %d): %d", i, b)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("two requests took %s with Redis down", d)
		}
	}
	if n := strings.Count(s.stderr.String(), "redis rate-limit backend unavailable"); n != 1 {
		t.Fatalf("outage logged %d times, want once:\n%s", n, s.stderr)
	}
	rs.Start()
	deadline := time.Now().Add(10 * time.Second)
	for code("/closed") != 200 {
		if time.Now().After(deadline) {
			t.Fatalf("fail_closed route did not recover after Redis came back:\n%s", s.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a := code("/open"); a != 200 {
		t.Fatalf("fail_open route after recovery: %d", a)
	}
	if !strings.Contains(s.stderr.String(), "recovered; using shared limits again") {
		t.Fatalf("no recovery log line:\n%s", s.stderr)
	}
}

// A client that sends X-Forwarded-For straight to rampart cannot choose its
// own IP: a per-IP limit holds however it rotates the header. Behind a
// trusted proxy (here: loopback listed in server.trusted_proxies) the header
// decides, and the upstream is told the decided address.
func TestClientIPFromTrustedProxiesOnly(t *testing.T) {
	seen := make(chan string, 100)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("X-Forwarded-For")
		io.WriteString(w, `{}`)
	}))
	defer upstream.Close()
	for _, tc := range []struct {
		name    string
		trusted string
		want200 int
	}{
		{"untrusted peer", "[]", 3},
		{"trusted proxy", "[127.0.0.1/32, \"::1\"]", 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "rampart.yaml")
			os.WriteFile(file, []byte(fmt.Sprintf(`version: 1
server: {trusted_proxies: %s}
routes:
  - {name: open, match: {path: /open}, upstream: %q, public: true, rate_limits: [{key: ip, rate: 3/h}]}
`, tc.trusted, upstream.URL)), 0o600)
			s := startServe(t, dir, []string{"RAMPART_CONFIG=" + file})
			ok := 0
			for i := range 6 {
				req, _ := http.NewRequest("GET", s.url+"/open", nil)
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode == 200 {
					ok++
					got := <-seen
					want := "127.0.0.1"
					if tc.want200 == 6 {
						want = fmt.Sprintf("203.0.113.%d", i+1)
					}
					if got != want {
						t.Fatalf("upstream saw X-Forwarded-For %q, want %q", got, want)
					}
				}
			}
			if ok != tc.want200 {
				t.Fatalf("%d of 6 requests with rotating X-Forwarded-For admitted, want %d", ok, tc.want200)
			}
		})
	}
}

// Brute force spread over three nodes sharing Redis is detected once, on
// the sum of the failures, and the client IP is then refused by every node,
// including one started after the block.
func TestBruteForceBlockedOnEveryNode(t *testing.T) {
	pg := testenv.PostgresURL(t)
	redisURL := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, redisURL)
	dir := t.TempDir()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer upstream.Close()
	file := filepath.Join(dir, "rampart.yaml")
	os.WriteFile(file, []byte(fmt.Sprintf(`version: 1
detection: {ip_failures: 6, account_failures: 0, auto_block: true, block_for: 1m}
authenticators:
  keys: {type: api_key}
routes:
  - {name: data, match: {path: /api/data}, upstream: %s, authenticate: [keys], authorize: {allow_authenticated: true}}
`, upstream.URL)), 0o600)
	env := []string{"RAMPART_DATABASE_URL=" + pg, "RAMPART_MASTER_KEY=" + strings.Repeat("cd", 32),
		"RAMPART_REDIS_URL=" + redisURL, "RAMPART_STORAGE_REDIS_PREFIX=" + prefix, "RAMPART_CONFIG=" + file}
	urls, nodes := startNodes(t, 3, env)
	// Five refused API keys, spread over the nodes: no node has seen more
	// than two, and the sum is under the threshold.
	for i := range 5 {
		if code := status(t, urls[i%3], fmt.Sprintf("Bearer rk_guess%d_notarealsecret", i)); code != 401 {
			t.Fatalf("guess %d on node %d: %d, want 401", i, i%3, code)
		}
	}
	for i, u := range urls {
		if code, _ := get(t, u+"/api/data"); code != 401 {
			t.Fatalf("node %d refuses the address before the threshold: %d", i, code)
		}
	}
	// The sixth, on node 2, crosses it: every node refuses the address.
	status(t, urls[2], "Bearer rk_guess6_notarealsecret")
	start := time.Now()
	for i, u := range urls {
		for code, _ := get(t, u+"/api/data"); code != 403; code, _ = get(t, u+"/api/data") {
			if time.Since(start) > 2*time.Second {
				t.Fatalf("node %d does not refuse the detected address", i)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("detected address refused on all 3 nodes after %s", time.Since(start))
	// A node started after the announcement finds the block in Redis.
	late := startServe(t, t.TempDir(), env)
	start = time.Now()
	for code, _ := get(t, late.url+"/api/data"); code != 403; code, _ = get(t, late.url+"/api/data") {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("a node started after the block does not refuse the address (%d)\n%s", code, late.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	detected := 0
	for _, s := range nodes {
		detected += strings.Count(s.stderr.String(), "brute-force detected")
	}
	if detected != 1 {
		t.Fatalf("%d detections logged over the nodes, want 1", detected)
	}
}
