package secheaders_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-sec/rampart/secheaders"
)

// Every default header is on every response of a plain handler, whatever
// the status and however the handler ends, and the handler's weaker values
// and banners are gone.
func TestDefaultHeadersPlainHandler(t *testing.T) {
	t.Parallel()
	handlers := map[string]http.Handler{
		"200": weakHandler(http.StatusOK),
		"404": weakHandler(http.StatusNotFound),
		"500": weakHandler(http.StatusInternalServerError),
		"http.Error": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			setAll(w.Header(), weakUpstreamHeaders())
			http.Error(w, "boom", http.StatusInternalServerError)
		}),
		"http.NotFound": http.NotFoundHandler(),
		"no write (implicit 200)": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			setAll(w.Header(), weakUpstreamHeaders())
		}),
		"Write without WriteHeader": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			setAll(w.Header(), weakUpstreamHeaders())
			_, _ = w.Write([]byte("hello"))
		}),
		"Flush first": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			setAll(w.Header(), weakUpstreamHeaders())
			w.(http.Flusher).Flush()
		}),
	}
	policies := map[string]secheaders.Policy{"Policy{}": {}, "Default()": secheaders.Default()}
	for pname, p := range policies {
		for hname, h := range handlers {
			t.Run(pname+"/"+hname, func(t *testing.T) {
				t.Parallel()
				resp := serve(secheaders.Middleware(p)(h), httptest.NewRequest(http.MethodGet, "/", nil))
				wantHeaders(t, resp.Header, defaultHeaders())
				wantAbsent(t, resp.Header, bannerNames...)
				wantAbsent(t, resp.Header, "Strict-Transport-Security", "Cache-Control")
			})
		}
	}
}

// The same through httputil.ReverseProxy in front of an upstream that sends
// banners and weaker headers, and on the proxy's own 502.
func TestDefaultHeadersReverseProxy(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status := map[string]int{"/ok": 200, "/missing": 404, "/boom": 500}[r.URL.Path]
		weakHandler(status).ServeHTTP(w, r)
	}))
	t.Cleanup(upstream.Close)
	front := httptest.NewServer(secheaders.Middleware(secheaders.Policy{})(newProxy(t, upstream.URL)))
	t.Cleanup(front.Close)

	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // nothing listens: the proxy answers 502
	frontDown := httptest.NewServer(secheaders.Middleware(secheaders.Policy{})(newProxy(t, down.URL)))
	t.Cleanup(frontDown.Close)

	tests := []struct {
		name, url string
		status    int
	}{
		{"200", front.URL + "/ok", 200},
		{"404", front.URL + "/missing", 404},
		{"500", front.URL + "/boom", 500},
		{"502 from the proxy", frontDown.URL + "/ok", 502},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := get(t, front.Client(), tt.url, nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			wantHeaders(t, resp.Header, defaultHeaders())
			wantAbsent(t, resp.Header, bannerNames...)
			wantAbsent(t, resp.Header, "Strict-Transport-Security")
		})
	}
}

