package bench

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/scantest"
)

// BenchmarkScanFiftyOperations is a full passive scan of a 50-operation API
// on loopback: with the default limits (50 requests/s, as a user runs it)
// and unthrottled (the scanner's own cost). It reports requests per scan.
//
//	go test ./bench/ -run '^$' -bench ScanFifty -benchtime 3x
func BenchmarkScanFiftyOperations(b *testing.B) {
	srv := httptest.NewServer(scantest.FiftyOperationAPI())
	defer srv.Close()
	for _, tc := range []struct {
		name string
		rate float64
	}{{"default-rate", 0}, {"unthrottled", 1e6}} {
		b.Run(tc.name, func(b *testing.B) {
			var reqs int
			for b.Loop() {
				r, err := scan.Run(context.Background(), scan.Options{Target: srv.URL, OpenAPI: scantest.FiftyOperationSpec(), Auth: "Bearer good", Rate: tc.rate})
				if err != nil {
					b.Fatal(err)
				}
				reqs = r.Requests.Total
			}
			b.ReportMetric(float64(reqs), "requests/scan")
		})
	}
}
