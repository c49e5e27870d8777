package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/scan"
)

// fiftyOps is an OpenAPI description of 50 GET operations (25 collections
// and their items) behind a bearer token.
func fiftyOps() []byte {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: fifty, version: '1'}\nsecurity: [{bearer: []}]\n")
	b.WriteString("components: {securitySchemes: {bearer: {type: http, scheme: bearer}}}\npaths:\n")
	for i := range 25 {
		fmt.Fprintf(&b, "  /api/v2/res%02d:\n    get: {responses: {'200': {description: list}}}\n", i)
		fmt.Fprintf(&b, "  /api/v2/res%02d/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]\n      responses: {'200': {description: one}}\n", i)
	}
	return []byte(b.String())
}

func fiftyOpsAPI() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !strings.HasPrefix(r.URL.Path, "/api/v2/res") {
			w.WriteHeader(404)
			return
		}
		if r.Header.Get("Authorization") != "Bearer good" {
			w.WriteHeader(401)
			return
		}
		_ = json.NewEncoder(w).Encode([]map[string]int{{"id": 1}, {"id": 2}})
	}))
}

// BenchmarkScanFiftyOperations is a full passive scan of a 50-operation API
// on loopback: with the default limits (50 requests/s, as a user runs it)
// and unthrottled (the scanner's own cost). It reports requests per scan.
//
//	go test ./bench/ -run '^$' -bench ScanFifty -benchtime 3x
func BenchmarkScanFiftyOperations(b *testing.B) {
	srv := fiftyOpsAPI()
	defer srv.Close()
	for _, tc := range []struct {
		name string
		rate float64
	}{{"default-rate", 0}, {"unthrottled", 1e6}} {
		b.Run(tc.name, func(b *testing.B) {
			var reqs int
			for b.Loop() {
				r, err := scan.Run(context.Background(), scan.Options{Target: srv.URL, OpenAPI: fiftyOps(), Auth: "Bearer good", Rate: tc.rate})
				if err != nil {
					b.Fatal(err)
				}
				reqs = r.Requests.Total
			}
			b.ReportMetric(float64(reqs), "requests/scan")
		})
	}
}
