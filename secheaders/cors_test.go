package secheaders_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/secheaders"
)

const appOrigin = "https://app.example.com"

// corsServer returns c's middleware around a handler that counts its calls
// and answers 200, or fails the test if c is invalid.
func corsServer(t testing.TB, c secheaders.CORS) (http.Handler, *atomic.Int32) {
	t.Helper()
	mw, err := secheaders.CORSMiddleware(c)
	if err != nil {
		t.Fatalf("CORSMiddleware(%+v): %v", c, err)
	}
	var reached atomic.Int32
	return mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		_, _ = w.Write([]byte("ok"))
	})), &reached
}

// corsRequest builds a request with Origin origin ("" for none); a
// preflight when reqMethod is not "".
func corsRequest(method, origin, reqMethod, reqHeaders string) *http.Request {
	req := httptest.NewRequest(method, "/api/data", nil)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if reqMethod != "" {
		req.Header.Set("Access-Control-Request-Method", reqMethod)
	}
	if reqHeaders != "" {
		req.Header.Set("Access-Control-Request-Headers", reqHeaders)
	}
	return req
}

// corsHeaders are every CORS response header.
var corsHeaders = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age",
	"Access-Control-Allow-Private-Network",
}

// wantVaryOrigin fails unless Vary names Origin.
func wantVaryOrigin(t testing.TB, h http.Header) {
	t.Helper()
	for _, v := range h.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			if strings.TrimSpace(f) == "Origin" {
				return
			}
		}
	}
	t.Errorf("Vary = %q, want Origin in it", h.Values("Vary"))
}

