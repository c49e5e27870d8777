package scan

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// canary is an out-of-band HTTP listener on loopback: the SSRF check puts
// its URL in parameters and watches for the target fetching it.
type canary struct {
	ln  net.Listener
	srv *http.Server

	mu   sync.Mutex
	hits map[string]string // token -> remote address that fetched it
	// hit receives a signal (without blocking, buffer 1) after each hit.
	hit chan struct{}
}

// canaryPrefix starts every path the canary hands out.
const canaryPrefix = "/rampart-scan-canary/"

func newCanary() (*canary, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the SSRF canary listener: %w", err)
	}
	c := &canary{ln: ln, hits: map[string]string{}, hit: make(chan struct{}, 1)}
	c.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := strings.CutPrefix(r.URL.Path, canaryPrefix); ok && tok != "" {
			c.mu.Lock()
			c.hits[tok] = r.RemoteAddr
			c.mu.Unlock()
			select {
			case c.hit <- struct{}{}:
			default: // a signal is already pending
			}
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("rampart-scan canary\n"))
	})}
	go c.srv.Serve(ln) //nolint:errcheck // ends with close
	return c, nil
}

// url is the canary URL for token.
func (c *canary) url(token string) string {
	return "http://" + c.ln.Addr().String() + canaryPrefix + token
}

// wait returns the tokens fetched so far once every one of want arrived,
// timeout passed or ctx ended.
func (c *canary) wait(ctx context.Context, want []string, timeout time.Duration) map[string]string {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		c.mu.Lock()
		got := make(map[string]string, len(c.hits))
		for k, v := range c.hits {
			got[k] = v
		}
		c.mu.Unlock()
		all := true
		for _, w := range want {
			if _, ok := got[w]; !ok {
				all = false
				break
			}
		}
		if all {
			return got
		}
		select {
		case <-c.hit:
		case <-timer.C:
			return got
		case <-ctx.Done():
			return got
		}
	}
}

func (c *canary) close() { _ = c.srv.Close() }
