package scan

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan/scantest"
)

// TestFiftyOperationScan: a full passive scan of a 50-operation API with
// the default limits finishes well inside 30 s and counts requests per
// check. (The time bound is a generous sanity check; bench/scan_test.go
// measures.)
func TestFiftyOperationScan(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a default-rate scan (seconds)")
	}
	t.Parallel()
	srv := httptest.NewServer(scantest.FiftyOperationAPI())
	defer srv.Close()
	start := time.Now()
	r, err := Run(context.Background(), Options{Target: srv.URL, OpenAPI: scantest.FiftyOperationSpec(), OpenAPISource: "fifty.yaml", Auth: "Bearer good"})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("50 operations: %d requests in %v; by check %v", r.Requests.Total, took.Round(time.Millisecond), r.Requests.ByCheck)
	if r.Operations != 50 {
		t.Fatalf("%d operations, want 50", r.Operations)
	}
	if took > 30*time.Second {
		t.Errorf("scan took %v, want under 30 s", took)
	}
	sum := 0
	for _, n := range r.Requests.ByCheck {
		sum += n
	}
	if sum != r.Requests.Total {
		t.Errorf("per-check counts add to %d, total %d", sum, r.Requests.Total)
	}
	for _, c := range []string{"baseline", "authn", "errors", "cors", "methods", "inventory", "ratelimit"} {
		if r.Requests.ByCheck[c] == 0 {
			t.Errorf("no requests counted for %s", c)
		}
	}
	if len(r.Notes) > 0 {
		t.Errorf("notes: %v", r.Notes)
	}
}
