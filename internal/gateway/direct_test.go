package gateway

import (
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/authn"
)

// newTestProxy returns a proxy to raw; direct decides whether bodiless reads
// take serveDirect or go through httputil.ReverseProxy like everything else.
func newTestProxy(t *testing.T, raw string, timeout time.Duration, hdrs IdentityHeaders, direct bool) http.Handler {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	up := Upstream{URL: u, Timeout: timeout}
	if direct {
		up.direct = newDirectTransport(NewTransport(timeout))
	}
	p := NewProxy(up, hdrs, nil)
	if pp := p.(*proxy); (pp.direct != nil) != direct {
		t.Fatalf("direct path enabled = %v, want %v", pp.direct != nil, direct)
	}
	return p
}

// exchange is what both sides of one proxied request saw.
type exchange struct {
	// upstream side
	Method, RequestURI, Host string
	Headers                  http.Header
	// client side
	Status   int
	Response http.Header
	Body     string
	Trailer  http.Header
}

// mirror is an upstream that answers with what it received, and shapes its
// answer from the query: hop-by-hop headers, a banner, trailers, a stream.
func mirror(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		h := w.Header()
		h.Set("X-Seen-Method", r.Method)
		h.Set("X-Seen-Uri", r.RequestURI)
		h.Set("X-Seen-Host", r.Host)
		for k, vv := range r.Header {
			for _, v := range vv {
				h.Add("X-Seen-H-"+k, v)
			}
		}
		if q.Has("hop") {
			h.Set("Connection", "X-Resp-Hop")
			h.Set("X-Resp-Hop", "secret")
			h.Set("Keep-Alive", "timeout=5")
			h.Set("Proxy-Authenticate", "Basic")
			h.Set("Server", "upstream/1.0")
			h.Add("Set-Cookie", "a=1")
			h.Add("Set-Cookie", "b=2")
			h.Set("RateLimit", "limit=1")
		}
		if q.Has("trailer") {
			h.Set("Trailer", "X-Checksum")
		}
		if q.Has("status") {
			var code int
			fmt.Sscan(q.Get("status"), &code)
			w.WriteHeader(code)
		}
		if q.Has("stream") {
			for i := range 3 {
				fmt.Fprintf(w, "chunk %d\n", i)
				http.NewResponseController(w).Flush()
			}
		} else {
			io.WriteString(w, "body")
		}
		if q.Has("trailer") {
			h.Set("X-Checksum", "abc")
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func doExchange(t *testing.T, h http.Handler, r *http.Request) exchange {
	t.Helper()
	front := httptest.NewServer(h)
	defer front.Close()
	u, _ := url.Parse(front.URL)
	r.URL.Scheme, r.URL.Host, r.RequestURI = u.Scheme, u.Host, ""
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(r)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ex := exchange{Status: resp.StatusCode, Body: string(b), Trailer: resp.Trailer, Headers: http.Header{}, Response: http.Header{}}
	for k, vv := range resp.Header {
		switch {
		case k == "X-Seen-Method":
			ex.Method = vv[0]
		case k == "X-Seen-Uri":
			ex.RequestURI = vv[0]
		case k == "X-Seen-Host":
			ex.Host = vv[0]
		case strings.HasPrefix(k, "X-Seen-H-"):
			ex.Headers[strings.TrimPrefix(k, "X-Seen-H-")] = vv
		case k == "Date":
		default:
			ex.Response[k] = vv
		}
	}
	for _, vv := range ex.Headers {
		slices.Sort(vv)
	}
	return ex
}

// The direct path must send and answer exactly what ReverseProxy does:
// same request line, same headers in and out (hop-by-hop, spoofed identity
// and forwarding headers dropped, the verified identity added), same
// status, body and trailers.
func TestDirectPathMatchesReverseProxy(t *testing.T) {
	up := mirror(t)
	identity := &authn.Identity{Subject: "usr_1", Username: "alice\r\nX-Injected: 1", Roles: []string{"admin", "ops"},
		Scopes: []string{"data:read"}, Method: authn.MethodJWT, ClientID: "rc_1"}
	type req struct {
		name, method, path string
		headers            map[string][]string
		anonymous          bool
	}
	reqs := []req{
		{name: "plain", method: "GET", path: "/api/data"},
		{name: "query", method: "GET", path: "/api/data?x=1&y=%20z"},
		{name: "root", method: "GET", path: "/"},
		{name: "trailing slash", method: "GET", path: "/api/"},
		{name: "escaped slash", method: "GET", path: "/a%2Fb/c?q=1"},
		{name: "escaped space", method: "GET", path: "/sp%20ace"},
		{name: "head", method: "HEAD", path: "/api/data"},
		{name: "options", method: "OPTIONS", path: "/api/data"},
		{name: "no user agent", method: "GET", path: "/x", headers: map[string][]string{"User-Agent": {""}}},
		{name: "anonymous", method: "GET", path: "/x", anonymous: true, headers: map[string][]string{"X-Rampart-Subject": {"mallory"}}},
		{name: "hostile headers", method: "GET", path: "/x", headers: map[string][]string{
			"User-Agent":          {"client/2"},
			"Connection":          {"X-Hop, keep-alive", "x-other-hop"},
			"X-Hop":               {"1"},
			"X-Other-Hop":         {"2"},
			"Keep-Alive":          {"timeout=5"},
			"Proxy-Authorization": {"Basic Zm9vOmJhcg=="},
			"Proxy-Connection":    {"keep-alive"},
			"Te":                  {"deflate;q=0.5, trailers"},
			"X-Forwarded-For":     {"6.6.6.6"},
			"X-Forwarded-Host":    {"evil.example"},
			"X-Forwarded-Proto":   {"https"},
			"Forwarded":           {"for=6.6.6.6"},
			"X-Real-Ip":           {"6.6.6.6"},
			"X-Rampart-Subject":   {"mallory"},
			"X-Rampart-Anything":  {"mallory"},
			"X-Multi":             {"a", "b"},
			"Cookie":              {"s=1; t=2"},
			"Accept-Encoding":     {"gzip"},
			"Authorization":       {"Bearer t0ken"},
			"X-Request-Id":        {"fixed-id"},
		}},
		{name: "te without trailers", method: "GET", path: "/x", headers: map[string][]string{"Te": {"gzip"}}},
		{name: "response hop-by-hop and banners", method: "GET", path: "/x?hop=1"},
		{name: "trailers", method: "GET", path: "/x?trailer=1"},
		{name: "streamed", method: "GET", path: "/x?stream=1"},
		{name: "error status", method: "GET", path: "/x?status=503"},
		{name: "no content", method: "GET", path: "/x?status=204"},
	}
	for _, base := range []string{"", "/", "/base", "/base/", "/base?fixed=1", "/pre%2Ffix"} {
		for _, rq := range reqs {
			t.Run(base+" "+rq.name, func(t *testing.T) {
				var got [2]exchange
				for i, direct := range []bool{false, true} {
					p := newTestProxy(t, up.URL+base, 5*time.Second, IdentityHeaders{}, direct)
					u, _ := url.Parse(up.URL)
					p = withDrop(p, u) // the gateway drops RateLimit on limited routes
					h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						if !rq.anonymous {
							r = r.WithContext(authn.WithIdentity(r.Context(), identity))
						}
						w.Header().Set(RequestIDHeader, "fixed-id")
						p.ServeHTTP(w, r)
					})
					r := httptest.NewRequest(rq.method, rq.path, nil)
					for k, vv := range rq.headers {
						r.Header[k] = vv
					}
					r.Header.Set(RequestIDHeader, "fixed-id")
					got[i] = doExchange(t, h, r)
				}
				rp, d := got[0], got[1]
				if !reflect.DeepEqual(rp, d) {
					t.Errorf("ReverseProxy and the direct path differ:\nReverseProxy: %+v\ndirect:       %+v", rp, d)
				}
				// The comparison means something only if ReverseProxy did
				// the right thing; check the rules it is trusted for.
				if rq.method != "HEAD" {
					if rp.Status == 0 || rp.Host == "" || rp.Method != rq.method {
						t.Fatalf("upstream did not see the request: %+v", rp)
					}
					for _, k := range []string{"X-Hop", "X-Other-Hop", "Keep-Alive", "Proxy-Authorization", "X-Real-Ip", "X-Rampart-Anything", "X-Injected"} {
						if _, ok := d.Headers[k]; ok {
							t.Errorf("%s reached the upstream", k)
						}
					}
					if xff := d.Headers.Get("X-Forwarded-For"); xff != "127.0.0.1" {
						t.Errorf("X-Forwarded-For = %q", xff)
					}
				}
				for _, k := range []string{"X-Resp-Hop", "Keep-Alive", "Proxy-Authenticate", "Ratelimit"} {
					if _, ok := d.Response[k]; ok {
						t.Errorf("response header %s reached the client", k)
					}
				}
			})
		}
	}
}

