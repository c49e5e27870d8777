package app

import (
	"context"
	"fmt"
	"testing"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/store"
)

const limitRoutesYAML = `  - name: prefixed
    match: {path_prefix: /prefixed/}
    upstream: http://127.0.0.1:1
    public: true
    rate_limits: [{key: ip, rate: 1/m}]
  - name: two
    match: {path: /two}
    upstream: http://127.0.0.1:1
    public: true
    rate_limits: [{name: tight, key: ip, rate: 1/m}, {name: loose, key: ip, rate: 100/m}]
`

func limitedEvents(t *testing.T, a *App) []audit.Event {
	t.Helper()
	es, err := a.Audit.Events(context.Background(), store.AuditQuery{Types: []string{string(audit.RateLimited)}})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// The once-a-minute throttle of ratelimit.limited events is per route, not
// per path: a flood that varies the path under a prefix route still costs
// one database write a minute.
func TestLimitedAuditThrottledPerRouteNotPath(t *testing.T) {
	r := newRig(t, limitRoutesYAML, nil)
	r.do(t, "GET", "/prefixed/0", nil, nil)
	for i := 1; i <= 20; i++ {
		if code, _ := r.do(t, "GET", fmt.Sprintf("/prefixed/%d", i), nil, nil); code != 429 {
			t.Fatalf("request %d = %d", i, code)
		}
	}
	if es := limitedEvents(t, r.app); len(es) != 1 {
		t.Fatalf("%d ratelimit.limited events for 20 refusals on one route, want 1", len(es))
	}
}

// Only the policy that refused is recorded: a policy of the same route that
// allowed the request is not reported as limiting it.
func TestLimitedAuditNamesOnlyTheRefusingPolicy(t *testing.T) {
	r := newRig(t, limitRoutesYAML, nil)
	r.do(t, "GET", "/two", nil, nil)
	if code, _ := r.do(t, "GET", "/two", nil, nil); code != 429 {
		t.Fatalf("second request = %d", code)
	}
	es := limitedEvents(t, r.app)
	if len(es) != 1 || es[0].Details["policy"] != "tight" {
		t.Fatalf("events = %+v, want one naming the policy tight", es)
	}
}
