// Package auditlog is rampart's audit trail: an audit.Recorder that chains
// events into the database (the source of truth) and hands copies to the
// configured sinks, plus the queries behind `rampart audit`.
package auditlog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/clientip"
	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/telemetry"
)

// Options are the optional collaborators of a Log.
type Options struct {
	// Sinks receive a copy of every recorded event after it is committed.
	// Close closes them.
	Sinks []*audit.Queue
	// Now is the clock for events without a time. Nil means time.Now.
	Now func() time.Time
	// Rand makes event ids. Nil means crypto/rand.
	Rand io.Reader
}

// Log records audit events in the database and copies them to sinks. It is
// safe for concurrent use.
type Log struct {
	st    *store.Store
	sinks []*audit.Queue
	now   func() time.Time
	rand  io.Reader

	in         chan *pending
	stopped    chan struct{}
	stopOnce   sync.Once
	writerDone chan struct{}

	// afterChainRead, when set (by tests), runs in Verify between reading
	// the chain's start and head and walking it.
	afterChainRead func()
}

var _ audit.Recorder = (*Log)(nil)

// New returns a Log over st and starts its writer; Close stops it.
func New(st *store.Store, o Options) *Log {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	l := &Log{st: st, sinks: o.Sinks, now: o.Now, rand: o.Rand,
		in: make(chan *pending, maxBatch), stopped: make(chan struct{}), writerDone: make(chan struct{})}
	go l.write()
	return l
}

// ErrSecretDetail is returned for an event whose details name a credential.
var ErrSecretDetail = errors.New("audit event details must not carry credentials")

// credentialWords may not appear in a detail's key: a guard against a
// caller that would put a secret in the trail.
func credentialWords() []string {
	return []string{"password", "secret", "authorization", "cookie", "private", "credential"}
}

// Record chains e into the database and returns once it is committed
// (events recorded at the same moment share a transaction). Each committed
// event is offered to the sinks, without waiting for them, whether or not
// its caller is still waiting. An event without a client IP
// or request id gets the request's, when ctx is a request's: the IP
// rampart decided for it (clientip.FromContext) and the id the client was
// given (telemetry.RecordFrom), never one it merely sent.
func (l *Log) Record(ctx context.Context, e audit.Event) error {
	if e.Type == "" {
		return errors.New("recording audit event: no type")
	}
	for k := range e.Details {
		lk := strings.ToLower(k)
		for _, w := range credentialWords() {
			if strings.Contains(lk, w) {
				return fmt.Errorf("recording %s event: detail %q: %w", e.Type, k, ErrSecretDetail)
			}
		}
	}
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	if e.ClientIP == "" {
		if ip, ok := clientip.FromContext(ctx); ok && ip.IsValid() {
			e.ClientIP = ip.String()
		}
	}
	if e.RequestID == "" {
		if rec := telemetry.RecordFrom(ctx); rec != nil {
			e.RequestID = rec.RequestID
		}
	}
	id := make([]byte, 12)
	if _, err := io.ReadFull(l.rand, id); err != nil {
		return fmt.Errorf("recording audit event: %w", err)
	}
	e.ID = "evt_" + hex.EncodeToString(id)
	_, err := l.enqueue(ctx, e)
	return err
}

// Events returns the events q selects.
func (l *Log) Events(ctx context.Context, q store.AuditQuery) ([]audit.Event, error) {
	rows, err := l.st.AuditEvents(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]audit.Event, len(rows))
	for i, r := range rows {
		out[i] = FromRow(r)
	}
	return out, nil
}