// Strict-Transport-Security goes on HTTPS responses only: never on plain
// HTTP, even when the handler sets it, unless IsHTTPS says a trusted proxy
// ended TLS.
func TestHSTS(t *testing.T) {
	t.Parallel()
	byProxy := secheaders.IsHTTPS(func(r *http.Request) bool { return r.Header.Get("X-Test-Proto") == "https" })
	tests := []struct {
		name   string
		tls    bool
		policy secheaders.Policy
		opts   []secheaders.Option
		hdr    map[string]string
		want   string // "" for absent
	}{
		{"plain HTTP", false, secheaders.Policy{}, nil, nil, ""},
		{"plain HTTP with IsHTTPS false", false, secheaders.Policy{}, []secheaders.Option{byProxy}, nil, ""},
		{"plain HTTP behind a TLS proxy", false, secheaders.Policy{}, []secheaders.Option{byProxy}, map[string]string{"X-Test-Proto": "https"}, secheaders.DefaultHSTS},
		{"TLS", true, secheaders.Policy{}, nil, nil, secheaders.DefaultHSTS},
		{"TLS with IsHTTPS false", true, secheaders.Policy{}, []secheaders.Option{byProxy}, nil, secheaders.DefaultHSTS},
		{"TLS override", true, secheaders.Policy{HSTS: "max-age=31536000; includeSubDomains; preload"}, nil, nil, "max-age=31536000; includeSubDomains; preload"},
		{"TLS omitted", true, secheaders.Policy{HSTS: secheaders.Omit}, nil, nil, ""},
		{"TLS kept from upstream", true, secheaders.Policy{KeepUpstream: []string{"Strict-Transport-Security"}}, nil, nil, "max-age=0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := secheaders.Middleware(tt.policy, tt.opts...)(weakHandler(http.StatusOK)) // sets max-age=0
			var srv *httptest.Server
			if tt.tls {
				srv = httptest.NewTLSServer(h)
			} else {
				srv = httptest.NewServer(h)
			}
			defer srv.Close()
			resp := get(t, srv.Client(), srv.URL, tt.hdr)
			if tt.want == "" {
				wantAbsent(t, resp.Header, "Strict-Transport-Security")
			} else {
				wantHeaders(t, resp.Header, map[string]string{"Strict-Transport-Security": tt.want})
			}
			wantHeaders(t, resp.Header, defaultHeaders())
		})
	}
}

// Responses to credentialed requests, and responses that set a cookie, get
// Cache-Control: no-store in place of the handler's; anonymous ones keep
// theirs.
func TestCacheControlOnCredentials(t *testing.T) {
	t.Parallel()
	apiKey := secheaders.CredentialHeaders("x-api-key")
	tests := []struct {
		name       string
		policy     secheaders.Policy
		opts       []secheaders.Option
		hdr        map[string]string
		clientCert bool
		upstreamCC string // the handler's Cache-Control, "" for none
		setCookie  bool
		stripAuth  bool // the handler deletes Authorization from r
		want       string
	}{
		{name: "anonymous GET keeps the handler's", upstreamCC: "public, max-age=60", want: "public, max-age=60"},
		{name: "anonymous GET without one gets none", want: ""},
		{name: "Authorization", hdr: map[string]string{"Authorization": "Bearer x"}, upstreamCC: "public, max-age=60", want: "no-store"},
		{name: "Authorization, none from handler", hdr: map[string]string{"Authorization": "Bearer x"}, want: "no-store"},
		{name: "Cookie", hdr: map[string]string{"Cookie": "session=x"}, upstreamCC: "max-age=600", want: "no-store"},
		{name: "Proxy-Authorization", hdr: map[string]string{"Proxy-Authorization": "Basic eDp5"}, want: "no-store"},
		{name: "API key header named", opts: []secheaders.Option{apiKey}, hdr: map[string]string{"X-Api-Key": "k"}, upstreamCC: "public", want: "no-store"},
		{name: "API key header not named", hdr: map[string]string{"X-Api-Key": "k"}, upstreamCC: "public", want: "public"},
		{name: "TLS client certificate", clientCert: true, upstreamCC: "public", want: "no-store"},
		{name: "response sets a cookie", setCookie: true, upstreamCC: "public, max-age=60", want: "no-store"},
		{name: "handler strips Authorization", hdr: map[string]string{"Authorization": "Bearer x"}, stripAuth: true, upstreamCC: "public", want: "no-store"},
		{name: "route override", policy: secheaders.Policy{CacheControlOnCredentials: "private, max-age=60"}, hdr: map[string]string{"Authorization": "Bearer x"}, upstreamCC: "public", want: "private, max-age=60"},
		{name: "Omit leaves the handler's", policy: secheaders.Policy{CacheControlOnCredentials: secheaders.Omit}, hdr: map[string]string{"Authorization": "Bearer x"}, upstreamCC: "public", want: "public"},
		{name: "Omit adds none", policy: secheaders.Policy{CacheControlOnCredentials: secheaders.Omit}, hdr: map[string]string{"Authorization": "Bearer x"}, want: ""},
		{name: "KeepUpstream keeps the handler's", policy: secheaders.Policy{KeepUpstream: []string{"cache-control"}}, hdr: map[string]string{"Authorization": "Bearer x"}, upstreamCC: "private", want: "private"},
		{name: "KeepUpstream fills in", policy: secheaders.Policy{KeepUpstream: []string{"Cache-Control"}}, hdr: map[string]string{"Authorization": "Bearer x"}, want: "no-store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.stripAuth {
					r.Header.Del("Authorization")
				}
				if tt.upstreamCC != "" {
					w.Header().Set("Cache-Control", tt.upstreamCC)
				}
				if tt.setCookie {
					http.SetCookie(w, &http.Cookie{Name: "session", Value: "x"})
				}
				w.WriteHeader(http.StatusOK)
			})
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			for k, v := range tt.hdr {
				req.Header.Set(k, v)
			}
			if tt.clientCert {
				req.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{{}}}
			}
			resp := serve(secheaders.Middleware(tt.policy, tt.opts...)(h), req)
			if tt.want == "" {
				wantAbsent(t, resp.Header, "Cache-Control")
			} else {
				wantHeaders(t, resp.Header, map[string]string{"Cache-Control": tt.want})
			}
		})
	}
}

