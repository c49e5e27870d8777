package app

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/telemetry"
)

// TestBruteForceDetectedAndBlocked sends failed logins and refused API
// keys from one IP until the detector fires, then expects the audit hook,
// the metric, the log line and a 403 for every further request.
func TestBruteForceDetectedAndBlocked(t *testing.T) {
	var mu sync.Mutex
	var got []telemetry.Detection
	r := newRig(t, "detection: {window: 1m, ip_failures: 4, account_failures: 3, auto_block: true, block_for: 10m}\n", func(a *App) {
		a.OnDetection = func(_ context.Context, d telemetry.Detection) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, d)
		}
	})
	setupIdentities(t, r.app, "correct horse battery staple")
	js := map[string]string{"Content-Type": "application/json"}
	for range 3 {
		if code, _ := r.do(t, "POST", "/auth/login", strings.NewReader(`{"username":"alice","password":"guess"}`), js); code != 401 {
			t.Fatalf("failed login: %d", code)
		}
	}
	mu.Lock()
	if len(got) != 1 || got[0].Kind != "account" || got[0].Account != "alice" {
		t.Fatalf("after 3 failures on alice: %+v", got)
	}
	mu.Unlock()
	if code, _ := r.do(t, "GET", "/open", nil, nil); code != 200 {
		t.Fatalf("blocked before the IP threshold: %d", code)
	}
	// A refused API key on a route counts toward the IP too.
	if code, _ := r.do(t, "GET", "/api/data", nil, map[string]string{"Authorization": "Bearer rk_invalid0123456789abcdef0123"}); code != 401 {
		t.Fatalf("bad key: %d", code)
	}
	mu.Lock()
	if len(got) != 2 || got[1].Kind != "ip" || got[1].IP.String() != "127.0.0.1" || got[1].BlockedUntil.IsZero() {
		t.Fatalf("after 4 failures from one IP: %+v", got)
	}
	mu.Unlock()
	code, body := r.do(t, "GET", "/open", nil, nil)
	if code != 403 || !strings.Contains(body, `"status":403`) {
		t.Fatalf("blocked IP got %d %s", code, body)
	}
	if code, _ := r.do(t, "POST", "/auth/login", strings.NewReader(`{"username":"alice","password":"correct horse battery staple"}`), js); code != 403 {
		t.Fatalf("blocked IP could still log in: %d", code)
	}
	fams := r.scrape(t)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"rampart_bruteforce_detections_total", map[string]string{"kind": "ip"}, 1},
		{"rampart_bruteforce_detections_total", map[string]string{"kind": "account"}, 1},
		{"rampart_blocked_requests_total", nil, 2},
		{"rampart_login_failures_total", nil, 3},
	} {
		if v, _ := value(fams, c.name, c.labels); v != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, v, c.want)
		}
	}
	if !strings.Contains(r.log.String(), "brute-force detected") {
		t.Error("no log line for the detection")
	}
	lines := r.accessLines(t)
	if last := lines[len(lines)-1]; last["rampart.blocked"] != true || last["http.response.status_code"] != 403.0 {
		t.Errorf("blocked request's access line: %v", last)
	}
	// Both detections are in the audit trail, the IP's with its block.
	evs, err := r.app.Audit.Events(context.Background(), store.AuditQuery{Types: []string{string(audit.BruteForceDetected)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Details["kind"] != "account" || evs[0].Subject != "alice" ||
		evs[1].Details["kind"] != "ip" || evs[1].ClientIP != "127.0.0.1" || evs[1].Details["blocked_until"] == "" {
		t.Errorf("audit events for the detections: %+v", evs)
	}
}
