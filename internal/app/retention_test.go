package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/store"
)

// With audit.retention, serve deletes older events at start (and daily),
// records audit.pruned, and the chain still verifies.
func TestAuditRetentionLoop(t *testing.T) {
	r := newRig(t, "", nil)
	a := r.app
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Three events from 40 days ago, then two of today.
	old := time.Now().Add(-40 * 24 * time.Hour)
	_, err := a.Store.AppendAuditEvents(ctx, func(h store.AuditHead) ([]store.AuditEvent, error) {
		head := audit.Head{Seq: h.Seq, Hash: h.Hash}
		var out []store.AuditEvent
		for i, typ := range []audit.Type{audit.LoginFailure, audit.LoginFailure, audit.LoginSuccess} {
			e := audit.Chain(audit.Event{ID: "evt_old" + string(rune('a'+i)), Time: old.Add(time.Duration(i) * time.Minute), Type: typ,
				Actor: "alice", Subject: "alice", Outcome: audit.Success}, head)
			head = audit.Head{Seq: e.Seq, Hash: e.Hash}
			out = append(out, store.AuditEvent{Seq: e.Seq, ID: e.ID, Time: e.Time, Type: string(e.Type), Actor: e.Actor, Subject: e.Subject,
				Outcome: string(e.Outcome), PrevHash: e.PrevHash, Hash: e.Hash})
		}
		return out, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"today1", "today2"} {
		if err := a.Audit.Record(ctx, audit.Event{Type: audit.AdminRoleCreated, Actor: "cli:test", Subject: s, Outcome: audit.Success}); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	go func() { a.retentionLoop(ctx, 30*24*time.Hour, time.Hour); close(done) }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if start, _ := a.Store.AuditChainStart(ctx); start.Seq == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the retention loop pruned nothing")
		}
	}
	cancel()
	<-done
	es, err := a.Audit.Events(context.Background(), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 || es[0].Subject != "today1" || es[2].Type != audit.AuditPruned || es[2].Actor != "rampart" {
		t.Fatalf("after retention: %+v", es)
	}
	res, err := a.Audit.Verify(context.Background())
	if err != nil || !res.Intact() || res.Start.Seq != 3 || res.Events != 3 {
		t.Fatalf("verify after retention: %+v %v", res, err)
	}
	if !strings.Contains(r.log.String(), "audit retention: pruned old events") {
		t.Errorf("no log line for the pruning:\n%s", r.log)
	}
}
