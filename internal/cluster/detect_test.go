package cluster

import (
	"bytes"
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/testenv"
	"github.com/rampart-sec/rampart/telemetry"
)

// detections collects what the detectors of several nodes report.
type detections struct {
	mu  sync.Mutex
	got []telemetry.Detection
}

func (d *detections) add(_ context.Context, det telemetry.Detection) {
	d.mu.Lock()
	d.got = append(d.got, det)
	d.mu.Unlock()
}

func (d *detections) kinds() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var k []string
	for _, det := range d.got {
		k = append(k, det.Kind)
	}
	return k
}

// Three nodes sharing Redis count one attack spread over them once: the
// threshold is reached by the sum of their failures, and exactly one node
// reports it.
func TestDetectorCountsAcrossNodes(t *testing.T) {
	url := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, url)
	var seen detections
	cfg := telemetry.DetectorConfig{Window: time.Minute, IPFailures: 9, AccountFailures: 6}
	var nodes []*telemetry.Detector
	for range 3 {
		c, err := Dial(url, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		nodes = append(nodes, telemetry.NewDetector(cfg, telemetry.WithSharedCounts(NewDetectorCounts(c, prefix)), telemetry.OnDetection(seen.add)))
	}
	ctx := context.Background()
	attacker := netip.MustParseAddr("203.0.113.7")
	// Round-robin: 5 failures against "Alice" (2 nodes see 2, one sees 1) —
	// under every threshold on any one node, and in total.
	for i := range 5 {
		nodes[i%3].Failure(ctx, attacker, "Alice")
	}
	if k := seen.kinds(); len(k) != 0 {
		t.Fatalf("detections before any threshold: %v", k)
	}
	// The 6th failure against the account, on whichever node, is the crossing.
	nodes[2].Failure(ctx, attacker, "alice")
	if k := seen.kinds(); len(k) != 1 || k[0] != "account" {
		t.Fatalf("after 6 failures against one account over 3 nodes: %v, want one account detection", k)
	}
	// Three more from the same IP (no account): 9 from the IP in all.
	for i := range 3 {
		nodes[i%3].Failure(ctx, attacker, "")
	}
	if k := seen.kinds(); len(k) != 2 || k[1] != "ip" {
		t.Fatalf("after 9 failures from one IP over 3 nodes: %v, want an ip detection", k)
	}
	// More failures within the window are not new detections, on any node.
	for i := range 6 {
		nodes[i%3].Failure(ctx, attacker, "alice")
	}
	if k := seen.kinds(); len(k) != 2 {
		t.Fatalf("repeated detections within the window: %v", k)
	}
	// Account names are not written to Redis in the clear.
	c, _ := Dial(url, time.Second)
	defer c.Close()
	keys, err := c.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatal("no counts in Redis")
	}
	for _, k := range keys {
		if strings.Contains(strings.ToLower(k), "alice") {
			t.Fatalf("account name in a Redis key: %s", k)
		}
		if ttl := c.PTTL(ctx, k).Val(); ttl <= 0 || ttl > time.Minute {
			t.Fatalf("key %s expires in %v, want within the window", k, ttl)
		}
	}
}

// With its Redis gone a node counts in its own memory (and says so once),
// so detection goes on.
func TestDetectorFallsBackToMemory(t *testing.T) {
	QuietRedisLog(slog.New(slog.DiscardHandler))
	srv := testenv.StartRedis(t)
	c, err := Dial(srv.URL(), 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var logs bytes.Buffer
	var seen detections
	d := telemetry.NewDetector(telemetry.DetectorConfig{Window: time.Minute, IPFailures: 4},
		telemetry.WithSharedCounts(NewDetectorCounts(c, "rampart:test:")), telemetry.OnDetection(seen.add),
		telemetry.WithDetectorLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	ctx := context.Background()
	ip := netip.MustParseAddr("198.51.100.9")
	d.Failure(ctx, ip, "")
	srv.Stop()
	for range 4 {
		d.Failure(ctx, ip, "")
	}
	if k := seen.kinds(); len(k) != 1 || k[0] != "ip" {
		t.Fatalf("detections with Redis down: %v, want one ip detection from memory", k)
	}
	if n := strings.Count(logs.String(), "shared counts unavailable"); n != 1 {
		t.Fatalf("the outage was logged %d times:\n%s", n, logs.String())
	}
}

// Blocks are kept in one sorted set: Blocks reads the ones in force (also
// one recorded for a request already over) without scanning the keyspace,
// and an ended block is neither stored nor returned.
func TestBlocksKeptInOneSortedSet(t *testing.T) {
	url := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, url)
	c, err := Dial(url, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	counts := NewDetectorCounts(c, prefix)
	ctx := context.Background()
	over, end := context.WithCancel(ctx)
	end()
	until := time.Now().Add(time.Minute).UTC().Truncate(time.Millisecond)
	a, b := netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("2001:db8::9")
	for _, blk := range []Block{{IP: a, Until: until}, {IP: b, Until: until.Add(time.Second)}, {IP: netip.MustParseAddr("198.51.100.1"), Until: time.Now().Add(-time.Second)}} {
		if err := counts.RecordBlock(over, blk); err != nil {
			t.Fatal(err)
		}
	}
	got, err := counts.Blocks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].IP != a || !got[0].Until.Equal(until) || got[1].IP != b || !got[1].Until.Equal(until.Add(time.Second)) {
		t.Fatalf("Blocks = %+v", got)
	}
	keys, err := c.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("blocks stored under %d keys (%v), want one sorted set", len(keys), keys)
	}
	if ttl := c.PTTL(ctx, keys[0]).Val(); ttl <= 0 || ttl > 2*time.Minute {
		t.Fatalf("the set expires in %v", ttl)
	}
}
