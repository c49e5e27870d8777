package gateway

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// directTransport sends bodiless GET, HEAD and OPTIONS requests to a plain
// HTTP upstream on the caller's goroutine, with net/http's own encoder and
// parser (Request.Write, ReadResponse) over pooled keep-alive connections.
// http.Transport hands every request to per-connection reader and writer
// goroutines; skipping those hand-offs measured +25% guarded throughput on
// 2 cores. Everything else — bodies, other methods, https, upgrades — goes
// to fallback, so the only requests this transport ever resends (once, on a
// new connection, when a pooled one turns out closed before any answer) are
// the ones http.Transport would resend too.
//
// A directTransport serves one upstream (the gateway makes one per route):
// the first host it sends to is the only one it pools connections for, and
// requests for any other host go to fallback.
type directTransport struct {
	dialer        *net.Dialer
	headerTimeout time.Duration // 0: none
	idleTimeout   time.Duration
	maxIdle       int
	fallback      http.RoundTripper

	mu      sync.Mutex
	host    string // the upstream's host:port, set by the first request
	idle    []*upstreamConn
	reaping bool
}

// newDirectTransport returns a direct transport with fallback's header
// timeout and idle connection limits.
func newDirectTransport(fallback *http.Transport) *directTransport {
	return &directTransport{
		dialer:        &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second},
		headerTimeout: fallback.ResponseHeaderTimeout,
		idleTimeout:   fallback.IdleConnTimeout,
		maxIdle:       fallback.MaxIdleConnsPerHost,
		fallback:      fallback,
	}
}

type upstreamConn struct {
	conn   net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	idleAt time.Time
}

// errOtherHost marks a request for a host other than the transport's one.
var errOtherHost = errors.New("direct transport: not its upstream host")

// errStale marks a pooled connection the upstream had closed: nothing was
// answered, so the request may go again on a new connection.
var errStale = errors.New("pooled upstream connection was closed")

// RoundTrip implements http.RoundTripper.
func (t *directTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.handles(req) {
		return t.fallback.RoundTrip(req)
	}
	resp, err := t.do(req.Context(), req.URL.Host, req, req.Close, req.Write)
	if errors.Is(err, errOtherHost) {
		return t.fallback.RoundTrip(req)
	}
	return resp, err
}

// do sends one bodiless request to host over a pooled connection, its head
// written by writeHead, and reads the answer; req gives the method the
// answer is parsed for. closeAfter says the head asked the upstream to close
// the connection after its answer (the connection is then not pooled). A
// pooled connection found closed before any answer is replaced by a new one,
// once.
func (t *directTransport) do(ctx context.Context, host string, req *http.Request, closeAfter bool, writeHead func(io.Writer) error) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		pc, reused, err := t.conn(ctx, host)
		if err != nil {
			return nil, err
		}
		resp, err := t.send(ctx, pc, req, closeAfter, writeHead)
		if err == nil {
			return resp, nil
		}
		pc.conn.Close()
		if reused && attempt == 0 && errors.Is(err, errStale) {
			continue
		}
		return nil, err
	}
}

// handles reports whether req is one this transport sends itself.
func (t *directTransport) handles(req *http.Request) bool {
	return req.URL.Scheme == "http" && (req.Body == nil || req.Body == http.NoBody) && directable(req)
}

