package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestFileSink(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	if err := os.WriteFile(path, []byte(`{"earlier":true}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := OpenFileSink(path)
	if err != nil {
		t.Fatal(err)
	}
	es := sample(3)
	for _, e := range es {
		if err := s.Send(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 4 || lines[0] != `{"earlier":true}` {
		t.Fatalf("file = %q (must append)", data)
	}
	for i, l := range lines[1:] {
		var got Event
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatal(err)
		}
		if got.Hash != es[i].Hash || got.Seq != es[i].Seq || got.Details["n"] != es[i].Details["n"] || ComputeHash(got) != got.Hash {
			t.Fatalf("line %d = %+v", i, got)
		}
	}
	fresh := filepath.Join(t.TempDir(), "new.jsonl")
	s2, err := OpenFileSink(fresh)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	if st, _ := os.Stat(fresh); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", st.Mode().Perm())
	}
}

// rfc5424 matches HEADER SP STRUCTURED-DATA SP MSG of RFC 5424 section 6.
var rfc5424 = regexp.MustCompile(`^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) (\S{1,255}) (\S{1,48}) (\S{1,128}) (\S{1,32}) (\[rampart@32473(?: [a-z_]+="(?:[^"\\\]]|\\.)*")*\]) \x{feff}(.*)$`)

func TestSyslogUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	s, err := NewSyslogSink("udp://"+pc.LocalAddr().String(), "auth")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := sample(1)[0]
	e.Subject = `al"ice]\x`
	if err := s.Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8192)
	_ = pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	m := rfc5424.FindStringSubmatch(string(buf[:n]))
	if m == nil {
		t.Fatalf("not RFC 5424: %q", buf[:n])
	}
	if pri, _ := strconv.Atoi(m[1]); pri != 4*8+4 { // auth, warning (a failure)
		t.Fatalf("PRI = %d, want 36", pri)
	}
	if m[4] != "rampart" || m[6] != "login.failure" || m[2] != "2025-01-02T03:04:05.678901Z" {
		t.Fatalf("header = %q", m[0][:80])
	}
	if !strings.Contains(m[7], `subject="al\"ice\]\\x"`) || !strings.Contains(m[7], `hash="`+e.Hash+`"`) {
		t.Fatalf("structured data = %s", m[7])
	}
	var got Event
	if err := json.Unmarshal([]byte(m[8]), &got); err != nil || got.Hash != e.Hash {
		t.Fatalf("MSG = %q, %v", m[8], err)
	}
}

func TestSyslogTCPOctetCounting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 2)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for range 2 {
			lenText, err := r.ReadString(' ')
			if err != nil {
				return
			}
			n, _ := strconv.Atoi(strings.TrimSpace(lenText))
			b := make([]byte, n)
			if _, err := io.ReadFull(r, b); err != nil {
				return
			}
			got <- string(b)
		}
	}()
	s, err := NewSyslogSink("tcp://"+ln.Addr().String(), "local3")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, e := range sample(2) {
		if err := s.Send(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		select {
		case m := <-got:
			if !rfc5424.MatchString(m) || !strings.HasPrefix(m, "<156>1 ") { // local3 (19) * 8 + warning
				t.Fatalf("frame = %q", m)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no frame")
		}
	}
}

func TestSyslogConfigErrors(t *testing.T) {
	for _, c := range [][2]string{{"udp:/x", "auth"}, {"http://h:1", "auth"}, {"udp://h", "auth"}, {"udp://h:514", "nope"}} {
		if _, err := NewSyslogSink(c[0], c[1]); err == nil {
			t.Errorf("NewSyslogSink(%q, %q) accepted", c[0], c[1])
		}
	}
}

func TestWebhookRetriesThenDelivers(t *testing.T) {
	var calls atomic.Int32
	var mu sync.Mutex
	var bodies []Event
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if r.Header.Get("Authorization") != "Bearer hook-token" || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var e Event
		_ = json.NewDecoder(r.Body).Decode(&e)
		mu.Lock()
		bodies = append(bodies, e)
		mu.Unlock()
	}))
	defer srv.Close()
	sink := &WebhookSink{URL: srv.URL, Header: http.Header{"Authorization": {"Bearer hook-token"}}}
	q := NewQueue(sink, QueueOptions{Name: "webhook", Backoff: time.Millisecond, Attempts: 5})
	e := sample(1)[0]
	if !q.Offer(e) {
		t.Fatal("offer refused")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 || q.Delivered() != 1 || q.Failed() != 0 {
		t.Fatalf("calls %d delivered %d failed %d", calls.Load(), q.Delivered(), q.Failed())
	}
	if len(bodies) != 1 || bodies[0].Hash != e.Hash {
		t.Fatalf("bodies = %+v", bodies)
	}
}

func TestWebhookGivesUp(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	q := NewQueue(&WebhookSink{URL: srv.URL + "/?token=s3cr3t"}, QueueOptions{Backoff: time.Millisecond, Attempts: 3})
	q.Offer(sample(1)[0])
	_ = q.Close(context.Background())
	if calls.Load() != 3 || q.Failed() != 1 || q.Delivered() != 0 {
		t.Fatalf("calls %d failed %d", calls.Load(), q.Failed())
	}
	err := (&WebhookSink{URL: "http://127.0.0.1:1/?token=s3cr3t"}).Send(context.Background(), sample(1)[0])
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("error %v (must not quote the URL)", err)
	}
}

