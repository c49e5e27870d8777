package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestNeverLeavesTheTarget: redirects and links to another host (and to
// another port of the same host) are never followed.
func TestNeverLeavesTheTarget(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		writeJSONBody(w, 200, map[string]string{"data": "other host"})
	}))
	defer other.Close()
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			w.Header().Add("Link", "<"+other.URL+"/linked>; rel=next")
			fmt.Fprintf(w, `<a href="%s/a">a</a><a href="%s/b">b</a><a href="/local">local</a><img src="//evil.invalid/x.png">`, other.URL, otherURL)
		case "/local":
			http.Redirect(w, r, other.URL+"/redirected", http.StatusFound)
		case "/openapi.json":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"links": ["%s/json-link", "/local"]}`, other.URL)
		default:
			http.Redirect(w, r, other.URL+r.URL.Path, http.StatusMovedPermanently)
		}
	}))
	defer target.Close()
	r := scanT(t, Options{Target: target.URL, Auth: "Bearer x", Active: true})
	if n := elsewhere.Load(); n != 0 {
		t.Fatalf("the other host got %d requests", n)
	}
	if r.Operations < 2 {
		t.Errorf("the same-origin link /local was not discovered: %d operations", r.Operations)
	}
	t.Run("client refuses another origin", func(t *testing.T) {
		c := newClient(mustURL(t, target.URL), Options{Rate: 100, MaxRequests: 10, Timeout: time.Second})
		// A probe path is always resolved under the origin, even one that
		// looks like a network-path reference.
		ex, err := c.do(context.Background(), "test", probe{method: "GET", path: "//" + strings.TrimPrefix(other.URL, "http://") + "/x"})
		if err != nil || ex.url.Host != strings.TrimPrefix(target.URL, "http://") {
			t.Fatalf("probe went to %v (err %v)", ex, err)
		}
		req, _ := http.NewRequest("GET", other.URL, nil)
		if _, err := c.http.Do(req); !errors.Is(err, ErrOutOfScope) {
			t.Fatalf("transport err = %v, want ErrOutOfScope", err)
		}
		if elsewhere.Load() != 0 {
			t.Fatal("the other host was reached")
		}
	})
}

// TestBudgetAndRate: the scan stops at --max-requests and never exceeds
// --rate.
func TestBudgetAndRate(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		writeJSONBody(w, 200, map[string]string{"ok": "yes"})
	}))
	defer srv.Close()
	t.Run("budget", func(t *testing.T) {
		r := scanT(t, Options{Target: srv.URL, OpenAPI: tutorialSpec(t), MaxRequests: 25, Auth: "Bearer x"})
		mu.Lock()
		got := len(times)
		mu.Unlock()
		if got > 25 || r.Requests.Total > 25 {
			t.Fatalf("server saw %d requests, report says %d; budget 25", got, r.Requests.Total)
		}
		if !strings.Contains(strings.Join(r.Notes, "\n"), "budget") {
			t.Errorf("notes do not say the budget was spent: %v", r.Notes)
		}
	})
	t.Run("rate", func(t *testing.T) {
		mu.Lock()
		times = nil
		mu.Unlock()
		start := time.Now()
		r := scanT(t, Options{Target: srv.URL, MaxRequests: 30, Rate: 20})
		took := time.Since(start)
		// 30 requests at 20/s with a burst of 1 need at least 29/20 s.
		if r.Requests.Total < 30 {
			t.Fatalf("only %d requests sent; the test needs the budget spent", r.Requests.Total)
		}
		if took < 1400*time.Millisecond {
			t.Errorf("%d requests took %v at --rate 20", r.Requests.Total, took)
		}
		mu.Lock()
		defer mu.Unlock()
		for i := 10; i < len(times); i++ {
			if d := times[i].Sub(times[i-10]); d < 400*time.Millisecond {
				t.Fatalf("10 requests within %v at --rate 20", d)
			}
		}
	})
}

// planRecorder records whether the target had been hit when the plan was
// first written.
type planRecorder struct {
	hits      *atomic.Int64
	mu        sync.Mutex
	buf       bytes.Buffer
	hitsFirst int64
	written   bool
}

func (p *planRecorder) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.written {
		p.written, p.hitsFirst = true, p.hits.Load()
	}
	return p.buf.Write(b)
}

// TestPlanBeforeRequests: the plan is printed before the first request and
// says what will happen.
func TestPlanBeforeRequests(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	rec := &planRecorder{hits: &hits}
	scanT(t, Options{Target: srv.URL, OpenAPI: tutorialSpec(t), Plan: rec})
	if !rec.written || rec.hitsFirst != 0 {
		t.Fatalf("plan written=%t after %d requests", rec.written, rec.hitsFirst)
	}
	for _, want := range []string{"passive", "at most 2000 requests", "2000 requests/s", "injection  skipped: needs --active", "GET /api/items/{id}", srv.URL} {
		if !strings.Contains(rec.buf.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, rec.buf.String())
		}
	}
}

// TestBadInput: unreachable targets, malformed descriptions and bad options
// are errors that name the problem.
func TestBadInput(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.NotFoundHandler())
	dead := closed.URL
	closed.Close()
	live := httptest.NewServer(http.NotFoundHandler())
	defer live.Close()
	cases := []struct {
		name string
		o    Options
		want error
		text string
	}{
		{"unreachable", Options{Target: dead}, ErrUnreachable, strings.TrimPrefix(dead, "http://")},
		{"not a url", Options{Target: "::nope"}, ErrBadOptions, "::nope"},
		{"ftp", Options{Target: "ftp://example.com"}, ErrBadOptions, "scheme"},
		{"credentials in url", Options{Target: "http://u:p@127.0.0.1/"}, ErrBadOptions, "--auth"},
		{"malformed yaml", Options{Target: live.URL, OpenAPI: []byte("openapi: [3"), OpenAPISource: "broken.yaml"}, ErrBadSpec, "broken.yaml"},
		{"not openapi", Options{Target: live.URL, OpenAPI: []byte(`{"hello": "world"}`), OpenAPISource: "x.json"}, ErrBadSpec, "x.json"},
		{"no paths", Options{Target: live.URL, OpenAPI: []byte("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n"), OpenAPISource: "empty.yaml"}, ErrBadSpec, "no paths"},
		{"external ref", Options{Target: live.URL, OpenAPI: []byte("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    $ref: 'http://example.com/x.yaml'\n"), OpenAPISource: "ref.yaml"}, ErrBadSpec, "ref.yaml"},
		{"negative budget", Options{Target: live.URL, MaxRequests: -1}, ErrBadOptions, "--max-requests"},
		{"auth2 alone", Options{Target: live.URL, Auth2: "Bearer x"}, ErrBadOptions, "--auth2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), tc.o)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q does not name %q", err, tc.text)
			}
		})
	}
}