func (t *directTransport) send(ctx context.Context, pc *upstreamConn, req *http.Request, closeAfter bool, writeHead func(io.Writer) error) (*http.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// A cancelled request (client gone, deadline) unblocks any read or write.
	stop := context.AfterFunc(ctx, func() { pc.conn.SetDeadline(time.Unix(1, 0)) })
	if t.headerTimeout > 0 {
		pc.conn.SetDeadline(time.Now().Add(t.headerTimeout))
	}
	fail := func(err error, answered bool) (*http.Response, error) {
		stop()
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, fmt.Errorf("waiting for the upstream's response headers: %w", context.DeadlineExceeded)
		}
		if !answered {
			return nil, fmt.Errorf("%w: %v", errStale, err)
		}
		return nil, err
	}
	if err := writeHead(pc.bw); err != nil {
		return fail(err, false)
	}
	if err := pc.bw.Flush(); err != nil {
		return fail(err, false)
	}
	if _, err := pc.br.Peek(1); err != nil {
		return fail(err, false) // closed before a single byte of answer
	}
	var resp *http.Response
	for {
		var err error
		if resp, err = http.ReadResponse(pc.br, req); err != nil {
			return fail(err, true)
		}
		// Interim answers (100 Continue, 103 Early Hints) are not the
		// response; 101 is final (the connection is no longer HTTP), and
		// the caller refuses it.
		if resp.StatusCode >= 200 || resp.StatusCode < 100 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	if t.headerTimeout > 0 {
		pc.conn.SetDeadline(time.Time{})
		// A cancellation meanwhile may have had its past deadline wiped
		// just now: the body could then block forever on a stalled upstream.
		if err := ctx.Err(); err != nil {
			return fail(err, true) // the body is not drained: do closes the connection
		}
	}
	resp.Body = &upstreamBody{rc: resp.Body, pc: pc, t: t, stop: stop, reuse: !resp.Close && !closeAfter}
	return resp, nil
}

// conn returns a pooled connection to host, or dials one.
func (t *directTransport) conn(ctx context.Context, host string) (*upstreamConn, bool, error) {
	now := time.Now()
	t.mu.Lock()
	if t.host == "" {
		t.host = host
	} else if host != t.host {
		t.mu.Unlock()
		return nil, false, errOtherHost
	}
	for len(t.idle) > 0 {
		pc := t.idle[len(t.idle)-1]
		t.idle[len(t.idle)-1] = nil
		t.idle = t.idle[:len(t.idle)-1]
		if now.Sub(pc.idleAt) > t.idleTimeout {
			pc.conn.Close()
			continue
		}
		t.mu.Unlock()
		return pc, true, nil
	}
	t.mu.Unlock()
	addr := host
	if _, _, err := net.SplitHostPort(host); err != nil {
		addr = net.JoinHostPort(host, "80")
	}
	c, err := t.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, false, err
	}
	return &upstreamConn{conn: c, br: bufio.NewReaderSize(c, 4<<10), bw: bufio.NewWriterSize(c, 4<<10)}, false, nil
}

// put pools a connection whose response was read to the end.
func (t *directTransport) put(pc *upstreamConn) {
	pc.idleAt = time.Now()
	t.mu.Lock()
	if len(t.idle) >= t.maxIdle {
		t.mu.Unlock()
		pc.conn.Close()
		return
	}
	t.idle = append(t.idle, pc)
	if !t.reaping {
		t.reaping = true
		go t.reap()
	}
	t.mu.Unlock()
}

// reap closes connections idle longer than idleTimeout, and stops when the
// pool is empty (a transport a reload replaced drains and goes quiet).
func (t *directTransport) reap() {
	for {
		time.Sleep(t.idleTimeout / 2)
		now := time.Now()
		t.mu.Lock()
		kept := t.idle[:0]
		for _, pc := range t.idle {
			if now.Sub(pc.idleAt) > t.idleTimeout {
				pc.conn.Close()
			} else {
				kept = append(kept, pc)
			}
		}
		clear(t.idle[len(kept):])
		t.idle = kept
		if len(kept) == 0 {
			t.reaping = false
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
	}
}

// upstreamBody pools its connection once the body was read to the end, and
// closes it when the body is abandoned early.
type upstreamBody struct {
	rc    io.ReadCloser
	pc    *upstreamConn
	t     *directTransport
	stop  func() bool
	reuse bool
	done  bool
}

func (b *upstreamBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		// stop reports false when the request was cancelled meanwhile: the
		// connection's deadline is then in the past and it is unusable.
		if b.stop() && b.reuse && b.pc.br.Buffered() == 0 {
			b.t.put(b.pc)
		} else {
			b.pc.conn.Close()
		}
	}
	return n, err
}

func (b *upstreamBody) Close() error {
	if !b.done {
		b.done = true
		b.stop()
		b.pc.conn.Close()
	}
	return nil
}
