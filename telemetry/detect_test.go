package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/rampart-sec/rampart/clientip"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestDetector(t *testing.T, cfg DetectorConfig) (*Detector, *fakeClock, *[]Detection, *bytes.Buffer, *Metrics) {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	var got []Detection
	var logs bytes.Buffer
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	d := NewDetector(cfg, WithDetectorClock(clock.now), WithDetectorMetrics(m),
		WithDetectorLogger(slog.New(slog.NewJSONHandler(&logs, nil))),
		OnDetection(func(_ context.Context, det Detection) { got = append(got, det) }))
	return d, clock, &got, &logs, m
}

func TestDetectorIPThresholdBlocksAndExpires(t *testing.T) {
	t.Parallel()
	d, clock, got, logs, m := newTestDetector(t, DetectorConfig{Window: 5 * time.Minute, IPFailures: 3, AccountFailures: 100, AutoBlock: true, BlockFor: 15 * time.Minute})
	ip := netip.MustParseAddr("203.0.113.9")
	ctx := context.Background()
	for i, user := range []string{"a", "b"} {
		d.Failure(ctx, ip, user)
		if len(*got) != 0 {
			t.Fatalf("detection after %d failures", i+1)
		}
	}
	if _, blocked := d.Blocked(ip); blocked {
		t.Fatal("blocked before the threshold")
	}
	d.Failure(ctx, ip, "c")
	if len(*got) != 1 || (*got)[0].Kind != "ip" || (*got)[0].Failures != 3 || (*got)[0].IP != ip {
		t.Fatalf("detections = %+v", *got)
	}
	if left, blocked := d.Blocked(ip); !blocked || left != 15*time.Minute {
		t.Fatalf("Blocked = %v, %v; want 15m, true", left, blocked)
	}
	if n := counterValue(t, m.detections.WithLabelValues("ip")); n != 1 {
		t.Errorf("rampart_bruteforce_detections_total{kind=ip} = %v", n)
	}
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil || line["client.ip"] != "203.0.113.9" || line["rampart.detection.kind"] != "ip" || line["level"] != "WARN" {
		t.Errorf("log line %v (%v)", line, err)
	}
	// Another IP is not blocked; the block ends after block_for.
	if _, blocked := d.Blocked(netip.MustParseAddr("203.0.113.10")); blocked {
		t.Error("an innocent IP is blocked")
	}
	clock.add(15*time.Minute - time.Second)
	if _, blocked := d.Blocked(ip); !blocked {
		t.Error("block ended early")
	}
	clock.add(time.Second)
	if _, blocked := d.Blocked(ip); blocked {
		t.Error("block did not expire")
	}
}

func TestDetectorSlidingWindow(t *testing.T) {
	t.Parallel()
	d, clock, got, _, _ := newTestDetector(t, DetectorConfig{Window: 5 * time.Minute, IPFailures: 3})
	ip := netip.MustParseAddr("198.51.100.1")
	ctx := context.Background()
	// Failures spread wider than the window never add up.
	for range 10 {
		d.Failure(ctx, ip, "")
		clock.add(3 * time.Minute)
	}
	if len(*got) != 0 {
		t.Fatalf("slow failures detected: %+v", *got)
	}
	d.Failure(ctx, ip, "")
	clock.add(time.Minute)
	d.Failure(ctx, ip, "")
	if len(*got) != 1 {
		t.Fatalf("want one detection, got %+v", *got)
	}
	// Within the same window it fires once, not on every further failure.
	d.Failure(ctx, ip, "")
	d.Failure(ctx, ip, "")
	if len(*got) != 1 {
		t.Fatalf("fired again within the window: %d", len(*got))
	}
	if _, blocked := d.Blocked(ip); blocked {
		t.Error("blocked with auto_block off")
	}
}

func TestDetectorAccountAcrossIPs(t *testing.T) {
	t.Parallel()
	d, _, got, _, _ := newTestDetector(t, DetectorConfig{Window: time.Minute, IPFailures: 100, AccountFailures: 4})
	ctx := context.Background()
	for i := range 4 {
		d.Failure(ctx, netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), []string{"Alice", "alice", "ALICE", "alice"}[i])
	}
	if len(*got) != 1 || (*got)[0].Kind != "account" || (*got)[0].Account != "alice" {
		t.Fatalf("detections = %+v", *got)
	}
}