// withDrop sets the RateLimit response headers to be dropped, as the
// gateway does on rate-limited routes.
func withDrop(h http.Handler, _ *url.URL) http.Handler {
	p := h.(*proxy)
	p.drop = []string{"RateLimit", "RateLimit-Policy"}
	p.rp.ModifyResponse = func(resp *http.Response) error {
		for _, name := range p.drop {
			resp.Header.Del(name)
		}
		return nil
	}
	return p
}

// Upstream failures answer the same on both paths: 502 when nobody
// listens, 504 when the answer is late, 502 for an unasked protocol switch;
// as problem+json that gives the request id and no internals.
func TestDirectPathUpstreamFailures(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	// The switcher keeps its connection open after the 101, as a real
	// protocol switch would: the answer must not wait for the header timeout.
	switcher := rawUpstream(t, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: evil\r\nConnection: Upgrade\r\n\r\n", 5*time.Second)
	for _, tc := range []struct {
		name, target string
		status       int
	}{
		{"refused", dead, 502},
		{"too slow", slow.URL, 504},
		{"unasked upgrade", switcher, 502},
	} {
		for _, direct := range []bool{false, true} {
			p := newTestProxy(t, tc.target, 300*time.Millisecond, IdentityHeaders{}, direct)
			ex := doExchange(t, WithRequestID(p), httptest.NewRequest("GET", "/", nil))
			if ex.Status != tc.status || ex.Response.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s (direct %v): %d %s", tc.name, direct, ex.Status, ex.Response.Get("Content-Type"))
			}
			if strings.Contains(ex.Body, "127.0.0.1") || strings.Contains(ex.Body, "refused") || !strings.Contains(ex.Body, ex.Response.Get(RequestIDHeader)) {
				t.Errorf("%s (direct %v): the body names internals or lacks the request id: %s", tc.name, direct, ex.Body)
			}
		}
	}
}

