package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rampart-sec/rampart/internal/problem"
	"github.com/rampart-sec/rampart/telemetry"
)

// IdentityHeaders names the request headers that carry the verified identity
// to the upstream. Empty fields take the defaults (X-Rampart-Subject, …).
type IdentityHeaders struct {
	Subject  string
	Username string
	Roles    string
	Scopes   string
	ClientID string
	Method   string
}

func (h IdentityHeaders) withDefaults() IdentityHeaders {
	def := func(v, d string) string {
		if v == "" {
			return d
		}
		return http.CanonicalHeaderKey(v)
	}
	return IdentityHeaders{
		Subject:  def(h.Subject, "X-Rampart-Subject"),
		Username: def(h.Username, "X-Rampart-Username"),
		Roles:    def(h.Roles, "X-Rampart-Roles"),
		Scopes:   def(h.Scopes, "X-Rampart-Scopes"),
		ClientID: def(h.ClientID, "X-Rampart-Client-Id"),
		Method:   def(h.Method, "X-Rampart-Auth-Method"),
	}
}

// Upstream is where a route's requests go.
type Upstream struct {
	// URL is the upstream base URL; the request path is appended to its path.
	URL *url.URL
	// Timeout bounds waiting for the upstream's response headers. Zero means 30s.
	Timeout time.Duration
	// Transport sends the requests. Nil means a pooled transport tuned for a
	// reverse proxy (see NewTransport).
	Transport http.RoundTripper
	// DropResponseHeaders are removed from the upstream's responses (the
	// gateway drops the upstream's RateLimit headers on limited routes).
	DropResponseHeaders []string
	// direct, when set, sends the requests it can (bodiless GET, HEAD and
	// OPTIONS to a plain-HTTP upstream) without httputil.ReverseProxy: see
	// proxy.serveDirect. Transport still sends all others.
	direct *directTransport
}

// NewTransport returns a keep-alive transport sized for a gateway: many idle
// connections per upstream, bounded dial and header waits.
func NewTransport(timeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:                 nil, // never send upstream traffic through an environment proxy
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		// Pass the client's Accept-Encoding through as it is: never ask the
		// upstream for gzip on the client's behalf and inflate it here
		// (CPU for nothing, and a decompression bomb in rampart's memory).
		DisableCompression: true,
	}
}

// RequestIDHeader carries the request id to the upstream and back to the client.
const RequestIDHeader = "X-Request-Id"

// NewProxy returns a reverse proxy to up; the caller assigns request ids
// (the Gateway does, once per request). It never forwards identity headers
// a client sent (every configured name and anything starting with
// X-Rampart-), and adds the identity an authenticator put in the context. It
// replaces any X-Forwarded-* or Forwarded header the client sent with its own
// view (client-IP trust from proxies in front of rampart is decided before
// this point). Upstream failures become 502, timeouts 504, as problem+json
// without internals; the cause is logged under the request id.
func NewProxy(up Upstream, hdrs IdentityHeaders, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	timeout := up.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	tr := up.Transport
	if tr == nil {
		tr = NewTransport(timeout)
	}
	hdrs = hdrs.withDefaults()
	target := up.URL
	fail := func(w http.ResponseWriter, r *http.Request, err error) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			problem.Write(w, http.StatusRequestEntityTooLarge, "Content Too Large", "The request body is too large.")
			return
		}
		status, title := http.StatusBadGateway, "Bad Gateway"
		if isTimeout(err) {
			status, title = http.StatusGatewayTimeout, "Gateway Timeout"
		}
		id := w.Header().Get(RequestIDHeader)
		log.WarnContext(r.Context(), "upstream request failed", "request.id", id, "upstream", target.Host, "status", status, "error", err)
		problem.Write(w, status, title, "The upstream service did not answer; request id "+id+".")
	}
	p := &proxy{target: target, hdrs: hdrs, drop: up.DropResponseHeaders, fail: fail, bufs: newBufferPool()}
	p.rp = &httputil.ReverseProxy{
		Transport:  tr,
		BufferPool: p.bufs,
		Rewrite:    p.rewrite,
		ModifyResponse: func(resp *http.Response) error {
			for _, name := range up.DropResponseHeaders {
				resp.Header.Del(name)
			}
			return nil
		},
		ErrorHandler: fail,
	}
	if up.direct != nil && target.Scheme == "http" && isASCII(target.Host) {
		p.direct = up.direct
		p.base = splitTarget(target)
	}
	return p
}

// bufferPool recycles the proxy's body-copy buffers: without one,
// ReverseProxy allocates and zeroes 32 KiB per request.
type bufferPool struct{ pool sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{pool: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
}

// Get and Put serve httputil.ReverseProxy, whose interface passes []byte:
// Put allocates a new pointer for the pool. serveDirect uses getPtr and
// putPtr, which keep the pool's own pointer.
func (p *bufferPool) Get() []byte { return *p.getPtr() }

func (p *bufferPool) Put(b []byte) {
	if cap(b) == 32<<10 {
		b = b[:cap(b)]
		p.putPtr(&b)
	}
}

func (p *bufferPool) getPtr() *[]byte { return p.pool.Get().(*[]byte) }

func (p *bufferPool) putPtr(b *[]byte) { p.pool.Put(b) }

// rewrite shapes the ReverseProxy path's upstream request like writeHead
// does the direct path's: the client's forbidden headers dropped (the
// hop-by-hop ones ReverseProxy drops itself), rampart's forwarding and
// identity headers added.
func (p *proxy) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(p.target)
	out := pr.Out.Header
	for k := range out {
		if p.forbidden(k) {
			delete(out, k)
		}
	}
	p.forwardingHeaders(pr.In, out.Set)
}

// forwardedValue renders an RFC 7239 Forwarded element.
func forwardedValue(ip, host, proto string) string {
	forIP := ip
	if strings.Contains(ip, ":") {
		forIP = `"[` + ip + `]"`
	}
	return "for=" + forIP + ";host=" + quoteIfNeeded(host) + ";proto=" + proto
}

func quoteIfNeeded(v string) string {
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", c)) {
			return `"` + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), `"`, `\"`) + `"`
		}
	}
	return v
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// WithRequestID makes sure every request has an id, echoed to the client
// in X-Request-Id and passed on to the upstream. A client-sent id is kept
// only when it is short and plain; otherwise rampart makes its own. rampart
// wraps its whole listener with it, so its own endpoints' responses and
// audit events carry one too.
func WithRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ensureRequestID(w, r)
		next.ServeHTTP(w, r)
	})
}

func ensureRequestID(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get(RequestIDHeader)
	if !plainID(id) {
		b := make([]byte, 12)
		rand.Read(b)
		id = hex.EncodeToString(b)
		r.Header.Set(RequestIDHeader, id)
	}
	w.Header().Set(RequestIDHeader, id)
	telemetry.RecordFrom(r.Context()).SetRequestID(id)
}

func plainID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
