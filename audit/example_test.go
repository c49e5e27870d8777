package audit_test

import (
	"context"
	"fmt"
	"iter"

	"github.com/rampart-sec/rampart/audit"
)

// memoryChain is a Recorder that keeps a hash chain in memory: enough to
// show the package with nothing but the standard library.
type memoryChain struct{ events []audit.Event }

func (m *memoryChain) Record(_ context.Context, e audit.Event) error {
	head := audit.Head{Hash: audit.ZeroHash}
	if n := len(m.events); n > 0 {
		head = audit.Head{Seq: m.events[n-1].Seq, Hash: m.events[n-1].Hash}
	}
	e.ID = fmt.Sprintf("evt_%d", head.Seq+1)
	m.events = append(m.events, audit.Chain(e, head))
	return nil
}

func (m *memoryChain) all() iter.Seq2[audit.Event, error] {
	return func(yield func(audit.Event, error) bool) {
		for _, e := range m.events {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func Example() {
	var rec audit.Recorder = &memoryChain{}
	ctx := context.Background()
	// Record before answering: a login that failed, then one that worked.
	_ = rec.Record(ctx, audit.Event{Type: audit.LoginFailure, Subject: "alice", ClientIP: "192.0.2.7", Outcome: audit.Failure})
	_ = rec.Record(ctx, audit.Event{Type: audit.LoginSuccess, Subject: "alice", ClientIP: "192.0.2.7", Outcome: audit.Success})

	chain := rec.(*memoryChain)
	res, _ := audit.Verify(chain.all(), nil)
	fmt.Println("intact:", res.Intact(), "events:", res.Events)

	chain.events[0].Subject = "bob" // tamper
	res, _ = audit.Verify(chain.all(), nil)
	fmt.Println("first bad event:", res.First)
	// Output:
	// intact: true events: 2
	// first bad event: #1 (id evt_1): its hash does not match its content (edited)
}
