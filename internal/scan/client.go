package scan

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ErrOutOfScope is returned for a request to any scheme, host or port other
// than the target's. The scanner never sends one.
var ErrOutOfScope = errors.New("request outside the target's scheme+host+port")

// ErrBudget is returned once the --max-requests budget is spent.
var ErrBudget = errors.New("request budget (--max-requests) spent")

// maxBody is how much of a response body the scanner reads.
const maxBody = 1 << 20

// client sends every request of a scan. It refuses anything outside the
// target's origin, never follows redirects, waits for the rate limiter before
// each request and counts requests per check against the budget.
type client struct {
	origin  *url.URL
	http    *http.Client
	limiter *rate.Limiter
	max     int
	extra   http.Header
	timeout time.Duration

	mu      sync.Mutex
	total   int
	byCheck map[string]int
}

func newClient(origin *url.URL, o Options) *client {
	tc := &tls.Config{
		// The scanner inspects the target's certificate itself (the transport
		// check) and reports every problem with it, so it must be able to talk
		// to a server whose certificate does not verify.
		InsecureSkipVerify: true, //nolint:gosec // see above
		MinVersion:         tls.VersionTLS12,
		ServerName:         origin.Hostname(),
	}
	tr := &http.Transport{
		Proxy:               nil,
		TLSClientConfig:     tc,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
		DialContext:         (&net.Dialer{Timeout: o.Timeout}).DialContext,
	}
	c := &client{
		origin:  origin,
		limiter: rate.NewLimiter(rate.Limit(o.Rate), 1),
		max:     o.MaxRequests,
		extra:   o.Headers,
		timeout: o.Timeout,
		byCheck: map[string]int{},
	}
	c.http = &http.Client{
		Transport: scopedTransport{origin: origin, next: tr},
		Timeout:   o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return c
}

// scopedTransport refuses requests outside the origin: a second line of
// defence behind client.do, for anything that reaches the transport another
// way.
type scopedTransport struct {
	origin *url.URL
	next   http.RoundTripper
}

func (t scopedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !sameOrigin(t.origin, r.URL) {
		return nil, fmt.Errorf("%s: %w", r.URL.Redacted(), ErrOutOfScope)
	}
	return t.next.RoundTrip(r)
}

// sameOrigin reports whether u has a's scheme, host and port.
func sameOrigin(a, u *url.URL) bool {
	return strings.EqualFold(a.Scheme, u.Scheme) && strings.EqualFold(hostPort(a), hostPort(u))
}

// hostPort returns u's host:port with the scheme's default port filled in.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if strings.EqualFold(u.Scheme, "https") {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// url resolves a path (with optional query) against the origin.
func (c *client) url(pathQuery string) string {
	u := *c.origin
	u.Path, u.RawPath, u.RawQuery, u.Fragment = "", "", "", ""
	if !strings.HasPrefix(pathQuery, "/") {
		pathQuery = "/" + pathQuery
	}
	return u.String() + pathQuery
}

// spend takes one request from the budget for check and waits for the rate
// limiter.
func (c *client) spend(ctx context.Context, check string) error {
	c.mu.Lock()
	if c.total >= c.max {
		c.mu.Unlock()
		return ErrBudget
	}
	c.total++
	c.byCheck[check]++
	c.mu.Unlock()
	return c.limiter.Wait(ctx)
}

// remaining returns how many requests are left in the budget.
func (c *client) remaining() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.max - c.total
}

// counts returns the total and the per-check request counts so far.
func (c *client) counts() (int, map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]int, len(c.byCheck))
	for k, v := range c.byCheck {
		m[k] = v
	}
	return c.total, m
}

// probe describes one request: method, path (with query) and optional
// headers and body. Path is relative to the origin.
type probe struct {
	method string
	path   string
	header http.Header
	body   []byte
	// noExtra leaves out the --header values (for requests that must carry no
	// credentials at all).
	noExtra bool
}

// do sends p on behalf of check and returns the exchange. A response of any
// status is not an error.
func (c *client) do(ctx context.Context, check string, p probe) (*exchange, error) {
	target, err := url.Parse(c.url(p.path))
	if err != nil {
		return nil, fmt.Errorf("building request for %s: %w", p.path, err)
	}
	if !sameOrigin(c.origin, target) {
		return nil, fmt.Errorf("%s: %w", target.Redacted(), ErrOutOfScope)
	}
	if err := c.spend(ctx, check); err != nil {
		return nil, err
	}
	var body io.Reader
	if p.body != nil {
		body = strings.NewReader(string(p.body))
	}
	req, err := http.NewRequestWithContext(ctx, p.method, target.String(), body)
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", p.method, p.path, err)
	}
	req.Header.Set("User-Agent", "rampart-scan")
	if !p.noExtra {
		for k, vs := range c.extra {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
	}
	for k, vs := range p.header {
		req.Header.Del(k)
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if p.body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", p.method, target.Redacted(), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading body: %w", p.method, target.Redacted(), err)
	}
	return &exchange{
		method:  p.method,
		url:     target,
		reqHead: req.Header,
		reqBody: p.body,
		status:  resp.StatusCode,
		proto:   resp.Proto,
		head:    resp.Header,
		body:    b,
	}, nil
}

// handshake opens a TLS connection to the origin with cfg on behalf of
// check, counting it as one request, and returns the connection state.
func (c *client) handshake(ctx context.Context, check string, cfg *tls.Config) (tls.ConnectionState, error) {
	if err := c.spend(ctx, check); err != nil {
		return tls.ConnectionState{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	d := tls.Dialer{NetDialer: &net.Dialer{}, Config: cfg}
	conn, err := d.DialContext(ctx, "tcp", hostPort(c.origin))
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState(), nil
}