func TestCORSValidate(t *testing.T) {
	t.Parallel()
	accept := map[string]secheaders.CORS{
		"off": {},
		"full": {
			Origins: []string{appOrigin, "https://admin.example.com:8443"}, Credentials: true,
			Methods: []string{"GET", "put"}, Headers: []string{"Authorization", "Content-Type"},
			ExposedHeaders: []string{"X-Request-Id"}, MaxAge: 10 * time.Minute,
		},
		"any origin":               {Origins: []string{"*"}, Headers: []string{"*"}, ExposedHeaders: []string{"*"}},
		"wildcard subdomain":       {Origins: []string{"https://*.example.com"}, Credentials: true},
		"wildcard with port":       {Origins: []string{"https://*.example.co.uk:8443"}},
		"loopback http":            {Origins: []string{"http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:5173", "http://app.localhost"}, Credentials: true},
		"http without credentials": {Origins: []string{"http://app.example.com"}},
		"IPv6":                     {Origins: []string{"https://[2001:db8::1]:8443"}},
		"other scheme":             {Origins: []string{"chrome-extension://abcdefghijklmnopabcdefghijklmnop"}},
		"max age 24h":              {Origins: []string{appOrigin}, MaxAge: 24 * time.Hour},
	}
	for name, c := range accept {
		t.Run("accepts/"+name, func(t *testing.T) {
			t.Parallel()
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if _, err := secheaders.CORSMiddleware(c); err != nil {
				t.Fatalf("CORSMiddleware: %v", err)
			}
		})
	}
	refuse := []struct {
		name     string
		cors     secheaders.CORS
		field    string
		reason   string
		sentinel error
	}{
		{"* with credentials", secheaders.CORS{Origins: []string{"*"}, Credentials: true}, "CORS.Origins[0]", "every website", secheaders.ErrWildcardWithCredentials},
		{"* among others", secheaders.CORS{Origins: []string{appOrigin, "*"}}, "CORS.Origins[1]", "only one", nil},
		{"null", secheaders.CORS{Origins: []string{"null"}}, "CORS.Origins[0]", "sandboxed iframes", secheaders.ErrNullOrigin},
		{"NULL", secheaders.CORS{Origins: []string{appOrigin, "NULL"}, Credentials: true}, "CORS.Origins[1]", "any page", secheaders.ErrNullOrigin},
		{"trailing slash", secheaders.CORS{Origins: []string{appOrigin + "/"}}, "CORS.Origins[0]", "trailing /", nil},
		{"path", secheaders.CORS{Origins: []string{appOrigin + "/api"}}, "CORS.Origins[0]", "no path", nil},
		{"query", secheaders.CORS{Origins: []string{appOrigin + "?x=1"}}, "CORS.Origins[0]", "no path, query", nil},
		{"no scheme", secheaders.CORS{Origins: []string{"app.example.com"}}, "CORS.Origins[0]", "scheme://host", nil},
		{"bad scheme", secheaders.CORS{Origins: []string{"1https://app.example.com"}}, "CORS.Origins[0]", "scheme://host", nil},
		{"user info", secheaders.CORS{Origins: []string{"https://u@app.example.com"}}, "CORS.Origins[0]", "user info", nil},
		{"default https port", secheaders.CORS{Origins: []string{appOrigin + ":443"}}, "CORS.Origins[0]", "default port", nil},
		{"default http port", secheaders.CORS{Origins: []string{"http://app.example.com:80"}}, "CORS.Origins[0]", "default port", nil},
		{"port 0", secheaders.CORS{Origins: []string{appOrigin + ":0"}}, "CORS.Origins[0]", "port", nil},
		{"port too big", secheaders.CORS{Origins: []string{appOrigin + ":70000"}}, "CORS.Origins[0]", "port", nil},
		{"empty port", secheaders.CORS{Origins: []string{appOrigin + ":"}}, "CORS.Origins[0]", "port", nil},
		{"empty host", secheaders.CORS{Origins: []string{"https://"}}, "CORS.Origins[0]", "not a DNS name", nil},
		{"bad host", secheaders.CORS{Origins: []string{"https://app_1.example.com"}}, "CORS.Origins[0]", "not a DNS name", nil},
		{"host ends in a number", secheaders.CORS{Origins: []string{"https://10.1.1"}}, "CORS.Origins[0]", "ends in a number", nil},
		{"bad IPv6", secheaders.CORS{Origins: []string{"https://[1.2.3.4]"}}, "CORS.Origins[0]", "IPv6", nil},
		{"non-ASCII host", secheaders.CORS{Origins: []string{"https://bücher.example"}}, "CORS.Origins[0]", "punycode", nil},
		{"CRLF", secheaders.CORS{Origins: []string{appOrigin + "\r\nX-Evil: 1"}}, "CORS.Origins[0]", "control", nil},
		{"wildcard inside a label", secheaders.CORS{Origins: []string{"https://api-*.example.com"}}, "CORS.Origins[0]", "whole left-most label", nil},
		{"wildcard without dot", secheaders.CORS{Origins: []string{"https://*example.com"}}, "CORS.Origins[0]", "whole left-most label", nil},
		{"wildcard in the middle", secheaders.CORS{Origins: []string{"https://app.*.com"}}, "CORS.Origins[0]", "whole left-most label", nil},
		{"two wildcards", secheaders.CORS{Origins: []string{"https://*.*.example.com"}}, "CORS.Origins[0]", "whole left-most label", nil},
		{"wildcard over a TLD", secheaders.CORS{Origins: []string{"https://*.com"}}, "CORS.Origins[0]", "public suffix", nil},
		{"wildcard over co.uk", secheaders.CORS{Origins: []string{"https://*.co.uk"}}, "CORS.Origins[0]", "public suffix", nil},
		{"wildcard over github.io", secheaders.CORS{Origins: []string{"https://*.github.io"}}, "CORS.Origins[0]", "public suffix", nil},
		{"wildcard over a bracket", secheaders.CORS{Origins: []string{"A://*.["}}, "CORS.Origins[0]", "IPv6", nil},
		{"wildcard over an IP", secheaders.CORS{Origins: []string{"https://*.192.168.1.1"}}, "CORS.Origins[0]", "IP address", nil},
		{"plain http with credentials", secheaders.CORS{Origins: []string{"http://app.example.com"}, Credentials: true}, "CORS.Origins[0]", "network attacker", nil},
		{"method wildcard", secheaders.CORS{Origins: []string{appOrigin}, Methods: []string{"*"}}, "CORS.Methods[0]", "no method wildcard", nil},
		{"bad method", secheaders.CORS{Origins: []string{appOrigin}, Methods: []string{"GET", "PO ST"}}, "CORS.Methods[1]", "not a method", nil},
		{"bad header", secheaders.CORS{Origins: []string{appOrigin}, Headers: []string{"X:Y"}}, "CORS.Headers[0]", "not a header", nil},
		{"bad exposed header", secheaders.CORS{Origins: []string{appOrigin}, ExposedHeaders: []string{"X\nY"}}, "CORS.ExposedHeaders[0]", "not a header", nil},
		{"exposed * with credentials", secheaders.CORS{Origins: []string{appOrigin}, ExposedHeaders: []string{"*"}, Credentials: true}, "CORS.ExposedHeaders[0]", "as a header name", nil},
		{"negative max age", secheaders.CORS{Origins: []string{appOrigin}, MaxAge: -time.Second}, "CORS.MaxAge", "negative", nil},
		{"fractional max age", secheaders.CORS{Origins: []string{appOrigin}, MaxAge: 1500 * time.Millisecond}, "CORS.MaxAge", "whole number", nil},
		{"max age over 24h", secheaders.CORS{Origins: []string{appOrigin}, MaxAge: 48 * time.Hour}, "CORS.MaxAge", "24h", nil},
		{"settings without origins", secheaders.CORS{Credentials: true}, "CORS.Origins", "CORS off", nil},
	}
	for _, tt := range refuse {
		t.Run("refuses/"+tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cors.Validate()
			var fe *secheaders.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate = %v, want a *FieldError", err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Reason, tt.reason) {
				t.Fatalf("got %s: %s; want %s: …%s…", fe.Field, fe.Reason, tt.field, tt.reason)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.sentinel)
			}
			if mw, err := secheaders.CORSMiddleware(tt.cors); mw != nil || err == nil {
				t.Errorf("CORSMiddleware accepted it")
			}
		})
	}
}

