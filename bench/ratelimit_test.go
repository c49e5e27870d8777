package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/rampart-sec/rampart/ratelimit"
)

// Rate-limit decisions: one Backend.Allow for one key, as the middleware
// makes per request.
//
//	go test ./bench/ -run '^$' -bench 'RateLimit' -benchmem
//	RAMPART_TEST_REDIS_URL=redis://127.0.0.1:6379/0 go test ./bench/ -run '^$' -bench 'RateLimitRedis' -benchmem

// benchKeys are precomputed so that the benchmark measures the decision,
// not building keys.
func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "ip:203.0." + strconv.Itoa(i/256%256) + "." + strconv.Itoa(i%256) + "#" + strconv.Itoa(i)
	}
	return keys
}

// runDecisions runs b.N decisions on b in parallel over keys; limit is
// generous, so most are admitted, as on a healthy API.
func runDecisions(b *testing.B, be ratelimit.Backend, keys []string) {
	limit := ratelimit.Limit{Rate: 1_000_000, Period: 1e9 * 3600}
	var next atomic.Uint64
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		reqs := make([]ratelimit.Request, 1)
		out := make([]ratelimit.Result, 1)
		i := next.Add(1) * 7919
		for pb.Next() {
			i++
			reqs[0] = ratelimit.Request{Key: keys[i%uint64(len(keys))], Limit: limit, N: 1}
			if _, err := be.Allow(ctx, reqs, out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRateLimitMemory is one decision on the memory backend, from all
// cores, over 100,000 live keys (capacity to spare, so nothing is evicted).
func BenchmarkRateLimitMemory(b *testing.B) {
	runDecisions(b, ratelimit.NewMemory(200_000), benchKeys(100_000))
}

// BenchmarkRateLimitMemoryHotKeys is the same over 1,000 keys, which stay
// in cache.
func BenchmarkRateLimitMemoryHotKeys(b *testing.B) {
	runDecisions(b, ratelimit.NewMemory(0), benchKeys(1000))
}

// BenchmarkRateLimitMemoryOneKey is the worst case for sharding: every
// decision on one key, so one lock.
func BenchmarkRateLimitMemoryOneKey(b *testing.B) {
	runDecisions(b, ratelimit.NewMemory(0), benchKeys(1))
}

// BenchmarkRateLimitMemoryFlood is decisions on always-new keys against a
// full memory backend: every decision evicts.
func BenchmarkRateLimitMemoryFlood(b *testing.B) {
	m := ratelimit.NewMemory(10_000)
	runDecisions(b, m, benchKeys(1_000_000))
	if m.Len() > m.Cap() {
		b.Fatalf("%d keys held, cap %d", m.Len(), m.Cap())
	}
}

// BenchmarkRateLimitRedis is one decision on Redis over loopback with 32
// concurrent callers (SetParallelism scales goroutines by GOMAXPROCS, so it
// is set to 32 / GOMAXPROCS). It reports decisions per second.
func BenchmarkRateLimitRedis(b *testing.B) {
	url := os.Getenv("RAMPART_TEST_REDIS_URL")
	if url == "" {
		b.Skip("RAMPART_TEST_REDIS_URL is not set")
	}
	c, err := ratelimit.NewRedisClient(url)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	prefix := "rampart:bench:" + strconv.Itoa(os.Getpid()) + ":"
	be := ratelimit.NewRedis(c, ratelimit.WithPrefix(prefix))
	keys := benchKeys(10_000)
	b.SetParallelism(max(32/runtime.GOMAXPROCS(0), 1))
	runDecisions(b, be, keys)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
	ctx := context.Background()
	for start := 0; start < len(keys); start += 500 {
		batch := make([]string, 0, 500)
		for _, k := range keys[start:min(start+500, len(keys))] {
			batch = append(batch, prefix+k)
		}
		c.Del(ctx, batch...)
	}
}

// BenchmarkRateLimitMiddleware is one request through Middleware with two
// policies (burst and daily quota) keyed by client IP, on memory.
func BenchmarkRateLimitMiddleware(b *testing.B) {
	burst := ratelimit.Limit{Rate: 1_000_000, Period: 1e9}
	daily := ratelimit.Limit{Rate: 1_000_000_000, Period: 1e9 * 86400}
	h := ratelimit.Middleware(ratelimit.NewMemory(0), []ratelimit.Policy{
		{Name: "burst", Limit: burst, Key: ratelimit.ByIP()},
		{Name: "daily", Limit: daily, Key: ratelimit.ByIP()},
	})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = "203.0.113.9:1"
		w := httptest.NewRecorder()
		for pb.Next() {
			h.ServeHTTP(w, req)
		}
	})
}
