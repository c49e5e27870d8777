package ratelimit

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// testRedis returns a Redis backend on the test server under a prefix of
// its own, and a client to inspect it.
func testRedis(t *testing.T) (*Redis, *redis.Client, string) {
	t.Helper()
	url := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, url)
	// The production timeouts (100 ms) are for a loaded gateway; a thousand
	// goroutines under the race detector on two cores wait longer than that
	// for a pooled connection, and these tests are about correctness.
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	c, err := NewRedisClient(url + sep + "pool_timeout=5s&read_timeout=5s&write_timeout=5s")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return NewRedis(c, WithPrefix(prefix), WithTimeout(2*time.Second)), c, prefix
}

func TestRedisConformance(t *testing.T) {
	t.Parallel()
	b, _, _ := testRedis(t)
	var n atomic.Int64
	runBackendSuite(t, b, func() string { return "k" + strconv.FormatInt(n.Add(1), 10) })
}

// TestRedisKeys checks what the backend leaves in Redis: prefixed keys,
// holding a TAT in µs of server time, expiring when the bucket has refilled.
func TestRedisKeys(t *testing.T) {
	t.Parallel()
	b, c, prefix := testRedis(t)
	ctx := context.Background()
	allow(t, b, "ip:203.0.113.9", mustLimit(t, "100/h"))
	key := prefix + "ip:203.0.113.9"
	ttl, err := c.PTTL(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 35*time.Second || ttl > 36*time.Second {
		t.Errorf("PTTL = %v, want the 36s until the bucket refills", ttl)
	}
	tat, err := c.Get(ctx, key).Int64()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := c.Time(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Duration(tat-srv.UnixMicro()) * time.Microsecond; d <= 35*time.Second || d > 36*time.Second {
		t.Errorf("stored TAT is %v ahead of server time, want just under 36s", d)
	}
	// A refused decision writes nothing.
	l := mustLimit(t, "1/h")
	allow(t, b, "once", l)
	before, _ := c.PTTL(ctx, prefix+"once").Result()
	allow(t, b, "once", l)
	if after, _ := c.PTTL(ctx, prefix+"once").Result(); after > before {
		t.Errorf("a refused decision extended the key: %v → %v", before, after)
	}
	// Long keys are stored hashed.
	long := string(make([]byte, 1000))
	allow(t, b, long, l)
	if n, _ := c.Exists(ctx, prefix+storedKey(long)).Result(); n != 1 {
		t.Error("long key not stored under its hash")
	}
}

// TestRedisMatchesMemory runs the same sequence of mixed decisions on both
// backends and expects the same answers.
func TestRedisMatchesMemory(t *testing.T) {
	t.Parallel()
	rb, _, _ := testRedis(t)
	mb := NewMemory(0)
	limits := []Limit{mustLimit(t, "7/h"), mustLimit(t, "3/h burst 5"), mustLimit(t, "20/d")}
	for i := range 60 {
		reqs := []Request{
			{Key: "a", Limit: limits[0], N: 1 + i%2},
			{Key: "b", Limit: limits[1], Peek: i%5 == 0},
			{Key: "c", Limit: limits[2]},
		}
		okR, outR := allowAll(t, rb, reqs...)
		okM, outM := allowAll(t, mb, reqs...)
		if okR != okM {
			t.Fatalf("step %d: redis %v, memory %v", i, okR, okM)
		}
		for j := range reqs {
			r, m := outR[j], outM[j]
			if r.Allowed != m.Allowed || r.Remaining != m.Remaining {
				t.Fatalf("step %d req %d: redis %+v, memory %+v", i, j, r, m)
			}
		}
	}
}

// TestRedisPreparedMatchesMemory is TestRedisMatchesMemory with the
// per-policy prepared arguments a middleware passes to Redis.
func TestRedisPreparedMatchesMemory(t *testing.T) {
	t.Parallel()
	rb, _, _ := testRedis(t)
	mb := NewMemory(0)
	limits := []Limit{mustLimit(t, "7/h"), mustLimit(t, "3/h burst 5"), mustLimit(t, "20/d")}
	pre := make([]*prepared, len(limits))
	for i, l := range limits {
		pre[i], _ = prepare(l)
	}
	for i := range 60 {
		reqs := []Request{
			{Key: "a", Limit: limits[0], N: 1 + i%2},
			{Key: "b", Limit: limits[1], Peek: i%5 == 0},
			{Key: "c", Limit: limits[2]},
		}
		prepped := make([]Request, len(reqs))
		for j := range reqs {
			prepped[j] = reqs[j]
			prepped[j].pre = pre[j]
		}
		okR, outR := allowAll(t, rb, prepped...)
		okM, outM := allowAll(t, mb, reqs...)
		if okR != okM {
			t.Fatalf("step %d: redis %v, memory %v", i, okR, okM)
		}
		for j := range reqs {
			if r, m := outR[j], outM[j]; r.Allowed != m.Allowed || r.Remaining != m.Remaining {
				t.Fatalf("step %d req %d: redis %+v, memory %+v", i, j, r, m)
			}
		}
	}
}
