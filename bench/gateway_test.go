package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/clientip"
	"github.com/rampart-sec/rampart/internal/config"
	"github.com/rampart-sec/rampart/internal/gateway"
	"github.com/rampart-sec/rampart/telemetry"
)

// The gateway benchmarks send real HTTP over loopback, client → gateway →
// upstream, all in this process, so `-cpuprofile` shows where a proxied
// request's time goes (gateway-load.sh measures the same with wrk against
// the binary):
//
//	go test ./bench/ -run '^$' -bench Gateway -cpuprofile /tmp/gw.prof
//	go tool pprof -top -focus 'gateway|ReverseProxy' bench.test /tmp/gw.prof

const benchKey = "rk_bench_0123456789abcdef0123456789abcdef"

func gatewayServers(b *testing.B) (direct, gw string) { return gatewayServersWith(b, false) }

// gatewayServersWith is gatewayServers; observed puts the access log (JSON
// lines batched to /dev/null as rampart serve batches them to stdout or a
// file), the Prometheus metrics and the client-IP decision in front, as
// rampart serve does.
func gatewayServersWith(b *testing.B, observed bool) (direct, gw string) {
	b.Helper()
	body := []byte(`{"data":"This is secure data"}`)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	b.Cleanup(up.Close)
	routes := []config.Route{
		{Name: "open", Match: config.RouteMatch{Path: "/open"}, Upstream: up.URL, Public: true, MaxBodyBytes: 1 << 20},
		{Name: "guarded", Match: config.RouteMatch{Path: "/api/data", Methods: []string{"GET"}}, Upstream: up.URL,
			Authenticate: []string{"keys"}, Authorize: config.RouteAuthorize{Scopes: []string{"data:read"}}, MaxBodyBytes: 1 << 20,
			OnLimiterFailure: "fail_open", RateLimits: []config.RouteRateLimit{ // decided on every request, never reached
				{Key: "ip", Rate: "100000000/h"}, {Key: "subject", Rate: "100000000/h"}}},
	}
	keys := &authn.APIKey{Prefix: "rk_", CacheTTL: 5 * time.Second, Verify: func(_ context.Context, key string) (*authn.Identity, error) {
		if key != benchKey {
			return nil, authn.ErrInvalidCredential
		}
		return &authn.Identity{Subject: "u1", Username: "bench", Roles: []string{"reader"}, Scopes: []string{"data:read"}}, nil
	}}
	g, err := gateway.New(routes, map[string]authn.Authenticator{"keys": keys}, gateway.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var h http.Handler = g
	if observed {
		devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		buf := telemetry.NewBufferedWriter(devNull, 64<<10, 250*time.Millisecond)
		b.Cleanup(func() { buf.Close(); devNull.Close() })
		m, err := telemetry.NewMetrics(prometheus.NewRegistry())
		if err != nil {
			b.Fatal(err)
		}
		ipr, _ := clientip.New(nil, clientip.XForwardedFor)
		h = ipr.Middleware(telemetry.Middleware(telemetry.MiddlewareOptions{AccessLog: telemetry.NewAccessLog(buf), Metrics: m},
			func(r *http.Request) string { return clientip.From(r).String() })(g))
	}
	front := httptest.NewServer(h)
	b.Cleanup(front.Close)
	return up.URL, front.URL
}

// benchGET runs b.N GETs of url from all cores, with authorization as the
// Authorization header unless empty, and expects status want.
func benchGET(b *testing.B, url, authorization string, want int) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.Cleanup(client.CloseIdleConnections)
	b.ReportAllocs()
	b.ResetTimer()
	// CPU time per request (client, gateway and upstream together) is far
	// steadier than ns/op on a shared machine: other processes' load
	// stretches wall time, not this process's CPU time.
	cpu0 := processCPU()
	defer func() { b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op") }()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", url, nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		for pb.Next() {
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				b.Errorf("%s: %d, want %d", url, resp.StatusCode, want)
				return
			}
		}
	})
}

// processCPU is this process's user plus system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkGatewayDirect is the upstream without rampart: the floor.
func BenchmarkGatewayDirect(b *testing.B) {
	direct, _ := gatewayServers(b)
	benchGET(b, direct+"/api/data", "", http.StatusOK)
}

// BenchmarkGatewayPublic is a public route: routing, headers, proxy.
func BenchmarkGatewayPublic(b *testing.B) {
	_, gw := gatewayServers(b)
	benchGET(b, gw+"/open", "", http.StatusOK)
}

// BenchmarkGatewayGuarded is a guarded route: an API key (cached after the
// first request), a scope check, security headers, identity headers, proxy.
func BenchmarkGatewayGuarded(b *testing.B) {
	_, gw := gatewayServers(b)
	benchGET(b, gw+"/api/data", "Bearer "+benchKey, http.StatusOK)
}

// BenchmarkGatewayPublicObserved is BenchmarkGatewayPublic with the access
// log and metrics on: compare the two for their cost.
func BenchmarkGatewayPublicObserved(b *testing.B) {
	_, gw := gatewayServersWith(b, true)
	benchGET(b, gw+"/open", "", http.StatusOK)
}

// BenchmarkGatewayGuardedObserved is BenchmarkGatewayGuarded with the
// access log and metrics on.
func BenchmarkGatewayGuardedObserved(b *testing.B) {
	_, gw := gatewayServersWith(b, true)
	benchGET(b, gw+"/api/data", "Bearer "+benchKey, http.StatusOK)
}
