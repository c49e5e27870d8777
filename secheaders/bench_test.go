package secheaders_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rampart-sec/rampart/secheaders"
)

// benchWriter is a ResponseWriter whose header map is reused, so that the
// benchmark measures the middleware, not the writer.
type benchWriter struct{ h http.Header }

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(int)             {}

// BenchmarkMiddleware measures the per-request cost of the middlewares; the
// baseline is the bare handler.
func BenchmarkMiddleware(b *testing.B) {
	body := []byte(`{"ok":true}`)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})
	flask := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "gunicorn")
		w.Header().Set("X-Powered-By", "Flask")
		w.Header().Set("X-Frame-Options", "ALLOWALL")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})
	corsMW, err := secheaders.CORSMiddleware(secheaders.CORS{
		Origins: []string{"https://app.example.com", "https://*.partner.example"}, Credentials: true,
		Methods: []string{"GET", "POST"}, Headers: []string{"Authorization"},
	})
	if err != nil {
		b.Fatal(err)
	}
	sec := secheaders.Middleware(secheaders.Policy{}, secheaders.CredentialHeaders("X-API-Key"))

	anon := httptest.NewRequest(http.MethodGet, "/api/data", nil)
	authTLS := httptest.NewRequest(http.MethodGet, "/api/data", nil)
	authTLS.Header.Set("Authorization", "Bearer x")
	authTLS.TLS = &tls.ConnectionState{}
	cross := httptest.NewRequest(http.MethodGet, "/api/data", nil)
	cross.Header.Set("Origin", "https://app.example.com")
	cross.Header.Set("Cookie", "session=x")
	preflight := httptest.NewRequest(http.MethodOptions, "/api/data", nil)
	preflight.Header.Set("Origin", "https://eu.partner.example")
	preflight.Header.Set("Access-Control-Request-Method", "POST")
	preflight.Header.Set("Access-Control-Request-Headers", "authorization")

	tests := []struct {
		name string
		h    http.Handler
		req  *http.Request
	}{
		{"baseline", handler, anon},
		{"headers/anonymous", sec(handler), anon},
		{"headers/credentialed TLS", sec(handler), authTLS},
		{"headers/upstream banners", sec(flask), anon},
		{"headers+cors/allowed origin", sec(corsMW(handler)), cross},
		{"headers+cors/preflight", sec(corsMW(handler)), preflight},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			w := &benchWriter{h: make(http.Header, 16)}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				tt.h.ServeHTTP(w, tt.req)
			}
		})
	}
}