// Each route has its own policy; a mux in front picks it.
func TestPerRoutePolicies(t *testing.T) {
	t.Parallel()
	docs := secheaders.Policy{
		ContentSecurityPolicy:     "default-src 'self'; frame-ancestors 'none'",
		FrameOptions:              "SAMEORIGIN",
		CrossOriginResourcePolicy: "cross-origin",
		PermissionsPolicy:         secheaders.Omit,
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", secheaders.Middleware(secheaders.Policy{})(weakHandler(http.StatusOK)))
	mux.Handle("/docs/", secheaders.Middleware(docs)(weakHandler(http.StatusOK)))

	api := serve(mux, httptest.NewRequest(http.MethodGet, "/api/x", nil))
	wantHeaders(t, api.Header, defaultHeaders())

	d := serve(mux, httptest.NewRequest(http.MethodGet, "/docs/x", nil))
	want := defaultHeaders()
	want["Content-Security-Policy"] = docs.ContentSecurityPolicy
	want["X-Frame-Options"] = "SAMEORIGIN"
	want["Cross-Origin-Resource-Policy"] = "cross-origin"
	delete(want, "Permissions-Policy")
	wantHeaders(t, d.Header, want)
	wantAbsent(t, d.Header, "Permissions-Policy")
	wantAbsent(t, d.Header, bannerNames...)
}

// Omit removes a header, including the handler's value; with KeepUpstream
// it lets the handler's value through and adds none.
func TestOmit(t *testing.T) {
	t.Parallel()
	fields := map[string]func(*secheaders.Policy) *string{
		"Content-Security-Policy":      func(p *secheaders.Policy) *string { return &p.ContentSecurityPolicy },
		"X-Frame-Options":              func(p *secheaders.Policy) *string { return &p.FrameOptions },
		"Referrer-Policy":              func(p *secheaders.Policy) *string { return &p.ReferrerPolicy },
		"X-Content-Type-Options":       func(p *secheaders.Policy) *string { return &p.ContentTypeOptions },
		"Cross-Origin-Opener-Policy":   func(p *secheaders.Policy) *string { return &p.CrossOriginOpenerPolicy },
		"Cross-Origin-Resource-Policy": func(p *secheaders.Policy) *string { return &p.CrossOriginResourcePolicy },
		"Permissions-Policy":           func(p *secheaders.Policy) *string { return &p.PermissionsPolicy },
	}
	for header, field := range fields {
		t.Run(header, func(t *testing.T) {
			t.Parallel()
			var p secheaders.Policy
			*field(&p) = secheaders.Omit
			want := defaultHeaders()
			delete(want, header)

			resp := serve(secheaders.Middleware(p)(weakHandler(http.StatusOK)), httptest.NewRequest(http.MethodGet, "/", nil))
			wantAbsent(t, resp.Header, header)
			wantHeaders(t, resp.Header, want)

			p.KeepUpstream = []string{header}
			resp = serve(secheaders.Middleware(p)(weakHandler(http.StatusOK)), httptest.NewRequest(http.MethodGet, "/", nil))
			wantHeaders(t, resp.Header, map[string]string{header: weakUpstreamHeaders()[header]})
			resp = serve(secheaders.Middleware(p)(http.NotFoundHandler()), httptest.NewRequest(http.MethodGet, "/", nil))
			if header != "X-Content-Type-Options" { // http.Error sets nosniff itself
				wantAbsent(t, resp.Header, header)
			}
		})
	}
}

// KeepUpstream keeps an upstream's value (a nonce-based CSP only the
// upstream can write) and fills in the default when there is none; a banner
// so listed is no longer stripped.
func TestKeepUpstream(t *testing.T) {
	t.Parallel()
	p := secheaders.Policy{KeepUpstream: []string{"content-security-policy", "X-Version"}}
	nonce := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "script-src 'nonce-r4nd0m'")
		w.Header().Set("X-Version", "2024-01-01")
		w.Header().Set("Server", "gunicorn")
		w.Header().Set("X-Frame-Options", "ALLOWALL")
	})
	resp := serve(secheaders.Middleware(p)(nonce), httptest.NewRequest(http.MethodGet, "/", nil))
	wantHeaders(t, resp.Header, map[string]string{
		"Content-Security-Policy": "script-src 'nonce-r4nd0m'",
		"X-Version":               "2024-01-01",
		"X-Frame-Options":         "DENY",
	})
	wantAbsent(t, resp.Header, "Server")

	resp = serve(secheaders.Middleware(p)(http.NotFoundHandler()), httptest.NewRequest(http.MethodGet, "/", nil))
	wantHeaders(t, resp.Header, defaultHeaders())
}