// blockingSink holds every Send until released.
type blockingSink struct {
	release chan struct{}
	got     atomic.Int32
}

func (b *blockingSink) Send(ctx context.Context, _ Event) error {
	select {
	case <-b.release:
		b.got.Add(1)
		return nil
	case <-ctx.Done():
		return errors.New("timeout")
	}
}

// A full queue drops and counts; Offer never blocks the caller.
func TestQueueFullDrops(t *testing.T) {
	b := &blockingSink{release: make(chan struct{})}
	q := NewQueue(b, QueueOptions{Size: 2})
	es := sample(10)
	start := time.Now()
	accepted := 0
	for _, e := range es {
		if q.Offer(e) {
			accepted++
		}
	}
	if time.Since(start) > time.Second {
		t.Fatal("Offer blocked")
	}
	// One event may already be in Send, two wait in the queue.
	if accepted < 2 || accepted > 3 || q.Dropped() != uint64(10-accepted) {
		t.Fatalf("accepted %d dropped %d", accepted, q.Dropped())
	}
	close(b.release)
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if int(b.got.Load()) != accepted {
		t.Fatalf("delivered %d of %d accepted", b.got.Load(), accepted)
	}
	if q.Offer(es[0]) {
		t.Fatal("closed queue accepted an event")
	}
}

// Close gives up when its context ends, counting what was left.
func TestQueueCloseDeadline(t *testing.T) {
	b := &blockingSink{release: make(chan struct{})}
	q := NewQueue(b, QueueOptions{Size: 10, Timeout: 50 * time.Millisecond, Attempts: 100, Backoff: 10 * time.Millisecond})
	for _, e := range sample(5) {
		q.Offer(e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := q.Close(ctx); err == nil {
		t.Fatal("Close met its deadline with a stuck sink")
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("Close took %v", time.Since(start))
	}
	if q.Failed()+q.Dropped() != 5 {
		t.Fatalf("failed %d dropped %d", q.Failed(), q.Dropped())
	}
}

// A redirect is a failed attempt: following it would turn the POST into a
// body-less GET (event lost but counted delivered) and hand the secret
// header to the redirect's target.
func TestWebhookDoesNotFollowRedirects(t *testing.T) {
	var leaked atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Hook-Secret") != "" {
			leaked.Add(1)
		}
	}))
	defer target.Close()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Redirect(w, r, target.URL+"/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	for _, client := range []*http.Client{nil, {Timeout: 5 * time.Second}} {
		sink := &WebhookSink{URL: srv.URL, Header: http.Header{"X-Hook-Secret": {"s3cr3t"}}, Client: client}
		err := sink.Send(context.Background(), sample(1)[0])
		if err == nil || !strings.Contains(err.Error(), "302") {
			t.Fatalf("client %v: Send = %v, want a failed attempt on 302", client, err)
		}
	}
	if calls.Load() != 2 || leaked.Load() != 0 {
		t.Fatalf("calls %d, secret sent to the redirect target %d times", calls.Load(), leaked.Load())
	}
}

// Close's deadline cancels an attempt in flight: a webhook that never
// answers must not hold shutdown for the attempt's (much longer) Timeout.
func TestQueueCloseCancelsAttemptInFlight(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	q := NewQueue(&WebhookSink{URL: srv.URL, Client: &http.Client{}}, QueueOptions{Timeout: time.Minute, Attempts: 1})
	q.Offer(sample(1)[0])
	<-arrived
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := q.Close(ctx); err == nil {
		t.Fatal("Close met its deadline with a webhook that never answers")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Close took %v with a 100ms deadline", d)
	}
	if q.Failed() != 1 {
		t.Fatalf("failed %d, want 1", q.Failed())
	}
}

// closingSink records whether Close ran while a Send was still going.
type closingSink struct {
	sending atomic.Bool
	closes  atomic.Int32
	early   atomic.Bool
}

func (s *closingSink) Send(context.Context, Event) error {
	s.sending.Store(true)
	time.Sleep(time.Millisecond)
	s.sending.Store(false)
	return nil
}

func (s *closingSink) Close() error {
	if s.sending.Load() {
		s.early.Store(true)
	}
	s.closes.Add(1)
	return nil
}

// Queue.Close closes a sink that is an io.Closer, once, after the last Send.
func TestQueueCloseClosesSink(t *testing.T) {
	s := &closingSink{}
	q := NewQueue(s, QueueOptions{})
	for _, e := range sample(5) {
		q.Offer(e)
	}
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = q.Close(context.Background())
	if s.closes.Load() != 1 || s.early.Load() || q.Delivered() != 5 {
		t.Fatalf("closes %d, closed during a Send %v, delivered %d", s.closes.Load(), s.early.Load(), q.Delivered())
	}
	// A FileSink's file is closed with its queue.
	fs, err := OpenFileSink(filepath.Join(t.TempDir(), "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	q = NewQueue(fs, QueueOptions{})
	q.Offer(sample(1)[0])
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := fs.Send(context.Background(), sample(1)[0]); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Send after the queue closed = %v, want os.ErrClosed", err)
	}
}
