package scan

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fiftyOperationSpec is an OpenAPI description of 50 operations: 25
// collections and their items.
func fiftyOperationSpec() []byte {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: fifty, version: '1'}\nsecurity: [{bearer: []}]\n")
	b.WriteString("components: {securitySchemes: {bearer: {type: http, scheme: bearer}}}\npaths:\n")
	for i := range 25 {
		fmt.Fprintf(&b, "  /api/v2/res%02d:\n    get: {responses: {'200': {description: list}}}\n", i)
		fmt.Fprintf(&b, "  /api/v2/res%02d/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]\n      responses: {'200': {description: one}}\n", i)
	}
	return []byte(b.String())
}

// fiftyOperationAPI answers every operation of fiftyOperationSpec for the
// token "Bearer good", with a rate limit on nothing.
func fiftyOperationAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if !strings.HasPrefix(r.URL.Path, "/api/v2/res") {
			writeJSONBody(w, 404, map[string]string{"message": "not found"})
			return
		}
		if r.Header.Get("Authorization") != "Bearer good" {
			writeJSONBody(w, 401, map[string]string{"message": "unauthorized"})
			return
		}
		writeJSONBody(w, 200, []map[string]int{{"id": 1}, {"id": 2}})
	})
}

// TestFiftyOperationScan: a full passive scan of a 50-operation API with
// the default limits finishes well inside 30 s and counts requests per
// check. (The time bound is a generous sanity check; bench/scan_test.go
// measures.)
func TestFiftyOperationScan(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a default-rate scan (seconds)")
	}
	t.Parallel()
	srv := httptest.NewServer(fiftyOperationAPI())
	defer srv.Close()
	start := time.Now()
	r, err := Run(context.Background(), Options{Target: srv.URL, OpenAPI: fiftyOperationSpec(), OpenAPISource: "fifty.yaml", Auth: "Bearer good"})
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
