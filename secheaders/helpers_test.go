package secheaders_test

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/rampart-sec/rampart/secheaders"
)

// defaultHeaders are the headers Default() puts on a plain-HTTP response.
func defaultHeaders() map[string]string {
	return map[string]string{
		"Content-Security-Policy":      secheaders.DefaultContentSecurityPolicy,
		"X-Frame-Options":              secheaders.DefaultFrameOptions,
		"Referrer-Policy":              secheaders.DefaultReferrerPolicy,
		"X-Content-Type-Options":       secheaders.DefaultContentTypeOptions,
		"Cross-Origin-Opener-Policy":   secheaders.DefaultCrossOriginOpenerPolicy,
		"Cross-Origin-Resource-Policy": secheaders.DefaultCrossOriginResourcePolicy,
		"Permissions-Policy":           secheaders.DefaultPermissionsPolicy,
	}
}

// weakUpstreamHeaders are what a careless Flask app sends: banners and
// weaker versions of every policy header.
func weakUpstreamHeaders() map[string]string {
	return map[string]string{
		"Server":                       "gunicorn",
		"X-Powered-By":                 "Flask",
		"X-AspNet-Version":             "4.0.30319",
		"X-AspNetMvc-Version":          "5.2",
		"X-Runtime":                    "0.0123",
		"X-Version":                    "1.2.3",
		"Content-Security-Policy":      "default-src *",
		"X-Frame-Options":              "ALLOWALL",
		"Referrer-Policy":              "unsafe-url",
		"X-Content-Type-Options":       "sniff",
		"Cross-Origin-Opener-Policy":   "unsafe-none",
		"Cross-Origin-Resource-Policy": "cross-origin",
		"Permissions-Policy":           "camera=*",
		"Strict-Transport-Security":    "max-age=0",
	}
}

// bannerNames are the banner headers as an upstream spells them.
var bannerNames = []string{"Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Runtime", "X-Version"}

// setAll sets each header of m on h.
func setAll(h http.Header, m map[string]string) {
	for k, v := range m {
		h.Set(k, v)
	}
}

// wantHeaders fails unless h carries each header of want exactly once with
// exactly its value.
func wantHeaders(t testing.TB, h http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := h.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want [%q]", k, got, v)
		}
	}
}

// wantAbsent fails if h carries any of names.
func wantAbsent(t testing.TB, h http.Header, names ...string) {
	t.Helper()
	for _, k := range names {
		if got := h.Values(k); len(got) > 0 {
			t.Errorf("%s = %q, want absent", k, got)
		}
	}
}

// serve runs h on req and returns the recorded response.
func serve(h http.Handler, req *http.Request) *http.Response {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// get sends a GET for url with header hdr through the real client.
func get(t testing.TB, c *http.Client, url string, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	return resp
}

// newProxy returns a reverse proxy to the server at rawURL.
func newProxy(t testing.TB, rawURL string) *httputil.ReverseProxy {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return &httputil.ReverseProxy{
		Rewrite:  func(pr *httputil.ProxyRequest) { pr.SetURL(u) },
		ErrorLog: log.New(io.Discard, "", 0),
	}
}

// weakHandler sets weakUpstreamHeaders and writes status with a JSON body.
func weakHandler(status int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setAll(w.Header(), weakUpstreamHeaders())
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"ok":false}`))
	})
}
