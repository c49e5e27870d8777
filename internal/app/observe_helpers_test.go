package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rampart-sec/rampart/internal/config"
)

// lockedBuffer collects log output written from server goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// lines parses every line as a JSON object; a line that is not one fails t.
func (l *lockedBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(l.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, sc.Text())
		}
		out = append(out, m)
	}
	return out
}

// testRig is a rampart App serving on httptest servers, with its stderr
// log and its access log captured.
type testRig struct {
	app    *App
	main   *httptest.Server
	admin  *httptest.Server
	log    *lockedBuffer
	access *lockedBuffer
	up     *httptest.Server
	// upHeaders receives the headers of each upstream request.
	upHeaders chan http.Header
}

// newRig starts rampart with routes to a test upstream: "data" (API key or
// JWT, scope data:read), "open" (public), "dead" (an upstream that refuses
// connections) and "limited" (public, 2 requests per minute per IP).
// extraYAML is appended to the configuration file, env (KEY=value) is the
// environment it is loaded with; before runs on the App before the
// handlers are built.
func newRig(t *testing.T, extraYAML string, before func(*App), env ...string) *testRig {
	t.Helper()
	r := &testRig{log: &lockedBuffer{}, access: &lockedBuffer{}, upHeaders: make(chan http.Header, 100)}
	r.up = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case r.upHeaders <- req.Header.Clone():
		default:
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":"ok"}`)
	}))
	t.Cleanup(r.up.Close)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()

	dir := t.TempDir()
	yaml := `version: 1
logging: {level: debug}
storage: {data_dir: ` + dir + `}
authenticators:
  own_jwt: {type: jwt}
  keys: {type: api_key}
  users: {type: basic}
routes:
  - name: data
    match: {path_prefix: /api/}
    upstream: ` + r.up.URL + `
    authenticate: [own_jwt, keys, users]
    authorize: {scopes: [data:read]}
  - name: open
    match: {path: /open}
    upstream: ` + r.up.URL + `
    public: true
  - name: dead
    match: {path: /dead}
    upstream: ` + deadURL + `
    authenticate: [own_jwt, keys]
    authorize: {allow_authenticated: true}
  - name: limited
    match: {path: /limited}
    upstream: ` + r.up.URL + `
    public: true
    rate_limits: [{key: ip, rate: 2/m}]
` + extraYAML
	file := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(file, env)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := Open(ctx, cfg, NewLogger(cfg.Logging, r.log))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	a.AccessLog = r.access
	if before != nil {
		before(a)
	}
	as, err := a.OAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := a.Gateway(as)
	if err != nil {
		t.Fatal(err)
	}
	r.app = a
	r.main = httptest.NewServer(a.Handler(as, gw))
	t.Cleanup(r.main.Close)
	r.admin = httptest.NewServer(a.adminHandler(a.newHealth(nil)))
	t.Cleanup(r.admin.Close)
	return r
}

// do sends a request to the main listener and returns the status and body.
func (r *testRig) do(t *testing.T, method, path string, body io.Reader, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, r.main.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// scrape reads /metrics from the admin listener with the Prometheus text parser.
func (r *testRig) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(r.admin.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// value returns the value of the sample of family name whose labels
// include want; ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// accessLines flushes the access log and parses its lines.
func (r *testRig) accessLines(t *testing.T) []map[string]any {
	t.Helper()
	r.flush()
	return r.access.lines(t)
}

// accessText flushes the access log and returns it.
func (r *testRig) accessText() string {
	r.flush()
	return r.access.String()
}

func (r *testRig) flush() {
	if f := r.app.observe().flushLog; f != nil {
		_ = f()
	}
}