// Verify walks the whole chain and checks it from its recorded start (the
// last event pruned) to its recorded head, both read at one moment: events
// appended during the walk lie past that head and are not read, and a chain
// whose start moved during the walk (a prune deleted what it was reading) is
// walked again from the new start rather than reported as damaged.
func (l *Log) Verify(ctx context.Context) (audit.Result, error) {
	for attempt := 0; ; attempt++ {
		start, head, err := l.st.AuditChain(ctx)
		if err != nil {
			return audit.Result{}, fmt.Errorf("reading the audit chain: %w", err)
		}
		if l.afterChainRead != nil {
			l.afterChainRead()
		}
		res, err := audit.VerifyFrom(l.all(ctx, head.Seq), audit.Head{Seq: start.Seq, Hash: start.Hash}, &audit.Head{Seq: head.Seq, Hash: head.Hash})
		if err != nil || res.Intact() || attempt == 2 {
			return res, err
		}
		now, _, err := l.st.AuditChain(ctx)
		if err != nil {
			return audit.Result{}, fmt.Errorf("reading the audit chain: %w", err)
		}
		if now == start {
			return res, nil
		}
	}
}

// Prune deletes the events recorded before before and, in the same
// transaction, records an audit.pruned event by actor naming the last one
// deleted, which becomes the chain's start: the rest still verifies, and a
// deletion past the start still shows. It returns how many were deleted
// and the chain's new start (Events 0, recording nothing, when none is that
// old).
func (l *Log) Prune(ctx context.Context, before time.Time, actor string) (store.AuditPrune, error) {
	id := make([]byte, 12)
	if _, err := io.ReadFull(l.rand, id); err != nil {
		return store.AuditPrune{}, fmt.Errorf("pruning audit events: %w", err)
	}
	var out audit.Event
	res, err := l.st.PruneAuditEvents(ctx, before, func(h store.AuditHead, p store.AuditPrune) (store.AuditEvent, error) {
		out = audit.Chain(audit.Event{ID: "evt_" + hex.EncodeToString(id), Time: l.now(), Type: audit.AuditPruned, Actor: actor,
			Outcome: audit.Success, Details: map[string]string{"events": strconv.FormatInt(p.Events, 10),
				"through_seq": strconv.FormatInt(p.Through.Seq, 10), "through_hash": p.Through.Hash,
				"before": before.UTC().Format(time.RFC3339)}},
			audit.Head{Seq: h.Seq, Hash: h.Hash})
		return toRow(out), nil
	})
	if err != nil {
		return store.AuditPrune{}, err
	}
	if res.Events > 0 {
		for _, q := range l.sinks {
			q.Offer(out)
		}
	}
	return res, nil
}

// errStop ends a walk early when Verify has seen enough.
var errStop = errors.New("stop")

// all yields every stored event up to seq through in chain order.
func (l *Log) all(ctx context.Context, through int64) iter.Seq2[audit.Event, error] {
	return func(yield func(audit.Event, error) bool) {
		err := l.st.WalkAuditEvents(ctx, through, func(r store.AuditEvent) error {
			if !yield(FromRow(r), nil) {
				return errStop
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			yield(audit.Event{}, err)
		}
	}
}

// Close stops recording (Record fails afterwards), then lets the sinks
// deliver what they still hold until ctx ends.
func (l *Log) Close(ctx context.Context) error {
	l.stopOnce.Do(func() { close(l.stopped) })
	<-l.writerDone
	var errs []error
	for _, q := range l.sinks {
		if err := q.Close(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func toRow(e audit.Event) store.AuditEvent {
	return store.AuditEvent{Seq: e.Seq, ID: e.ID, Time: e.Time, Type: string(e.Type), Actor: e.Actor, Subject: e.Subject,
		ClientIP: e.ClientIP, RequestID: e.RequestID, Outcome: string(e.Outcome), Details: e.Details, PrevHash: e.PrevHash, Hash: e.Hash}
}

// FromRow turns a stored row into an audit.Event.
func FromRow(r store.AuditEvent) audit.Event {
	return audit.Event{Seq: r.Seq, ID: r.ID, Time: r.Time, Type: audit.Type(r.Type), Actor: r.Actor, Subject: r.Subject,
		ClientIP: r.ClientIP, RequestID: r.RequestID, Outcome: audit.Outcome(r.Outcome), Details: r.Details, PrevHash: r.PrevHash, Hash: r.Hash}
}
