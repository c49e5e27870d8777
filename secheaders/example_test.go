package secheaders_test

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"time"

	"github.com/rampart-sec/rampart/secheaders"
)

// printHeaders prints h sorted by name.
func printHeaders(h http.Header) {
	for _, k := range slices.Sorted(maps.Keys(h)) {
		fmt.Printf("%s: %s\n", k, h[k])
	}
}

// The default policy in front of an upstream that announces itself and
// allows framing: the banners go, the policy's headers replace the
// upstream's.
func Example() {
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "gunicorn")
		w.Header().Set("X-Powered-By", "Flask")
		w.Header().Set("X-Frame-Options", "ALLOWALL")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"data":[]}`)
	})
	h := secheaders.Middleware(secheaders.Policy{})(upstream)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/data", nil))
	printHeaders(rec.Result().Header)
	// Output:
	// Content-Security-Policy: [default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none']
	// Content-Type: [application/json]
	// Cross-Origin-Opener-Policy: [same-origin]
	// Cross-Origin-Resource-Policy: [same-origin]
	// Permissions-Policy: [accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()]
	// Referrer-Policy: [no-referrer]
	// X-Content-Type-Options: [nosniff]
	// X-Frame-Options: [DENY]
}

// A route serving an HTML documentation page relaxes CSP, allows framing by
// its own site, leaves Permissions-Policy to the upstream, and treats an
// API-key header as a credential. HSTS applies because a trusted load
// balancer ended TLS.
func ExampleMiddleware() {
	docs := secheaders.Policy{
		ContentSecurityPolicy: "default-src 'self'; frame-ancestors 'self'",
		FrameOptions:          "SAMEORIGIN",
		PermissionsPolicy:     secheaders.Omit,
		KeepUpstream:          []string{"Permissions-Policy"},
	}
	if err := docs.Validate(); err != nil {
		panic(err)
	}
	behindTLS := func(r *http.Request) bool { return true } // decided by the entry point
	h := secheaders.Middleware(docs,
		secheaders.IsHTTPS(behindTLS),
		secheaders.CredentialHeaders("X-API-Key"),
	)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fmt.Fprintln(w, "<!doctype html><title>API docs</title>")
	}))

	req := httptest.NewRequest(http.MethodGet, "/docs/", nil)
	req.Header.Set("X-API-Key", "rk_live_…")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	for _, k := range []string{"Content-Security-Policy", "X-Frame-Options", "Permissions-Policy", "Strict-Transport-Security", "Cache-Control"} {
		fmt.Printf("%s: %q\n", k, res.Header.Get(k))
	}
	// Output:
	// Content-Security-Policy: "default-src 'self'; frame-ancestors 'self'"
	// X-Frame-Options: "SAMEORIGIN"
	// Permissions-Policy: ""
	// Strict-Transport-Security: "max-age=63072000; includeSubDomains"
	// Cache-Control: "no-store"
}

// Validate reports every problem at once, header injection included.
func ExamplePolicy_Validate() {
	err := secheaders.Policy{
		FrameOptions: "ALLOWALL",
		HSTS:         "max-age=31536000\r\nSet-Cookie: admin=1",
	}.Validate()
	fmt.Println(err)
	// Output:
	// secheaders: Policy.FrameOptions "ALLOWALL": must be DENY or SAMEORIGIN
	// secheaders: Policy.HSTS "max-age=31536000\r\nSet-Cookie: admin=1": contains CR or LF (header injection)
}

// A single-page app on its own origin calls the API with cookies.
func ExampleCORSMiddleware() {
	corsMW, err := secheaders.CORSMiddleware(secheaders.CORS{
		Origins:     []string{"https://app.example.com"},
		Methods:     []string{"GET", "POST", "DELETE"},
		Headers:     []string{"Content-Type", "X-CSRF-Token"},
		Credentials: true,
		MaxAge:      10 * time.Minute,
	})
	if err != nil {
		panic(err)
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, `{"ok":true}`) })
	h := secheaders.Middleware(secheaders.Policy{})(corsMW(api))

	preflight := httptest.NewRequest(http.MethodOptions, "/api/items/7", nil)
	preflight.Header.Set("Origin", "https://app.example.com")
	preflight.Header.Set("Access-Control-Request-Method", "DELETE")
	preflight.Header.Set("Access-Control-Request-Headers", "x-csrf-token")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, preflight)
	res := rec.Result()
	fmt.Println(res.StatusCode)
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"} {
		fmt.Printf("%s: %s\n", k, res.Header.Get(k))
	}

	evil := httptest.NewRequest(http.MethodGet, "/api/items", nil)
	evil.Header.Set("Origin", "https://evil.example")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, evil)
	fmt.Printf("from evil.example: %d, Access-Control-Allow-Origin %q\n", rec.Code, rec.Result().Header.Get("Access-Control-Allow-Origin"))
	// Output:
	// 204
	// Access-Control-Allow-Origin: https://app.example.com
	// Access-Control-Allow-Credentials: true
	// Access-Control-Allow-Methods: DELETE
	// Access-Control-Allow-Headers: x-csrf-token
	// Access-Control-Max-Age: 600
	// from evil.example: 200, Access-Control-Allow-Origin ""
}

// The two configurations behind most CORS data leaks are refused, each with
// a sentinel to test for.
func ExampleCORS_Validate() {
	err := secheaders.CORS{Origins: []string{"*"}, Credentials: true}.Validate()
	fmt.Println(errors.Is(err, secheaders.ErrWildcardWithCredentials))
	err = secheaders.CORS{Origins: []string{"https://app.example.com", "null"}}.Validate()
	fmt.Println(errors.Is(err, secheaders.ErrNullOrigin))
	fmt.Println(secheaders.CORS{Origins: []string{"https://app.example.com/"}}.Validate())
	// Output:
	// true
	// true
	// secheaders: CORS.Origins[0] "https://app.example.com/": an origin has no path, query or fragment (not even a trailing /)
}
