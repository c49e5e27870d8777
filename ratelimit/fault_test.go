package ratelimit

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/testenv"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) count(sub string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.b.String(), sub)
}

// TestRedisFault stops the Redis behind a Fallback in the middle of a run —
// killed, then frozen — and checks that the fail-open route keeps answering
// from local limits, the fail-closed route answers 503, no decision hangs,
// each outage is logged once, and both routes recover on their own.
func TestRedisFault(t *testing.T) {
	srv := testenv.StartRedis(t)
	client, err := NewRedisClient(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var (
		logs   syncBuffer
		mu     sync.Mutex
		states []bool
	)
	fb := NewFallback(NewRedis(client), NewMemory(0),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		WithProbeInterval(50*time.Millisecond),
		WithStateHook(func(up bool) { mu.Lock(); states = append(states, up); mu.Unlock() }))
	limit := mustLimit(t, "5/m")
	open := Middleware(fb.Mode(FailOpen), []Policy{{Name: "open", Limit: limit, Key: ByIP()}})(okHandler)
	closed := Middleware(fb.Mode(FailClosed), []Policy{{Name: "closed", Limit: limit, Key: ByIP()}})(okHandler)
	client4 := 0
	nextClient := func() string { client4++; return fmt.Sprintf("203.0.113.%d:1", client4) }
	// timed serves one request and fails the test if it took too long.
	timed := func(h http.Handler, remote string) int {
		t.Helper()
		start := time.Now()
		code := serve(h, remote, nil).Code
		if d := time.Since(start); d > time.Second {
			t.Fatalf("a decision took %v", d)
		}
		return code
	}
	checkStates := func(want ...bool) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if fmt.Sprint(states) != fmt.Sprint(want) {
			t.Fatalf("state changes %v, want %v", states, want)
		}
	}
	// waitRecovered drives traffic (probes ride on requests) until the
	// circuit closes.
	waitRecovered := func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !fb.Healthy() {
			if time.Now().After(deadline) {
				t.Fatal("did not recover")
			}
			timed(open, nextClient())
			time.Sleep(10 * time.Millisecond)
		}
		if code := timed(closed, nextClient()); code != http.StatusNoContent {
			t.Fatalf("fail-closed route after recovery: %d", code)
		}
	}
	// outage checks one outage, whatever caused it.
	outage := func(n int) {
		t.Helper()
		ip := nextClient()
		var codes []int
		for range 8 {
			codes = append(codes, timed(open, ip))
		}
		if fmt.Sprint(codes) != "[204 204 204 204 204 429 429 429]" {
			t.Fatalf("fail-open route during outage: %v, want local limits (5 then 429)", codes)
		}
		for range 5 {
			if code := timed(closed, nextClient()); code != http.StatusServiceUnavailable {
				t.Fatalf("fail-closed route during outage: %d", code)
			}
		}
		if fb.Healthy() {
			t.Fatal("Healthy during an outage")
		}
		// Keep going past a few probe intervals: still one line.
		for range 20 {
			timed(open, nextClient())
			time.Sleep(10 * time.Millisecond)
		}
		if got := logs.count("redis rate-limit backend unavailable; using local limits"); got != n {
			t.Fatalf("%d outage lines logged, want %d", got, n)
		}
	}

	// Healthy: both routes share Redis.
	ip := nextClient()
	for range 5 {
		if timed(open, ip) != http.StatusNoContent || timed(closed, ip) != http.StatusNoContent {
			t.Fatal("refused while healthy")
		}
	}
	if timed(open, ip) != http.StatusTooManyRequests {
		t.Fatal("limit not enforced while healthy")
	}

	// Outage 1: Redis killed, then restarted on the same port.
	srv.Stop()
	outage(1)
	checkStates(false)
	srv.Start()
	waitRecovered()
	checkStates(false, true)
	if got := logs.count("recovered"); got != 1 {
		t.Fatalf("%d recovery lines, want 1", got)
	}

	// Outage 2: Redis frozen (SIGSTOP): connections open, no answers. The
	// decision timeout, not the kernel, ends each wait.
	srv.Signal(syscall.SIGSTOP)
	outage(2)
	checkStates(false, true, false)
	srv.Signal(syscall.SIGCONT)
	waitRecovered()
	checkStates(false, true, false, true)
	if got := logs.count("recovered"); got != 2 {
		t.Fatalf("%d recovery lines, want 2", got)
	}
}

// TestRedisScriptReload checks the EVAL fallback when the server has lost
// the cached script (a restart or SCRIPT FLUSH). It flushes a redis-server
// of its own, not the shared test server.
func TestRedisScriptReload(t *testing.T) {
	srv := testenv.StartRedis(t)
	c, err := NewRedisClient(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b := NewRedis(c, WithTimeout(2*time.Second))
	l := mustLimit(t, "5/h")
	allow(t, b, "k", l)
	if err := c.ScriptFlush(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	if r := allow(t, b, "k", l); !r.Allowed || r.Remaining != 3 {
		t.Fatalf("after SCRIPT FLUSH: %+v", r)
	}
}