// Requests other than preflights always reach the handler; only an allowed
// origin gets Access-Control-Allow-Origin.
func TestCORSActualRequests(t *testing.T) {
	t.Parallel()
	creds := secheaders.CORS{
		Origins: []string{appOrigin, "https://*.partner.example"}, Credentials: true,
		Methods: []string{"GET", "POST"}, ExposedHeaders: []string{"x-request-id"},
	}
	anyOrigin := secheaders.CORS{Origins: []string{"*"}}
	tests := []struct {
		name      string
		cors      secheaders.CORS
		method    string
		origin    string
		wantACAO  string // "" for no CORS headers at all
		wantCreds bool
	}{
		{"allowed origin", creds, "GET", appOrigin, appOrigin, true},
		{"allowed origin POST", creds, "POST", appOrigin, appOrigin, true},
		{"allowed wildcard subdomain", creds, "GET", "https://eu.partner.example", "https://eu.partner.example", true},
		{"disallowed origin", creds, "GET", "https://evil.example", "", false},
		{"no origin", creds, "GET", "", "", false},
		{"null origin", creds, "GET", "null", "", false},
		{"method not allowed", creds, "DELETE", appOrigin, "", false},
		{"any origin", anyOrigin, "GET", "https://whoever.example", "*", false},
		{"any origin, null", anyOrigin, "GET", "null", "*", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, reached := corsServer(t, tt.cors)
			resp := serve(h, corsRequest(tt.method, tt.origin, "", ""))
			if reached.Load() != 1 || resp.StatusCode != 200 {
				t.Fatalf("handler reached %d times, status %d", reached.Load(), resp.StatusCode)
			}
			wantVaryOrigin(t, resp.Header)
			if tt.wantACAO == "" {
				wantAbsent(t, resp.Header, corsHeaders...)
				return
			}
			want := map[string]string{"Access-Control-Allow-Origin": tt.wantACAO}
			if tt.wantCreds {
				want["Access-Control-Allow-Credentials"] = "true"
				want["Access-Control-Expose-Headers"] = "X-Request-Id"
			} else {
				wantAbsent(t, resp.Header, "Access-Control-Allow-Credentials")
			}
			wantHeaders(t, resp.Header, want)
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got == "null" {
				t.Error(`"null" reflected`)
			}
		})
	}
}

// Preflights are answered by the middleware, never by the handler; the
// allow headers come only when origin, method and headers are all allowed.
func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	c := secheaders.CORS{
		Origins: []string{appOrigin}, Credentials: true,
		Methods: []string{"GET", "PUT"}, Headers: []string{"Authorization", "Content-Type"},
		MaxAge: 10 * time.Minute,
	}
	tests := []struct {
		name, origin, method, headers string
		allowed                       bool
	}{
		{"allowed", appOrigin, "PUT", "authorization,content-type", true},
		{"allowed, no headers", appOrigin, "GET", "", true},
		{"disallowed header", appOrigin, "PUT", "authorization,x-evil", false},
		{"disallowed method", appOrigin, "DELETE", "", false},
		{"disallowed origin", "https://evil.example", "PUT", "authorization", false},
		{"null origin", "null", "GET", "", false},
		{"no origin", "", "GET", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, reached := corsServer(t, c)
			resp := serve(h, corsRequest(http.MethodOptions, tt.origin, tt.method, tt.headers))
			if reached.Load() != 0 {
				t.Fatal("preflight reached the handler")
			}
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("status %d, want 204", resp.StatusCode)
			}
			wantVaryOrigin(t, resp.Header)
			if !tt.allowed {
				wantAbsent(t, resp.Header, corsHeaders...)
				return
			}
			want := map[string]string{
				"Access-Control-Allow-Origin":      appOrigin,
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods":     tt.method,
				"Access-Control-Max-Age":           "600",
			}
			if tt.headers != "" {
				want["Access-Control-Allow-Headers"] = tt.headers
			}
			wantHeaders(t, resp.Header, want)
		})
	}
}

