package auditlog_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/clientip"
	"github.com/rampart-sec/rampart/internal/auditlog"
	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/internal/store/storetest"
	"github.com/rampart-sec/rampart/internal/testenv"
	"github.com/rampart-sec/rampart/telemetry"
)

// Many concurrent Record calls (group-committed) form one intact chain, and
// each returns only once its event is stored.
func TestConcurrentRecordsFormOneChain(t *testing.T) {
	testenv.Databases(t, func(t *testing.T, dbURL string) {
		st := storetest.Open(t, dbURL)
		l := auditlog.New(st, auditlog.Options{})
		ctx := context.Background()
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := l.Record(ctx, audit.Event{Type: audit.LoginFailure, Subject: fmt.Sprint("u", i), Outcome: audit.Failure}); err != nil {
					t.Error(err)
					return
				}
				// Durable before Record returns: the event is already queryable.
				es, err := l.Events(ctx, store.AuditQuery{Subject: fmt.Sprint("u", i)})
				if err != nil || len(es) != 1 {
					t.Errorf("after Record: %d events, %v", len(es), err)
				}
			}()
		}
		wg.Wait()
		res, err := l.Verify(ctx)
		if err != nil || !res.Intact() || res.Events != 40 {
			t.Fatalf("verify = %+v, %v", res, err)
		}
		if err := l.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := l.Record(ctx, audit.Event{Type: audit.LoginSuccess}); err == nil {
			t.Fatal("Record after Close succeeded")
		}
	})
}

func TestRecordRefusesCredentialDetails(t *testing.T) {
	st := storetest.Open(t, "sqlite://"+t.TempDir()+"/r.db")
	l := auditlog.New(st, auditlog.Options{})
	defer l.Close(context.Background())
	for _, k := range []string{"password", "client_secret", "Authorization", "cookie", "private_key"} {
		err := l.Record(context.Background(), audit.Event{Type: audit.AdminUserCreated, Details: map[string]string{k: "x"}})
		if !errors.Is(err, auditlog.ErrSecretDetail) {
			t.Errorf("detail %q: %v", k, err)
		}
	}
	if err := l.Record(context.Background(), audit.Event{}); err == nil {
		t.Error("an event without a type was recorded")
	}
}

// Verify checks the chain as it stood when it read the head: events recorded
// and a prune committed while it walks are not reported as tampering.
func TestVerifyDuringAppendsAndPrune(t *testing.T) {
	testenv.Databases(t, func(t *testing.T, dbURL string) {
		st := storetest.Open(t, dbURL)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		l := auditlog.New(st, auditlog.Options{Now: func() time.Time { return now }})
		defer l.Close(context.Background())
		ctx := context.Background()
		for range 5 {
			if err := l.Record(ctx, audit.Event{Type: audit.LoginSuccess, Outcome: audit.Success}); err != nil {
				t.Fatal(err)
			}
		}
		calls := 0
		auditlog.SetAfterChainRead(l, func() {
			calls++
			if calls > 1 {
				return
			}
			for range 3 {
				if err := l.Record(ctx, audit.Event{Type: audit.LoginFailure, Outcome: audit.Failure}); err != nil {
					t.Error(err)
				}
			}
		})
		res, err := l.Verify(ctx)
		if err != nil || !res.Intact() || res.Events != 5 {
			t.Fatalf("verify during appends = %+v (first bad %+v), %v", res, res.First, err)
		}
		calls = 0
		auditlog.SetAfterChainRead(l, func() {
			calls++
			if calls > 1 {
				return
			}
			p, err := l.Prune(ctx, now.Add(time.Hour), "test")
			if err != nil || p.Events != 8 || p.Through.Seq != 8 || p.Through.Hash == "" {
				t.Errorf("prune = %+v, %v; want 8 events through #8", p, err)
			}
		})
		res, err = l.Verify(ctx)
		if err != nil || !res.Intact() || res.Start.Seq != 8 {
			t.Fatalf("verify during a prune = %+v (first bad %+v), %v", res, res.First, err)
		}
	})
}

// Record fills in the request's client IP and request id from ctx when the
// event has none, and keeps those the caller set.
func TestRecordAddsRequestContext(t *testing.T) {
	st := storetest.Open(t, "sqlite://"+t.TempDir()+"/r.db")
	l := auditlog.New(st, auditlog.Options{})
	defer l.Close(context.Background())
	ctx := clientip.NewContext(context.Background(), netip.MustParseAddr("192.0.2.7"))
	ctx = telemetry.WithRecord(ctx, &telemetry.Record{RequestID: "req-1"})
	if err := l.Record(ctx, audit.Event{Type: audit.LoginSuccess, Subject: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Record(ctx, audit.Event{Type: audit.LoginSuccess, Subject: "b", ClientIP: "198.51.100.1", RequestID: "req-2"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Record(context.Background(), audit.Event{Type: audit.LoginSuccess, Subject: "c"}); err != nil {
		t.Fatal(err)
	}
	es, err := l.Events(context.Background(), store.AuditQuery{})
	if err != nil || len(es) != 3 {
		t.Fatalf("events = %+v, %v", es, err)
	}
	for i, want := range [][2]string{{"192.0.2.7", "req-1"}, {"198.51.100.1", "req-2"}, {"", ""}} {
		if es[i].ClientIP != want[0] || es[i].RequestID != want[1] {
			t.Errorf("event %s: client IP %q, request id %q; want %q, %q", es[i].Subject, es[i].ClientIP, es[i].RequestID, want[0], want[1])
		}
	}
}

type countSink struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (s *countSink) Send(_ context.Context, e audit.Event) error {
	s.mu.Lock()
	s.ids[e.ID] = true
	s.mu.Unlock()
	return nil
}

// Every committed event reaches the sinks, also when its caller gave up
// (its context ended) after handing it over.
func TestSinksGetEveryCommittedEvent(t *testing.T) {
	st := storetest.Open(t, "sqlite://"+t.TempDir()+"/r.db")
	sink := &countSink{ids: map[string]bool{}}
	l := auditlog.New(st, auditlog.Options{Sinks: []*audit.Queue{audit.NewQueue(sink, audit.QueueOptions{Size: 1000})}})
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%20)*100*time.Microsecond)
			defer cancel()
			_ = l.Record(ctx, audit.Event{Type: audit.LoginSuccess})
		}()
	}
	wg.Wait()
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	es, err := l.Events(context.Background(), store.AuditQuery{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	for _, e := range es {
		if !sink.ids[e.ID] {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d committed events never reached the sink", missing, len(es))
	}
}