// rawUpstream answers every request on every connection with raw bytes,
// and closes the connection hold later.
func rawUpstream(t *testing.T, answer string, hold time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); close(done) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := c.Read(buf); err == nil {
					io.WriteString(c, answer)
					select {
					case <-time.After(hold):
					case <-done:
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// A body cut short by the upstream is not passed off as whole: the client's
// connection is aborted, on both paths.
func TestDirectPathTruncatedBodyAbortsTheClient(t *testing.T) {
	short := rawUpstream(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part", 100*time.Millisecond)
	for _, direct := range []bool{false, true} {
		front := httptest.NewServer(newTestProxy(t, short, time.Second, IdentityHeaders{}, direct))
		resp, err := http.Get(front.URL)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		front.Close()
		if err == nil {
			t.Errorf("direct %v: a truncated upstream body reached the client as a complete response", direct)
		}
	}
}

// Which requests take the direct path.
func TestDirectable(t *testing.T) {
	for _, tc := range []struct {
		method string
		body   string
		hdr    map[string]string
		want   bool
	}{
		{"GET", "", nil, true},
		{"HEAD", "", nil, true},
		{"OPTIONS", "", nil, true},
		{"POST", "", nil, false},
		{"DELETE", "", nil, false},
		{"GET", "with a body", nil, false},
		{"GET", "", map[string]string{"Upgrade": "websocket", "Connection": "Upgrade"}, false},
	} {
		var body io.Reader
		if tc.body != "" {
			body = strings.NewReader(tc.body)
		}
		r := httptest.NewRequest(tc.method, "/", body)
		for k, v := range tc.hdr {
			r.Header.Set(k, v)
		}
		if got := directable(r); got != tc.want {
			t.Errorf("directable(%s body=%q %v) = %v", tc.method, tc.body, slices.Collect(maps.Keys(tc.hdr)), got)
		}
	}
}

// Large bodies, and bodies that end when the upstream closes the
// connection, arrive whole on both paths.
func TestDirectPathBodies(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	large := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) }))
	defer large.Close()
	untilClose := rawUpstream(t, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nuntil the upstream closes", 100*time.Millisecond)
	for _, tc := range []struct{ name, target, want string }{
		{"1 MiB", large.URL, big},
		{"until close", untilClose, "until the upstream closes"},
	} {
		for _, direct := range []bool{false, true} {
			ex := doExchange(t, newTestProxy(t, tc.target, 5*time.Second, IdentityHeaders{}, direct), httptest.NewRequest("GET", "/", nil))
			if ex.Status != 200 || ex.Body != tc.want {
				t.Errorf("%s (direct %v): status %d, %d body bytes, want %d", tc.name, direct, ex.Status, len(ex.Body), len(tc.want))
			}
		}
	}
}