// The classic bug, any Origin reflected with credentials, cannot happen: 20
// random origins, many of them near misses of the allowed ones, get no CORS
// header on actual requests or preflights, while the listed ones do.
func TestCORSNeverReflectsUnlistedOrigins(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(20240601, 7))
	word := func() string {
		const letters = "abcdefghijklmnopqrstuvwxyz0123456789-"
		b := make([]byte, 1+rng.IntN(12))
		for i := range b {
			b[i] = letters[rng.IntN(26)] // letters only, so every host is a valid label
		}
		return string(b)
	}
	tld := func() string { return []string{"com", "net", "io", "example", "co.uk"}[rng.IntN(5)] }
	generators := []func() string{
		func() string { return "https://" + word() + "." + tld() },
		func() string { return "http://" + word() + "." + word() + "." + tld() },
		func() string { return appOrigin + "." + word() + "." + tld() },             // suffix appended
		func() string { return "https://" + word() + "app.example.com" },            // prefix glued on
		func() string { return "https://" + word() + ".app.example.com" },           // subdomain of an exact origin
		func() string { return "http://app.example.com" },                           // scheme downgrade
		func() string { return appOrigin + ":" + fmt.Sprint(1024+rng.IntN(60000)) }, // other port
		func() string { return "https://" + word() + "-partner.example" },           // next to the wildcard base
		func() string { return "https://partner.example" },                          // the wildcard base itself
		func() string { return "https://" + word() + ".partner.example.evil.com" },  // wildcard suffix attack
		func() string { return "null" },
		func() string { return appOrigin + "/" },
	}
	c := secheaders.CORS{
		Origins: []string{appOrigin, "https://*.partner.example"}, Credentials: true,
		Methods: []string{"GET", "POST", "DELETE"}, Headers: []string{"Authorization"},
	}
	h, _ := corsServer(t, c)

	for i := range 20 {
		origin := generators[rng.IntN(len(generators))]()
		if i < len(generators) {
			origin = generators[i]() // every kind at least once
		}
		for _, req := range []*http.Request{
			corsRequest(http.MethodGet, origin, "", ""),
			corsRequest(http.MethodPost, origin, "", ""),
			corsRequest(http.MethodOptions, origin, "DELETE", "authorization"),
		} {
			resp := serve(h, req)
			if got := resp.Header.Values("Access-Control-Allow-Origin"); len(got) > 0 {
				t.Errorf("%s from %q: Access-Control-Allow-Origin %q", req.Method, origin, got)
			}
			if got := resp.Header.Values("Access-Control-Allow-Credentials"); len(got) > 0 {
				t.Errorf("%s from %q: Access-Control-Allow-Credentials %q", req.Method, origin, got)
			}
		}
	}
	// The control: listed origins are reflected, with credentials.
	for _, origin := range []string{appOrigin, "https://" + word() + ".partner.example"} {
		resp := serve(h, corsRequest(http.MethodGet, origin, "", ""))
		wantHeaders(t, resp.Header, map[string]string{
			"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
		})
	}
}

// A wildcard stands for one or more DNS labels, nothing else.
func TestCORSWildcardSubdomains(t *testing.T) {
	t.Parallel()
	h, _ := corsServer(t, secheaders.CORS{Origins: []string{"https://*.example.com"}, Credentials: true})
	tests := map[string]bool{
		"https://a.example.com":           true,
		"https://a-b.c.example.com":       true,
		"https://example.com":             false,
		"https://evilexample.com":         false,
		"https://.example.com":            false,
		"https://a..example.com":          false,
		"https://-a.example.com":          false,
		"https://evil.com/.example.com":   false,
		"https://evil.com?.example.com":   false,
		"https://evil.com#.example.com":   false,
		"https://u@evil.com/.example.com": false,
		"http://a.example.com":            false,
		"https://a.example.com:8443":      false,
		"https://a.example.com.evil.com":  false,
		"https://A.example.com":           false, // browsers send lower case
	}
	for origin, allowed := range tests {
		t.Run(origin, func(t *testing.T) {
			t.Parallel()
			for _, req := range []*http.Request{
				corsRequest(http.MethodGet, origin, "", ""),
				corsRequest(http.MethodOptions, origin, "GET", ""),
			} {
				got := serve(h, req).Header.Get("Access-Control-Allow-Origin")
				if allowed && got != origin || !allowed && got != "" {
					t.Errorf("%s: Access-Control-Allow-Origin %q, allowed=%v", req.Method, got, allowed)
				}
			}
		})
	}
}

