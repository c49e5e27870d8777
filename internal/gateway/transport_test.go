package gateway

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer is an upstream that counts the connections it accepted.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func testTransport(headerTimeout time.Duration) *directTransport {
	return newDirectTransport(NewTransport(headerTimeout))
}

func get(t *testing.T, tr http.RoundTripper, url string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// Sequential requests share one pooled connection.
func TestDirectTransportReusesConnections(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok "+r.URL.Path) })
	tr := testTransport(5 * time.Second)
	for i := range 20 {
		if resp, body := get(t, tr, srv.URL+"/x"); resp.StatusCode != 200 || body != "ok /x" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, body)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 20 sequential requests, want 1", n)
	}
}

// An upstream that closes an idle keep-alive connection without saying so:
// the next GET on it fails before any answer and is sent again, once, on a
// new connection — the client never sees the stale connection.
func TestDirectTransportRetriesStaleConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() { // one answer per connection, then a silent close
				defer c.Close()
				br := bufio.NewReader(c)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			}()
		}
	}()
	tr := testTransport(5 * time.Second)
	url := "http://" + ln.Addr().String() + "/"
	if _, body := get(t, tr, url); body != "ok" {
		t.Fatalf("first: %q", body)
	}
	time.Sleep(50 * time.Millisecond) // the upstream has closed the pooled connection
	if _, body := get(t, tr, url); body != "ok" {
		t.Fatalf("second, over a stale pooled connection: %q", body)
	}
	if n := accepted.Load(); n != 2 {
		t.Fatalf("%d connections, want 2 (the stale one replaced once)", n)
	}
}

// A body abandoned before its end closes its connection; "Connection:
// close" is honoured; requests with bodies and other methods go to the
// standard transport and still reach the upstream.
func TestDirectTransportConnectionLifecycle(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			io.WriteString(w, strings.Repeat("x", 1<<20))
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		default:
			b, _ := io.ReadAll(r.Body)
			io.WriteString(w, r.Method+" "+string(b))
		}
	})
	tr := testTransport(5 * time.Second)
	get(t, tr, srv.URL+"/a") // conn 1, pooled
	req, _ := http.NewRequest("GET", srv.URL+"/big", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadFull(resp.Body, make([]byte, 10))
	resp.Body.Close()            // abandoned: conn 1 closed
	get(t, tr, srv.URL+"/close") // conn 2, closed after
	get(t, tr, srv.URL+"/a")     // conn 3
	if n := conns.Load(); n != 3 {
		t.Fatalf("%d connections, want 3", n)
	}
	post, _ := http.NewRequest("POST", srv.URL+"/p", strings.NewReader("body"))
	resp, err = tr.RoundTrip(post)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "POST body" {
		t.Fatalf("POST through the fallback: %q", b)
	}
}

// A stalled upstream: the header timeout gives a DeadlineExceeded (504
// upstream of it), and a cancelled request returns at once.
func TestDirectTransportTimeoutAndCancel(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	tr := testTransport(200 * time.Millisecond)
	req, _ := http.NewRequest("GET", srv.URL+"/slow", nil)
	if _, err := tr.RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stalled upstream: %v, want DeadlineExceeded", err)
	}
	tr = testTransport(time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ = http.NewRequestWithContext(ctx, "GET", srv.URL+"/slow", nil)
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	if _, err := tr.RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled request: %v, want Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancellation took %s", d)
	}
}

// Interim 1xx answers are skipped; the final answer is the response.
func TestDirectTransportSkipsInterimResponses(t *testing.T) {
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, "final")
	})
	resp, body := get(t, testTransport(5*time.Second), srv.URL+"/")
	if resp.StatusCode != 200 || body != "final" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
}

// cancelOnRead cancels a request when its answer's first bytes are read,
// and waits for the cancellation to take effect before handing them on:
// the request is cancelled between the answer's arrival and its parsing.
type cancelOnRead struct {
	net.Conn
	cancel func()
	once   bool
}

func (c *cancelOnRead) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.once {
		c.once = true
		c.cancel()
		time.Sleep(50 * time.Millisecond) // the AfterFunc sets its past deadline
	}
	return n, err
}

// A request cancelled while the response head is being read does not
// leave a connection without a deadline: it fails rather than hand back a
// body that blocks forever on a stalled upstream.
func TestDirectTransportCancelledDuringHead(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	go func() {
		if _, err := http.ReadRequest(bufio.NewReader(server)); err != nil {
			return
		}
		io.WriteString(server, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab") // then stalls
	}()
	tr := testTransport(time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &cancelOnRead{Conn: client, cancel: cancel}
	tr.put(&upstreamConn{conn: c, br: bufio.NewReaderSize(c, 4<<10), bw: bufio.NewWriterSize(c, 4<<10)})
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://upstream.test/", nil)
	done := make(chan error, 1)
	go func() {
		resp, err := tr.RoundTrip(req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
		}
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(3 * time.Second):
		client.Close()
		t.Fatal("a cancelled request blocks on a stalled upstream")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled request: %v, want Canceled", err)
	}
}

// A transport pools connections for one upstream only: a request for
// another host goes through the fallback and never gets the first host's
// connections.
func TestDirectTransportServesOneHost(t *testing.T) {
	a, aConns := countingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "a") })
	b, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "b") })
	tr := testTransport(5 * time.Second)
	for range 3 {
		if _, body := get(t, tr, a.URL); body != "a" {
			t.Fatalf("first host: %q", body)
		}
		if _, body := get(t, tr, b.URL); body != "b" {
			t.Fatalf("second host: %q", body)
		}
	}
	if n := aConns.Load(); n != 1 {
		t.Fatalf("%d connections to the first host, want 1", n)
	}
	if tr.headerTimeout != 5*time.Second {
		t.Fatalf("header timeout %s, want the fallback's", tr.headerTimeout)
	}
}
