package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/authn"
)

// echo is an upstream that answers with the request headers it saw.
func echo(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "query": r.URL.RawQuery, "host": r.Host, "headers": r.Header})
	}))
	t.Cleanup(s.Close)
	return s
}

func proxyTo(t *testing.T, raw string, timeout time.Duration) http.Handler {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return WithRequestID(NewProxy(Upstream{URL: u, Timeout: timeout}, IdentityHeaders{}, nil))
}

type seen struct {
	Path    string
	Query   string
	Host    string
	Headers http.Header
}

func through(t *testing.T, h http.Handler, r *http.Request) (*http.Response, seen) {
	t.Helper()
	front := httptest.NewServer(h)
	defer front.Close()
	u, _ := url.Parse(front.URL)
	r.URL.Scheme, r.URL.Host, r.RequestURI = u.Scheme, u.Host, ""
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s seen
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &s)
	return resp, s
}

// A client cannot claim an identity: every identity header it sends is
// dropped, and only what an authenticator verified reaches the upstream.
func TestProxyStripsSpoofedIdentityAndAddsTheVerifiedOne(t *testing.T) {
	up := echo(t)
	p := proxyTo(t, up.URL+"/base", 0)
	withID := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Test-Anonymous") == "" {
			r = r.WithContext(authn.WithIdentity(r.Context(), &authn.Identity{Subject: "usr_1", Username: "alice",
				Roles: []string{"admin"}, Scopes: []string{"data:read", "data:write"}, Method: authn.MethodJWT, ClientID: "rc_1"}))
		}
		p.ServeHTTP(w, r)
	})
	r := httptest.NewRequest("GET", "/api/data?x=1", nil)
	for _, h := range []string{"X-Rampart-Subject", "X-Rampart-Roles", "x-rampart-anything", "X-Rampart-Username"} {
		r.Header.Set(h, "mallory")
	}
	r.Header.Set("X-Forwarded-For", "6.6.6.6")
	r.Header.Set("Forwarded", "for=6.6.6.6")
	r.Header.Set("X-Real-IP", "6.6.6.6")
	resp, s := through(t, withID, r)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	want := map[string]string{"X-Rampart-Subject": "usr_1", "X-Rampart-Username": "alice", "X-Rampart-Roles": "admin",
		"X-Rampart-Scopes": "data:read data:write", "X-Rampart-Client-Id": "rc_1", "X-Rampart-Auth-Method": "jwt"}
	for k, v := range want {
		if got := s.Headers.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %v, want [%s]", k, got, v)
		}
	}
	if s.Headers.Get("X-Rampart-Anything") != "" || s.Headers.Get("X-Real-Ip") != "" {
		t.Errorf("spoofed headers reached the upstream: %v", s.Headers)
	}
	if xff := s.Headers.Get("X-Forwarded-For"); xff != "127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q, want the real peer only", xff)
	}
	if fwd := s.Headers.Get("Forwarded"); !strings.HasPrefix(fwd, "for=127.0.0.1;host=") || strings.Contains(fwd, "6.6.6.6") {
		t.Errorf("Forwarded = %q", fwd)
	}
	if s.Path != "/base/api/data" || s.Query != "x=1" {
		t.Errorf("upstream saw %s?%s", s.Path, s.Query)
	}
	// Anonymous: spoofed headers are still removed, nothing is added.
	r = httptest.NewRequest("GET", "/api/data", nil)
	r.Header.Set("X-Rampart-Subject", "mallory")
	r.Header.Set("X-Test-Anonymous", "1")
	_, s = through(t, withID, r)
	if s.Headers.Get("X-Rampart-Subject") != "" {
		t.Fatalf("anonymous request forwarded X-Rampart-Subject %q", s.Headers.Get("X-Rampart-Subject"))
	}
}

func TestProxyCustomIdentityHeaderNamesAreStrippedToo(t *testing.T) {
	up := echo(t)
	u, _ := url.Parse(up.URL)
	p := NewProxy(Upstream{URL: u}, IdentityHeaders{Subject: "X-User"}, nil)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-User", "mallory")
	_, s := through(t, p, r)
	if s.Headers.Get("X-User") != "" {
		t.Fatalf("client-sent X-User reached the upstream: %q", s.Headers.Get("X-User"))
	}
}

func TestProxyRequestIDs(t *testing.T) {
	up := echo(t)
	p := proxyTo(t, up.URL, 0)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set(RequestIDHeader, "abc-123")
	resp, s := through(t, p, r)
	if resp.Header.Get(RequestIDHeader) != "abc-123" || s.Headers.Get(RequestIDHeader) != "abc-123" {
		t.Fatalf("request id not propagated: %q / %q", resp.Header.Get(RequestIDHeader), s.Headers.Get(RequestIDHeader))
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set(RequestIDHeader, "<script>")
	resp, s = through(t, p, r)
	id := resp.Header.Get(RequestIDHeader)
	if id == "<script>" || len(id) != 24 || s.Headers.Get(RequestIDHeader) != id {
		t.Fatalf("hostile request id kept or not replaced: %q", id)
	}
}
