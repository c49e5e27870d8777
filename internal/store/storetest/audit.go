package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/store"
)

const zeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// link is a stand-in for audit.Chain: the store must not care how hashes are made.
func link(h store.AuditHead, e store.AuditEvent) store.AuditEvent {
	e.Seq, e.PrevHash = h.Seq+1, h.Hash
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d|%s|%s|%s", e.Seq, e.ID, e.Type, e.PrevHash)))
	e.Hash = hex.EncodeToString(sum[:])
	return e
}

func appendEvent(t *testing.T, s *store.Store, e store.AuditEvent) store.AuditEvent {
	t.Helper()
	out, err := s.AppendAuditEvents(ctx, func(h store.AuditHead) ([]store.AuditEvent, error) { return []store.AuditEvent{link(h, e)}, nil })
	if err != nil {
		t.Fatalf("AppendAuditEvents: %v", err)
	}
	return out[0]
}

func testAuditAppendAndQuery(t *testing.T, s *store.Store) {
	h, err := s.AuditChainHead(ctx)
	if err != nil || h.Seq != 0 || h.Hash != zeroHash {
		t.Fatalf("empty head = %+v, %v", h, err)
	}
	base := time.Date(2025, 3, 1, 12, 0, 0, 123456000, time.UTC)
	specs := []struct{ typ, subject string }{
		{"login.failure", "alice"}, {"login.failure", "bob"}, {"login.success", "alice"}, {"admin.user.created", "carol"}, {"login.failure", "alice"},
	}
	var last store.AuditEvent
	for i, sp := range specs {
		last = appendEvent(t, s, store.AuditEvent{ID: fmt.Sprintf("evt_%d", i), Time: base.Add(time.Duration(i) * time.Minute),
			Type: sp.typ, Actor: "x", Subject: sp.subject, ClientIP: "192.0.2.1", RequestID: "req", Outcome: "failure",
			Details: map[string]string{"route": "r", "n": fmt.Sprint(i)}})
	}
	if last.Seq != 5 {
		t.Fatalf("last seq = %d", last.Seq)
	}
	h, _ = s.AuditChainHead(ctx)
	if h.Seq != 5 || h.Hash != last.Hash {
		t.Fatalf("head = %+v, want #5 %s", h, last.Hash)
	}
	all, err := s.AuditEvents(ctx, store.AuditQuery{})
	if err != nil || len(all) != 5 {
		t.Fatalf("AuditEvents = %d, %v", len(all), err)
	}
	if e := all[0]; e.Seq != 1 || !e.Time.Equal(base) || e.Details["route"] != "r" || e.PrevHash != zeroHash || e.ClientIP != "192.0.2.1" {
		t.Fatalf("first event = %+v", e)
	}
	if all[1].PrevHash != all[0].Hash {
		t.Fatal("events not linked")
	}
	got, _ := s.AuditEvents(ctx, store.AuditQuery{Types: []string{"login.failure"}, Subject: "alice"})
	if len(got) != 2 || got[0].Seq != 1 || got[1].Seq != 5 {
		t.Fatalf("type+subject query = %+v", got)
	}
	got, _ = s.AuditEvents(ctx, store.AuditQuery{Since: base.Add(time.Minute), Until: base.Add(3 * time.Minute)})
	if len(got) != 2 || got[0].Seq != 2 || got[1].Seq != 3 {
		t.Fatalf("time query = %+v", got)
	}
	got, _ = s.AuditEvents(ctx, store.AuditQuery{Newest: true, Limit: 2})
	if len(got) != 2 || got[0].Seq != 5 || got[1].Seq != 4 {
		t.Fatalf("newest query = %+v", got)
	}
	got, _ = s.AuditEvents(ctx, store.AuditQuery{AfterSeq: 3})
	if len(got) != 2 || got[0].Seq != 4 {
		t.Fatalf("after query = %+v", got)
	}
	got, _ = s.AuditEvents(ctx, store.AuditQuery{Types: []string{"login.success", "admin.user.created"}})
	if len(got) != 2 {
		t.Fatalf("two-type query = %+v", got)
	}
}

// Concurrent appends from many connections (as from many nodes) form one
// chain: every seq once, every event linked to the one before.
func testAuditConcurrent(t *testing.T, s *store.Store) {
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				_, err := s.AppendAuditEvents(ctx, func(h store.AuditHead) ([]store.AuditEvent, error) {
					return []store.AuditEvent{link(h, store.AuditEvent{ID: fmt.Sprintf("evt_%d_%d", w, i), Time: time.Now(), Type: "t", Outcome: "success"})}, nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	prev, n := zeroHash, int64(0)
	err := s.WalkAuditEvents(ctx, math.MaxInt64, func(e store.AuditEvent) error {
		n++
		if e.Seq != n || e.PrevHash != prev {
			return fmt.Errorf("event %s: seq %d prev %s, want seq %d prev %s (forked)", e.ID, e.Seq, e.PrevHash, n, prev)
		}
		prev = e.Hash
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != workers*each {
		t.Fatalf("%d events, want %d", n, workers*each)
	}
}

func testAuditStaleSeal(t *testing.T, s *store.Store) {
	appendEvent(t, s, store.AuditEvent{ID: "evt_a", Time: time.Now(), Type: "t", Outcome: "success"})
	_, err := s.AppendAuditEvents(ctx, func(h store.AuditHead) ([]store.AuditEvent, error) {
		return []store.AuditEvent{link(store.AuditHead{Seq: 0, Hash: zeroHash}, store.AuditEvent{ID: "evt_b", Type: "t", Outcome: "success"})}, nil
	})
	if err == nil {
		t.Fatal("an event sealed against a stale head was stored")
	}
	boom := errors.New("boom")
	if _, err := s.AppendAuditEvents(ctx, func(store.AuditHead) ([]store.AuditEvent, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("seal error = %v", err)
	}
	if h, _ := s.AuditChainHead(ctx); h.Seq != 1 {
		t.Fatalf("head moved to %d after failed appends", h.Seq)
	}
}

func testAuditWalk(t *testing.T, s *store.Store) {
	const n = 1203 // more than one page
	tx := time.Now()
	for i := range n {
		appendEvent(t, s, store.AuditEvent{ID: fmt.Sprintf("evt_%d", i), Time: tx, Type: "t", Outcome: "success"})
	}
	var seen int64
	if err := s.WalkAuditEvents(ctx, math.MaxInt64, func(e store.AuditEvent) error {
		seen++
		if e.Seq != seen {
			return fmt.Errorf("seq %d at position %d", e.Seq, seen)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if seen != n {
		t.Fatalf("walked %d, want %d", seen, n)
	}
	// The walk stops at its bound, across pages and within one.
	for _, through := range []int64{1001, 7} {
		var last, count int64
		if err := s.WalkAuditEvents(ctx, through, func(e store.AuditEvent) error {
			last, count = e.Seq, count+1
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if last != through || count != through {
			t.Fatalf("walk through %d: %d events, last %d", through, count, last)
		}
	}
	start, head, err := s.AuditChain(ctx)
	if err != nil || start.Seq != 0 || head.Seq != n {
		t.Fatalf("AuditChain = %+v, %+v, %v", start, head, err)
	}
	stop := errors.New("stop")
	if err := s.WalkAuditEvents(ctx, math.MaxInt64, func(store.AuditEvent) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("walk error = %v", err)
	}
}
