package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Sink receives copies of recorded events: a file, syslog, a webhook.
// Send may block and fail; a Queue runs it away from the request path and
// retries it.
type Sink interface {
	Send(ctx context.Context, e Event) error
}

// QueueOptions tune a Queue. The zero value is usable.
type QueueOptions struct {
	// Name names the sink in log lines. Empty means "sink".
	Name string
	// Size bounds the events waiting for delivery. Zero means 1024.
	Size int
	// Attempts is how many times an event is tried before it is dropped.
	// Zero means 5.
	Attempts int
	// Backoff is the wait after the first failure; it doubles after each
	// further one, up to MaxBackoff. Zero means 200ms.
	Backoff time.Duration
	// MaxBackoff caps the wait between attempts. Zero means 30s.
	MaxBackoff time.Duration
	// Timeout bounds one attempt. Zero means 10s.
	Timeout time.Duration
	// Log receives dropped events (by id and type, never content). Nil discards.
	Log *slog.Logger
}

// Queue delivers events to a Sink from one goroutine, in order, with
// retries and exponential back-off. Offer never blocks: when the queue is
// full the event is dropped, counted and logged. It is safe for concurrent use.
type Queue struct {
	sink    Sink
	o       QueueOptions
	ch      chan Event
	stop    chan struct{}
	done    chan struct{}
	closeMu sync.RWMutex
	closed  bool
	giveUp  sync.Once
	release sync.Once
	// base parents every attempt's context; abort cancels it when Close
	// gives up, so an attempt in flight ends with Close's deadline rather
	// than its own Timeout.
	base  context.Context
	abort context.CancelFunc

	dropped   atomic.Uint64
	failed    atomic.Uint64
	delivered atomic.Uint64
}

// NewQueue starts delivering to sink; Close stops it.
func NewQueue(sink Sink, o QueueOptions) *Queue {
	if o.Name == "" {
		o.Name = "sink"
	}
	if o.Size <= 0 {
		o.Size = 1024
	}
	if o.Attempts <= 0 {
		o.Attempts = 5
	}
	if o.Backoff <= 0 {
		o.Backoff = 200 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	q := &Queue{sink: sink, o: o, ch: make(chan Event, o.Size), stop: make(chan struct{}), done: make(chan struct{})}
	q.base, q.abort = context.WithCancel(context.Background())
	go q.run()
	return q
}

// Offer queues e for delivery and reports whether it was queued. A full or
// closed queue drops e and counts it in Dropped.
func (q *Queue) Offer(e Event) bool {
	q.closeMu.RLock()
	defer q.closeMu.RUnlock()
	if !q.closed {
		select {
		case q.ch <- e:
			return true
		default:
		}
	}
	n := q.dropped.Add(1)
	q.o.Log.Warn("audit sink queue full: event dropped (the database still has it)", "sink", q.o.Name, "event.id", e.ID, "event.action", string(e.Type), "dropped_total", n)
	return false
}

// Dropped is how many events were refused because the queue was full or closed.
func (q *Queue) Dropped() uint64 { return q.dropped.Load() }

// Failed is how many events were given up after every attempt failed.
func (q *Queue) Failed() uint64 { return q.failed.Load() }

// Delivered is how many events the sink accepted.
func (q *Queue) Delivered() uint64 { return q.delivered.Load() }

// Close stops accepting events and delivers those queued until ctx ends;
// what is left then is dropped, and an attempt in flight is cancelled, so
// Close returns soon after ctx ends even when a sink hangs (as long as its
// Send heeds its context). When the delivering goroutine has ended, Close
// closes the sink if it is an io.Closer (a FileSink, a SyslogSink), once.
func (q *Queue) Close(ctx context.Context) error {
	q.closeMu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.closeMu.Unlock()
	var err error
	select {
	case <-q.done:
	case <-ctx.Done():
		q.giveUp.Do(func() {
			close(q.stop)
			q.abort()
		})
		<-q.done
		err = ctx.Err()
	}
	q.release.Do(func() {
		if c, ok := q.sink.(io.Closer); ok {
			if cerr := c.Close(); cerr != nil {
				err = errors.Join(err, fmt.Errorf("audit sink %s: closing: %w", q.o.Name, cerr))
			}
		}
	})
	return err
}

func (q *Queue) run() {
	defer close(q.done)
	defer q.abort()
	for e := range q.ch {
		select {
		case <-q.stop:
			q.dropped.Add(1)
			continue
		default:
		}
		q.deliver(e)
	}
}

// deliver tries e until it is accepted, attempts run out or Close gives up.
func (q *Queue) deliver(e Event) {
	wait := q.o.Backoff
	var err error
	for attempt := 1; attempt <= q.o.Attempts; attempt++ {
		ctx, cancel := context.WithTimeout(q.base, q.o.Timeout)
		err = q.sink.Send(ctx, e)
		cancel()
		if err == nil {
			q.delivered.Add(1)
			return
		}
		if attempt == q.o.Attempts {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-q.stop:
			t.Stop()
			attempt = q.o.Attempts
		}
		wait = min(wait*2, q.o.MaxBackoff)
	}
	q.failed.Add(1)
	q.o.Log.Warn("audit sink failed: event not delivered (the database still has it)", "sink", q.o.Name, "event.id", e.ID, "event.action", string(e.Type), "error", err)
}