func TestDetectorIPv6CountsPer64(t *testing.T) {
	t.Parallel()
	d, _, got, _, _ := newTestDetector(t, DetectorConfig{Window: time.Minute, IPFailures: 2, AutoBlock: true, BlockFor: time.Minute})
	d.Failure(context.Background(), netip.MustParseAddr("2001:db8:1:2::1"), "")
	d.Failure(context.Background(), netip.MustParseAddr("2001:db8:1:2::ffff"), "")
	if len(*got) != 1 {
		t.Fatalf("two addresses of one /64 not counted together: %+v", *got)
	}
	if _, blocked := d.Blocked(netip.MustParseAddr("2001:db8:1:2::99")); !blocked {
		t.Error("the /64 is not blocked")
	}
}

func TestDetectorBoundsKeys(t *testing.T) {
	t.Parallel()
	d, _, _, _, _ := newTestDetector(t, DetectorConfig{Window: time.Minute, IPFailures: 5, MaxKeys: 100})
	for i := range 1000 {
		d.Failure(context.Background(), netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), "")
	}
	if n := len(d.ips); n > 100 {
		t.Errorf("tracking %d IPs, want at most 100", n)
	}
}

func TestDetectorMiddlewareRefusesBlockedIP(t *testing.T) {
	t.Parallel()
	d, clock, _, _, m := newTestDetector(t, DetectorConfig{Window: time.Minute, IPFailures: 1, AutoBlock: true, BlockFor: time.Minute})
	h := d.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	req := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/x", nil)
		r = r.WithContext(clientip.NewContext(WithRecord(r.Context(), &Record{}), netip.MustParseAddr("192.0.2.50")))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := req(); w.Code != http.StatusNoContent {
		t.Fatalf("before: %d", w.Code)
	}
	d.Failure(context.Background(), netip.MustParseAddr("192.0.2.50"), "")
	w := req()
	if w.Code != http.StatusForbidden || w.Header().Get("Content-Type") != "application/problem+json" || w.Header().Get("Retry-After") != "60" {
		t.Fatalf("blocked: %d %v %s", w.Code, w.Header(), w.Body)
	}
	if !strings.Contains(w.Body.String(), `"status":403`) {
		t.Errorf("body %s", w.Body)
	}
	if n := counterValue(t, m.blocked); n != 1 {
		t.Errorf("rampart_blocked_requests_total = %v", n)
	}
	clock.add(time.Minute)
	if w := req(); w.Code != http.StatusNoContent {
		t.Fatalf("after the block: %d", w.Code)
	}
}

// counterValue reads a counter's current value.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// While no address is blocked, the middleware takes no lock and allocates
// nothing; it does again once a block has expired.
func TestDetectorMiddlewareFastPathWithoutBlocks(t *testing.T) {
	d, clock, _, _, _ := newTestDetector(t, DetectorConfig{Window: time.Minute, IPFailures: 1, AutoBlock: true, BlockFor: time.Minute})
	h := d.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r := httptest.NewRequest("GET", "/x", nil)
	r = r.WithContext(clientip.NewContext(r.Context(), netip.MustParseAddr("2001:db8::1")))
	var w http.ResponseWriter = httptest.NewRecorder()
	if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }); n != 0 {
		t.Errorf("no block: %v allocations per request", n)
	}
	d.Failure(context.Background(), netip.MustParseAddr("192.0.2.7"), "")
	if _, blocked := d.Blocked(netip.MustParseAddr("192.0.2.7")); !blocked {
		t.Fatal("not blocked")
	}
	clock.add(time.Minute)
	if _, blocked := d.Blocked(netip.MustParseAddr("192.0.2.7")); blocked {
		t.Fatal("still blocked")
	}
	if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }); n != 0 {
		t.Errorf("after the block: %v allocations per request", n)
	}
}