// StripHeaders removes more headers besides the banners.
func TestStripHeaders(t *testing.T) {
	t.Parallel()
	p := secheaders.Policy{StripHeaders: []string{"X-Debug-Token", "x-internal-host"}}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Debug-Token", "abc")
		w.Header().Set("X-Internal-Host", "10.0.0.7")
		w.Header().Set("X-Request-Id", "keep-me")
	})
	resp := serve(secheaders.Middleware(p)(h), httptest.NewRequest(http.MethodGet, "/", nil))
	wantAbsent(t, resp.Header, "X-Debug-Token", "X-Internal-Host")
	wantHeaders(t, resp.Header, map[string]string{"X-Request-Id": "keep-me"})
}

// Policy{} and Default() set the very same headers, HSTS and Cache-Control
// included.
func TestZeroPolicyIsDefault(t *testing.T) {
	t.Parallel()
	headersOf := func(p secheaders.Policy) http.Header {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.TLS = &tls.ConnectionState{}
		req.Header.Set("Authorization", "Bearer x")
		return serve(secheaders.Middleware(p)(weakHandler(http.StatusOK)), req).Header
	}
	zero, def := headersOf(secheaders.Policy{}), headersOf(secheaders.Default())
	if !reflect.DeepEqual(zero, def) {
		t.Fatalf("Policy{} headers %v\nDefault() headers %v", zero, def)
	}
	wantHeaders(t, zero, map[string]string{"Strict-Transport-Security": secheaders.DefaultHSTS, "Cache-Control": "no-store"})
}