// Server-sent events pass through as they are written: the client reads
// the first event while the upstream is still waiting to send the second.
func TestDirectPathStreamsEvents(t *testing.T) {
	for _, direct := range []bool{false, true} {
		release := make(chan struct{})
		up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "data: one\n\n")
			http.NewResponseController(w).Flush()
			select {
			case <-release:
			case <-time.After(5 * time.Second):
			}
			io.WriteString(w, "data: two\n\n")
		}))
		front := httptest.NewServer(newTestProxy(t, up.URL, 5*time.Second, IdentityHeaders{}, direct))
		first := make([]byte, len("data: one\n\n"))
		var resp *http.Response
		got := make(chan error, 1)
		go func() {
			var err error
			if resp, err = http.Get(front.URL + "/events"); err == nil {
				_, err = io.ReadFull(resp.Body, first)
			}
			got <- err
		}()
		select {
		case err := <-got:
			if err != nil || string(first) != "data: one\n\n" {
				t.Fatalf("direct %v: first event %q, %v", direct, first, err)
			}
		case <-time.After(3 * time.Second):
			t.Errorf("direct %v: the first event was held back until the stream ended", direct)
			close(release)
			<-got
		}
		select {
		case <-release:
		default:
			close(release)
		}
		rest, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(rest) != "data: two\n\n" {
			t.Errorf("direct %v: rest of the stream %q", direct, rest)
		}
		front.Close()
		up.Close()
	}
}

// An HTTP/2 client's reads take the direct path too (the upstream side is
// HTTP/1.1 either way).
func TestDirectPathFromHTTP2(t *testing.T) {
	up := mirror(t)
	p := newTestProxy(t, up.URL, 5*time.Second, IdentityHeaders{}, true)
	var took atomic.Bool
	front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		took.Store(r.ProtoMajor == 2 && directable(r))
		p.ServeHTTP(w, r)
	}))
	front.EnableHTTP2 = true
	front.StartTLS()
	defer front.Close()
	client := front.Client()
	req, _ := http.NewRequest("GET", front.URL+"/h2?x=1", nil)
	req.Header.Set("X-Custom", "v")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != 200 || string(b) != "body" {
		t.Fatalf("%s %d %q", resp.Proto, resp.StatusCode, b)
	}
	if !took.Load() {
		t.Fatal("the HTTP/2 request did not take the direct path")
	}
	if resp.Header.Get("X-Seen-Uri") != "/h2?x=1" || resp.Header.Get("X-Seen-H-X-Custom") != "v" || resp.Header.Get("X-Seen-H-X-Forwarded-Proto") != "https" {
		t.Fatalf("upstream saw %v", resp.Header)
	}
}

// A client's "Connection: close" (or HTTP/1.0) concerns its own connection:
// the direct path keeps reusing its upstream connection.
func TestDirectPathKeepsUpstreamConnectionWhenClientCloses(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	p := newTestProxy(t, srv.URL, 5*time.Second, IdentityHeaders{}, true)
	for i := range 5 {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Connection", "close")
		r.Close = true
		if ex := doExchange(t, p, r); ex.Status != 200 {
			t.Fatalf("request %d: %d", i, ex.Status)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d upstream connections for 5 requests from closing clients, want 1", n)
	}
}

// Connection tokens name headers case-insensitively, and cost no
// allocations in the common "keep-alive" case.
func TestListedIn(t *testing.T) {
	for _, tc := range []struct {
		conn []string
		k    string
		want bool
	}{
		{[]string{"keep-alive"}, "Keep-Alive", true},
		{[]string{"close, x-secret"}, "X-Secret", true},
		{[]string{" X-SECRET "}, "X-Secret", true},
		{[]string{"keep-alive"}, "X-Secret", false},
		{[]string{", ,"}, "X-Secret", false},
	} {
		if got := listedIn(tc.conn, tc.k); got != tc.want {
			t.Errorf("listedIn(%q, %q) = %v", tc.conn, tc.k, got)
		}
	}
	conn := []string{"keep-alive"}
	if n := testing.AllocsPerRun(100, func() { listedIn(conn, "Accept") }); n != 0 {
		t.Errorf("listedIn allocates %v times per call", n)
	}
}
