package cluster

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/testenv"
)

// recorder collects what a node's Run delivers.
type recorder struct {
	mu     sync.Mutex
	events []Event
	syncs  int
}

func (r *recorder) event(e Event) { r.mu.Lock(); r.events = append(r.events, e); r.mu.Unlock() }
func (r *recorder) sync(context.Context) {
	r.mu.Lock()
	r.syncs++
	r.mu.Unlock()
}
func (r *recorder) counts() (int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events), r.syncs
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// An announcement from one node reaches the others (not itself); a node
// whose Redis went away and came back resyncs from the database (onSync)
// and receives announcements again.
func TestBus(t *testing.T) {
	srv := testenv.StartRedis(t)
	log := slog.New(slog.DiscardHandler)
	QuietRedisLog(log)
	dial := func() *Bus {
		c, err := Dial(srv.URL(), 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return NewBus(c, "rampart:test:", log)
	}
	a, b := dial(), dial()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ra, rb recorder
	go a.Run(ctx, ra.event, ra.sync)
	go b.Run(ctx, rb.event, rb.sync)
	waitFor(t, "both subscribed", func() bool { _, sa := ra.counts(); _, sb := rb.counts(); return sa == 1 && sb == 1 })

	at := time.Now().UTC().Truncate(time.Millisecond)
	if err := a.Publish(ctx, Event{Revocation: &Revocation{Kind: "token", Value: "jti-1", RevokedAt: at}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b receives a's event", func() bool { n, _ := rb.counts(); return n == 1 })
	rb.mu.Lock()
	got := rb.events[0]
	rb.mu.Unlock()
	if got.Revocation == nil || got.Revocation.Value != "jti-1" || !got.Revocation.RevokedAt.Equal(at) {
		t.Fatalf("b got %+v", got)
	}
	time.Sleep(100 * time.Millisecond)
	if n, _ := ra.counts(); n != 0 {
		t.Fatalf("a received its own event")
	}

	// Redis restarts: both resubscribe and resync, then events flow again.
	srv.Stop()
	if err := a.Publish(ctx, Event{}); err == nil {
		t.Fatal("publishing to a stopped Redis succeeded")
	}
	srv.Start()
	waitFor(t, "resync after Redis came back", func() bool { _, sa := ra.counts(); _, sb := rb.counts(); return sa >= 2 && sb >= 2 })
	if err := b.Publish(ctx, Event{Revocation: &Revocation{Kind: "subject", Value: "u1", RevokedAt: at}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a receives b's event after the restart", func() bool { n, _ := ra.counts(); return n == 1 })

	// An announcement made for a request that is already over still goes out.
	over, end := context.WithCancel(ctx)
	end()
	if err := b.Publish(over, Event{Revocation: &Revocation{Kind: "subject", Value: "u2", RevokedAt: at}}); err != nil {
		t.Fatalf("publishing with a cancelled context: %v", err)
	}
	waitFor(t, "a receives the event published with a cancelled context", func() bool { n, _ := ra.counts(); return n == 2 })
}

func TestDialRefusesBadURLWithoutEchoingIt(t *testing.T) {
	_, err := Dial("http://:hunter2@127.0.0.1:6379", time.Second)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Dial: %v", err)
	}
}
