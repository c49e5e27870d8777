package telemetry

import (
	"io"
	"sync"
	"time"
)

// BufferedWriter batches the access log's lines: it passes them to the
// writer beneath when Size bytes are pending, every Interval, and on Flush
// and Close — one write system call for many requests instead of one each.
// A line is never split across two writes. At most Interval's worth of
// lines is lost if the process dies without Close.
type BufferedWriter struct {
	mu   sync.Mutex
	w    io.Writer
	buf  []byte
	size int
	err  error // the last write error, reported by the next Write

	stop chan struct{}
	done chan struct{}
}

// NewBufferedWriter returns a writer that batches writes to w in a buffer
// of size bytes, flushed at least every interval by a goroutine that Close
// ends.
func NewBufferedWriter(w io.Writer, size int, interval time.Duration) *BufferedWriter {
	b := &BufferedWriter{w: w, buf: make([]byte, 0, size), size: size, stop: make(chan struct{}), done: make(chan struct{})}
	go b.loop(interval)
	return b
}

func (b *BufferedWriter) loop(interval time.Duration) {
	defer close(b.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			_ = b.Flush()
		}
	}
}

// Write implements io.Writer; p (one log line) is kept whole.
func (b *BufferedWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.err; err != nil {
		b.err = nil
		return 0, err
	}
	if len(b.buf)+len(p) > b.size {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > b.size {
			return b.w.Write(p)
		}
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Flush writes the pending lines.
func (b *BufferedWriter) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	err := b.flushLocked()
	if err != nil {
		b.err = err
	}
	return err
}

func (b *BufferedWriter) flushLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// Close stops the flushing goroutine and writes what is pending. It does
// not close the writer beneath.
func (b *BufferedWriter) Close() error {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	<-b.done
	return b.Flush()
}
