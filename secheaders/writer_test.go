package secheaders_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/secheaders"
)

// chain is the order a route uses: security headers outside CORS.
func chain(t testing.TB, h http.Handler) http.Handler {
	t.Helper()
	corsMW, err := secheaders.CORSMiddleware(secheaders.CORS{Origins: []string{"https://app.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	return secheaders.Middleware(secheaders.Policy{})(corsMW(h))
}

// A streamed response goes out chunk by chunk through the wrappers, with
// its headers, whether the handler flushes with http.Flusher or with
// http.ResponseController, and when a reverse proxy relays the stream.
func TestFlushStreams(t *testing.T) {
	t.Parallel()
	flushers := map[string]func(http.ResponseWriter) error{
		"http.Flusher": func(w http.ResponseWriter) error {
			w.(http.Flusher).Flush()
			return nil
		},
		"http.ResponseController": func(w http.ResponseWriter) error {
			return http.NewResponseController(w).Flush()
		},
	}
	for name, flush := range flushers {
		for _, viaProxy := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/proxy=%v", name, viaProxy), func(t *testing.T) {
				t.Parallel()
				release := make(chan struct{})
				flushErr := make(chan error, 1)
				stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/event-stream")
					w.Header().Set("Server", "streamer/1.0")
					fmt.Fprint(w, "data: one\n\n")
					flushErr <- flush(w)
					select {
					case <-release:
					case <-r.Context().Done():
						return
					}
					fmt.Fprint(w, "data: two\n\n")
				})
				var h http.Handler = chain(t, stream)
				if viaProxy {
					upstream := httptest.NewServer(stream)
					t.Cleanup(upstream.Close)
					h = chain(t, newProxy(t, upstream.URL))
				}
				srv := httptest.NewServer(h)
				t.Cleanup(srv.Close)

				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
				req.Header.Set("Origin", "https://app.example.com")
				resp, err := srv.Client().Do(req) // returns once the headers are flushed
				if err != nil {
					t.Fatalf("headers did not arrive before the stream ended: %v", err)
				}
				defer resp.Body.Close()
				if err := <-flushErr; err != nil {
					t.Fatalf("flush: %v", err)
				}
				wantHeaders(t, resp.Header, defaultHeaders())
				wantHeaders(t, resp.Header, map[string]string{"Access-Control-Allow-Origin": "https://app.example.com"})
				wantAbsent(t, resp.Header, "Server")

				br := bufio.NewReader(resp.Body)
				line, err := br.ReadString('\n')
				if err != nil || line != "data: one\n" {
					t.Fatalf("first chunk %q, %v", line, err)
				}
				close(release) // only now may the handler write the rest
				rest, err := io.ReadAll(br)
				if err != nil || string(rest) != "\ndata: two\n\n" {
					t.Fatalf("rest %q, %v", rest, err)
				}
			})
		}
	}
}

// http.ResponseController reaches the methods of the real writer through
// Unwrap: deadlines and full duplex.
func TestResponseControllerUnwraps(t *testing.T) {
	t.Parallel()
	errs := make(chan error, 3)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		errs <- rc.SetWriteDeadline(time.Now().Add(time.Minute))
		errs <- rc.SetReadDeadline(time.Now().Add(time.Minute))
		errs <- rc.EnableFullDuplex()
	})
	srv := httptest.NewServer(chain(t, h))
	t.Cleanup(srv.Close)
	resp := get(t, srv.Client(), srv.URL, nil)
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("ResponseController: %v", err)
		}
	}
	wantHeaders(t, resp.Header, defaultHeaders())
}

// bareWriter is a ResponseWriter with no optional method.
type bareWriter struct {
	h      http.Header
	status int
}

func (w *bareWriter) Header() http.Header         { return w.h }
func (w *bareWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *bareWriter) WriteHeader(code int)        { w.status = code }

// When the writer underneath cannot flush, ResponseController says so with
// http.ErrNotSupported, the type-asserted Flush does nothing, and the
// headers are still set.
func TestFlushUnsupported(t *testing.T) {
	t.Parallel()
	var rcErr error
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		rcErr = http.NewResponseController(w).Flush()
	})
	w := &bareWriter{h: http.Header{}}
	chain(t, h).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if !errors.Is(rcErr, http.ErrNotSupported) {
		t.Errorf("ResponseController.Flush = %v, want http.ErrNotSupported", rcErr)
	}
	wantHeaders(t, w.h, defaultHeaders())
}

// A handler can hijack the connection through the wrappers, by type
// assertion or with ResponseController; on HTTP/2, where it cannot, it gets
// the error and its normal response still carries the policy.
func TestHijack(t *testing.T) {
	t.Parallel()
	hijackers := map[string]func(http.ResponseWriter) error{
		"http.Hijacker": func(w http.ResponseWriter) error {
			conn, brw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return err
			}
			defer conn.Close()
			fmt.Fprint(brw, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
			return brw.Flush()
		},
		"http.ResponseController": func(w http.ResponseWriter) error {
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return err
			}
			defer conn.Close()
			fmt.Fprint(brw, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
			return brw.Flush()
		},
	}
	for name, hijack := range hijackers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if err := hijack(w); err != nil {
					http.Error(w, err.Error(), http.StatusTeapot)
				}
			})
			srv := httptest.NewServer(chain(t, h))
			t.Cleanup(srv.Close)
			resp, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(body) != "hi" {
				t.Fatalf("got %d %q, want the hijacker's 200 \"hi\"", resp.StatusCode, body)
			}

			h2 := httptest.NewUnstartedServer(chain(t, h))
			h2.EnableHTTP2 = true
			h2.StartTLS()
			t.Cleanup(h2.Close)
			resp = get(t, h2.Client(), h2.URL, nil)
			if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusTeapot {
				t.Fatalf("HTTP/2: got %s %d, want HTTP/2 418", resp.Proto, resp.StatusCode)
			}
			wantHeaders(t, resp.Header, defaultHeaders())
			wantHeaders(t, resp.Header, map[string]string{"Strict-Transport-Security": secheaders.DefaultHSTS})
		})
	}
}