// A request with two Origin headers matches nothing (rs/cors would reflect
// both).
func TestCORSMultipleOrigins(t *testing.T) {
	t.Parallel()
	h, _ := corsServer(t, secheaders.CORS{Origins: []string{appOrigin}, Credentials: true})
	for _, req := range []*http.Request{
		corsRequest(http.MethodGet, appOrigin, "", ""),
		corsRequest(http.MethodOptions, appOrigin, "GET", ""),
	} {
		req.Header.Add("Origin", "https://evil.example")
		wantAbsent(t, serve(h, req).Header, corsHeaders...)
	}
}

// CORS off: no CORS header reaches the client, not even an upstream's, and
// preflights go to the handler like any OPTIONS request.
func TestCORSOff(t *testing.T) {
	t.Parallel()
	mw, err := secheaders.CORSMiddleware(secheaders.CORS{})
	if err != nil {
		t.Fatal(err)
	}
	var reached atomic.Int32
	permissive := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Set("Access-Control-Allow-Methods", "*")
		w.WriteHeader(http.StatusMethodNotAllowed)
	})
	h := mw(permissive)
	for _, req := range []*http.Request{
		corsRequest(http.MethodGet, "https://evil.example", "", ""),
		corsRequest(http.MethodOptions, "https://evil.example", "DELETE", ""),
	} {
		resp := serve(h, req)
		wantAbsent(t, resp.Header, corsHeaders...)
		wantAbsent(t, resp.Header, "Vary")
	}
	if reached.Load() != 2 {
		t.Fatalf("handler reached %d times, want 2", reached.Load())
	}
}

// An upstream that reflects any Origin with credentials, behind the
// reverse proxy, cannot widen the route's CORS policy.
func TestCORSUpstreamCannotWiden(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Set("Access-Control-Expose-Headers", "*")
		w.Header().Set("Access-Control-Allow-Private-Network", "true")
		w.Header().Set("Vary", "Accept-Encoding")
		_, _ = w.Write([]byte(`{"secret":1}`))
	}))
	t.Cleanup(upstream.Close)
	corsMW, err := secheaders.CORSMiddleware(secheaders.CORS{Origins: []string{appOrigin}, Credentials: true})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(secheaders.Middleware(secheaders.Policy{})(corsMW(newProxy(t, upstream.URL))))
	t.Cleanup(front.Close)

	evil := get(t, front.Client(), front.URL, map[string]string{"Origin": "https://evil.example", "Cookie": "session=x"})
	wantAbsent(t, evil.Header, corsHeaders...)
	wantVaryOrigin(t, evil.Header)

	app := get(t, front.Client(), front.URL, map[string]string{"Origin": appOrigin, "Cookie": "session=x"})
	wantHeaders(t, app.Header, map[string]string{
		"Access-Control-Allow-Origin":      appOrigin,
		"Access-Control-Allow-Credentials": "true",
		"Cache-Control":                    "no-store",
	})
	wantAbsent(t, app.Header, "Access-Control-Expose-Headers", "Access-Control-Allow-Private-Network")
	wantVaryOrigin(t, app.Header)
}

// The CORS headers and Vary: Origin survive a handler replacing Vary and a
// reverse proxy clearing the header map after a 103 Early Hints.
func TestCORSHeadersSurvive(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</app.js>; rel=preload; as=script")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Set("Vary", "Accept-Encoding")
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(upstream.Close)
	corsMW, err := secheaders.CORSMiddleware(secheaders.CORS{Origins: []string{appOrigin}, ExposedHeaders: []string{"X-Request-Id"}})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(corsMW(newProxy(t, upstream.URL)))
	t.Cleanup(front.Close)

	resp := get(t, front.Client(), front.URL, map[string]string{"Origin": appOrigin})
	wantHeaders(t, resp.Header, map[string]string{
		"Access-Control-Allow-Origin":   appOrigin,
		"Access-Control-Expose-Headers": "X-Request-Id",
	})
	wantVaryOrigin(t, resp.Header)

	replacer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Accept-Encoding")
	})
	resp = serve(corsMW(replacer), corsRequest(http.MethodGet, appOrigin, "", ""))
	wantVaryOrigin(t, resp.Header)
	if got := resp.Header.Values("Vary"); !strings.Contains(strings.Join(got, ","), "Accept-Encoding") {
		t.Errorf("Vary = %q lost the handler's Accept-Encoding", got)
	}
}
