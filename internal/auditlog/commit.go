package auditlog

import (
	"context"
	"errors"
	"time"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/internal/store"
)

// Group commit: every event is committed before Record returns, but events
// recorded at the same moment (a burst of denials, many logins) share one
// transaction, so the database's commit cost (an fsync; milliseconds on
// PostgreSQL) is paid once per batch rather than once per event.

// maxBatch bounds the events committed in one transaction.
const maxBatch = 256

// commitTimeout bounds one batch's transaction.
const commitTimeout = 10 * time.Second

// errClosed is returned by Record after Close.
var errClosed = errors.New("recording audit event: the audit log is closed")

type pending struct {
	e    audit.Event
	done chan error
	out  audit.Event
}

// enqueue hands e to the writer and waits until it is committed or ctx
// ends. An event whose caller gave up may still be committed: the trail then
// holds an action that was reported as failed, never the reverse.
func (l *Log) enqueue(ctx context.Context, e audit.Event) (audit.Event, error) {
	p := &pending{e: e, done: make(chan error, 1)}
	select {
	case <-l.stopped:
		return audit.Event{}, errClosed
	default:
	}
	select {
	case l.in <- p:
	case <-l.stopped:
		return audit.Event{}, errClosed
	case <-ctx.Done():
		return audit.Event{}, ctx.Err()
	}
	select {
	case err := <-p.done:
		return p.out, err
	case <-l.writerDone:
		select {
		case err := <-p.done:
			return p.out, err
		default:
			return audit.Event{}, errClosed
		}
	case <-ctx.Done():
		return audit.Event{}, ctx.Err()
	}
}

// write is the writer goroutine: it takes the next event, gathers whatever
// else is already waiting, and commits them together.
func (l *Log) write() {
	defer close(l.writerDone)
	for {
		var first *pending
		select {
		case first = <-l.in:
		case <-l.stopped:
			// Commit what was handed over before Close.
			for {
				select {
				case p := <-l.in:
					l.commit([]*pending{p})
				default:
					return
				}
			}
		}
		batch := []*pending{first}
	gather:
		for len(batch) < maxBatch {
			select {
			case p := <-l.in:
				batch = append(batch, p)
			default:
				break gather
			}
		}
		l.commit(batch)
	}
}

// commit appends batch in one transaction, offers each committed event to
// the sinks and tells each caller.
func (l *Log) commit(batch []*pending) {
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	rows, err := l.st.AppendAuditEvents(ctx, func(h store.AuditHead) ([]store.AuditEvent, error) {
		head := audit.Head{Seq: h.Seq, Hash: h.Hash}
		out := make([]store.AuditEvent, len(batch))
		for i, p := range batch {
			e := audit.Chain(p.e, head)
			head = audit.Head{Seq: e.Seq, Hash: e.Hash}
			out[i] = toRow(e)
		}
		return out, nil
	})
	for i, p := range batch {
		if err == nil {
			p.out = FromRow(rows[i])
			// Here, not in Record: its caller may have given up already.
			for _, q := range l.sinks {
				q.Offer(p.out)
			}
		}
		p.done <- err
	}
}