// An invalid policy or option never reaches the wire: Middleware panics.
func TestMiddlewarePanicsWhenInvalid(t *testing.T) {
	t.Parallel()
	tests := map[string]func(){
		"CRLF in a value": func() {
			secheaders.Middleware(secheaders.Policy{FrameOptions: "DENY\r\nSet-Cookie: admin=1"})
		},
		"bad credential header": func() {
			secheaders.Middleware(secheaders.Policy{}, secheaders.CredentialHeaders("X-API Key"))
		},
	}
	for name, build := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			build()
		})
	}
}

// A recovering middleware outside this one still answers with the policy.
func TestRecoveredPanicGetsHeaders(t *testing.T) {
	t.Parallel()
	panicky := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setAll(w.Header(), weakUpstreamHeaders())
		panic("boom")
	})
	recoverer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if recover() != nil {
					w.WriteHeader(http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
	resp := serve(recoverer(secheaders.Middleware(secheaders.Policy{})(panicky)), httptest.NewRequest(http.MethodGet, "/", nil))
	if resp.StatusCode != 500 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	wantHeaders(t, resp.Header, defaultHeaders())
	wantAbsent(t, resp.Header, bannerNames...)
}

// A 103 Early Hints relayed by a reverse proxy passes through without its
// banners, and the final response still gets the whole policy even though
// ReverseProxy clears the header map after a 1xx.
func TestInformationalResponses(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</app.css>; rel=preload; as=style")
		w.Header().Set("Server", "gunicorn")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		setAll(w.Header(), weakUpstreamHeaders())
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(upstream.Close)
	front := httptest.NewServer(secheaders.Middleware(secheaders.Policy{})(newProxy(t, upstream.URL)))
	t.Cleanup(front.Close)

	var mu sync.Mutex
	var early []textproto.MIMEHeader
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		mu.Lock()
		defer mu.Unlock()
		if code == http.StatusEarlyHints {
			early = append(early, maps.Clone(h))
		}
		return nil
	}}
	req, _ := http.NewRequest(http.MethodGet, front.URL, nil)
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := front.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	mu.Lock()
	defer mu.Unlock()
	if len(early) != 1 {
		t.Fatalf("got %d 103 responses, want 1", len(early))
	}
	if got := early[0].Get("Link"); !strings.Contains(got, "app.css") {
		t.Errorf("103 Link = %q", got)
	}
	if got := early[0].Get("Server"); got != "" {
		t.Errorf("103 Server = %q, want absent", got)
	}
	wantHeaders(t, resp.Header, defaultHeaders())
	wantAbsent(t, resp.Header, bannerNames...)
}

// With a Logger, each relaxation of the default is logged once, at build
// time; the default policy logs nothing.
func TestLogsRelaxations(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	secheaders.Middleware(secheaders.Policy{}, secheaders.Logger(l))
	secheaders.Middleware(secheaders.Default(), secheaders.Logger(l))
	if buf.Len() != 0 {
		t.Fatalf("default policy logged: %s", buf.String())
	}
	secheaders.Middleware(secheaders.Policy{
		FrameOptions: secheaders.Omit, ReferrerPolicy: "strict-origin", KeepUpstream: []string{"content-security-policy"},
	}, secheaders.Logger(l))
	_, err := secheaders.CORSMiddleware(secheaders.CORS{Origins: []string{"https://*.example.com"}, Credentials: true}, secheaders.Logger(l))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`level=WARN msg="security header omitted" header=X-Frame-Options`,
		`level=INFO msg="security header overridden" header=Referrer-Policy value=strict-origin`,
		`level=WARN msg="upstream value kept for header" header=Content-Security-Policy`,
		`level=INFO msg="cors enabled" origins=[https://*.example.com] credentials=true`,
		`level=WARN msg="cors allows every subdomain with credentials`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %s\n%s", want, buf.String())
		}
	}
}
