package telemetry_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rampart-sec/rampart/telemetry"
)

// Example wraps a handler with the access log and metrics; a stage inside
// names the route in the request's Record.
func Example() {
	reg := prometheus.NewRegistry()
	metrics, err := telemetry.NewMetrics(reg)
	if err != nil {
		panic(err)
	}
	var lines strings.Builder
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		telemetry.RecordFrom(r.Context()).SetRoute("orders")
		fmt.Fprint(w, "ok")
	})
	h := telemetry.Middleware(telemetry.MiddlewareOptions{AccessLog: telemetry.NewAccessLog(&lines), Metrics: metrics},
		func(r *http.Request) string { return "192.0.2.1" })(api)

	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/orders?access_token=abc&page=2", nil))
	for _, field := range []string{`"rampart.route":"orders"`, `"url.query":"access_token=[REDACTED]&page=2"`, `"client.ip":"192.0.2.1"`} {
		fmt.Println(field, strings.Contains(lines.String(), field))
	}
	// Output:
	// "rampart.route":"orders" true
	// "url.query":"access_token=[REDACTED]&page=2" true
	// "client.ip":"192.0.2.1" true
}

// ExampleNewRedactingHandler masks credentials whatever the caller logs.
func ExampleNewRedactingHandler() {
	log := slog.New(telemetry.NewRedactingHandler(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}})))
	log.Info("calling upstream", "Authorization", "Bearer abc.def.ghi", "dsn", "postgres://app:hunter2@db/app")
	// Output:
	// level=INFO msg="calling upstream" Authorization=[REDACTED] dsn=[REDACTED]
}
