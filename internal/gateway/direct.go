package gateway

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/clientip"
	"github.com/rampart-sec/rampart/telemetry"
)

// proxy is a route's upstream handler. Requests without a body that read
// (GET, HEAD, OPTIONS) to a plain-HTTP upstream — most of an API's traffic —
// take serveDirect: the request head is written straight into a pooled
// upstream connection and the answer copied back, on the request's own
// goroutine, without the header map copies and the per-request closures of
// httputil.ReverseProxy. Everything else (bodies, upgrades, HTTPS
// upstreams, traced requests) goes through ReverseProxy. Both paths send
// and answer the same (TestDirectPathMatchesReverseProxy compares them
// request by request).
type proxy struct {
	rp     *httputil.ReverseProxy
	direct *directTransport // nil: every request goes through rp
	target *url.URL
	base   targetParts
	hdrs   IdentityHeaders
	drop   []string
	fail   func(http.ResponseWriter, *http.Request, error)
	bufs   *bufferPool
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.direct != nil && directable(r) {
		p.serveDirect(w, r)
		return
	}
	p.rp.ServeHTTP(w, r)
}

// directable reports whether r is a request the direct path sends (both
// serveDirect and directTransport.handles ask it): one that reads, carries
// no body and asks for no protocol switch.
func directable(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		return false
	}
	return r.ContentLength == 0 && len(r.TransferEncoding) == 0 && len(r.Trailer) == 0 && r.Header["Upgrade"] == nil
}

func (p *proxy) serveDirect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	start := time.Now()
	// The head writeHead sends never asks the upstream to close: a client's
	// "Connection: close" (r.Close) concerns the client's connection only.
	resp, err := p.direct.do(ctx, p.target.Host, r, false, func(out io.Writer) error {
		p.writeHead(out.(headWriter), r)
		return nil
	})
	rec := telemetry.RecordFrom(ctx)
	rec.RecordUpstream(time.Since(start), resp, err)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		p.fail(w, r, errUnaskedUpgrade) // nothing asked to switch protocols
		return
	}
	removeHopByHop(resp.Header)
	for _, name := range p.drop {
		resp.Header.Del(name)
	}
	h := w.Header()
	for k, vv := range resp.Header {
		h[k] = append(h[k], vv...)
	}
	if len(resp.Trailer) > 0 {
		names := make([]string, 0, len(resp.Trailer))
		for k := range resp.Trailer {
			names = append(names, k)
		}
		h.Add("Trailer", strings.Join(names, ", "))
	}
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	if len(resp.Trailer) > 0 {
		_ = rc.Flush() // chunked, so the trailers can follow the body
	}
	// Stream what has no length, and event streams, as it comes.
	stream := resp.ContentLength == -1 || isEventStream(resp.Header.Get("Content-Type"))
	bp := p.bufs.getPtr()
	defer p.bufs.putPtr(bp)
	buf := *bp
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				panic(http.ErrAbortHandler) // the client is gone
			}
			if stream {
				_ = rc.Flush()
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			// Headers are out: all that is left is to cut the client off
			// rather than let a truncated body pass for a whole one.
			panic(http.ErrAbortHandler)
		}
	}
	for k, vv := range resp.Trailer {
		h[http.TrailerPrefix+k] = vv
	}
}

var errUnaskedUpgrade = errors.New("the upstream switched protocols unasked")

// headWriter is what the upstream connection's buffered writer offers.
type headWriter interface {
	io.Writer
	io.StringWriter
	io.ByteWriter
}

// writeHead writes the upstream request's head: the request line for the
// target, the client's headers without the hop-by-hop ones and without any
// it may not choose (identity, X-Forwarded-*, Forwarded, X-Real-Ip), then
// rampart's forwarding and identity headers. Write errors are the buffered
// writer's and surface at its Flush.
func (p *proxy) writeHead(out headWriter, r *http.Request) {
	out.WriteString(r.Method)
	out.WriteByte(' ')
	out.WriteString(p.base.requestURI(r.URL))
	out.WriteString(" HTTP/1.1\r\nHost: ")
	out.WriteString(p.target.Host)
	out.WriteString("\r\n")
	if ua := r.Header.Get("User-Agent"); ua != "" {
		writeField(out, "User-Agent", ua)
	}
	connTokens := r.Header["Connection"]
	for k, vv := range r.Header {
		if p.withheld(k) || len(connTokens) > 0 && listedIn(connTokens, k) {
			continue
		}
		for _, v := range vv {
			writeField(out, k, v)
		}
	}
	if teTrailers(r.Header["Te"]) {
		out.WriteString("Te: trailers\r\n")
	}
	p.forwardingHeaders(r, func(k, v string) { writeField(out, k, v) })
	out.WriteString("\r\n")
}

// withheld reports whether the client's header k stays out of the upstream
// request written by writeHead (k is in canonical form, as net/http's
// server stores it): the framing and hop-by-hop headers, and those the
// client may not choose (see forbidden).
func (p *proxy) withheld(k string) bool {
	switch k {
	case "Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer", // written by writeHead or not at all
		"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Upgrade": // hop-by-hop
		return true
	}
	return p.forbidden(k)
}

// forbidden reports whether k is a header only rampart may send upstream:
// forwarding (X-Forwarded-*, Forwarded, X-Real-Ip), identity (every
// configured name, anything starting with X-Rampart-). Both paths drop a
// client's: writeHead through withheld, the ReverseProxy path in rewrite.
func (p *proxy) forbidden(k string) bool {
	switch k {
	case "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip":
		return true
	}
	if len(k) >= len("X-Rampart-") && strings.EqualFold(k[:len("X-Rampart-")], "X-Rampart-") {
		return true
	}
	h := &p.hdrs
	return k == h.Subject || k == h.Username || k == h.Roles || k == h.Scopes || k == h.ClientID || k == h.Method
}

// forwardingHeaders calls set with each header rampart adds to an upstream
// request, on both paths: X-Forwarded-For (the client IP decided at the
// entry point, trusted proxies honoured, else the peer's address),
// Forwarded (when that client IP is known), X-Forwarded-Host,
// X-Forwarded-Proto, then the verified identity's headers.
func (p *proxy) forwardingHeaders(r *http.Request, set func(k, v string)) {
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	if ip := clientip.From(r); ip.IsValid() {
		s := ip.String()
		set("X-Forwarded-For", s)
		set("Forwarded", forwardedValue(s, r.Host, proto))
	} else if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		set("X-Forwarded-For", host)
	}
	set("X-Forwarded-Host", r.Host)
	set("X-Forwarded-Proto", proto)
	if id, ok := authn.FromContext(r.Context()); ok {
		h := &p.hdrs
		setIf := func(k, v string) {
			if v = headerSafe(v); v != "" {
				set(k, v)
			}
		}
		setIf(h.Subject, id.Subject)
		setIf(h.Username, id.Username)
		setIf(h.Roles, strings.Join(id.Roles, " "))
		setIf(h.Scopes, strings.Join(id.Scopes, " "))
		setIf(h.ClientID, id.ClientID)
		setIf(h.Method, string(id.Method))
	}
}

// listedIn reports whether the Connection header values name header k
// (header names compare case-insensitively, without allocating).
func listedIn(connection []string, k string) bool {
	for _, v := range connection {
		for tok := range strings.SplitSeq(v, ",") {
			if tok = strings.TrimSpace(tok); strings.EqualFold(tok, k) {
				return true
			}
		}
	}
	return false
}

// teTrailers reports whether TE asks for trailers, the one TE value a
// proxy passes on.
func teTrailers(te []string) bool {
	for _, v := range te {
		for tok := range strings.SplitSeq(v, ",") {
			tok, _, _ = strings.Cut(tok, ";")
			if strings.EqualFold(strings.TrimSpace(tok), "trailers") {
				return true
			}
		}
	}
	return false
}

// writeField writes one header line. Values are the client's own (which
// net/http's server admitted) or rampart's, cleaned by headerSafe.
func writeField(out headWriter, k, v string) {
	out.WriteString(k)
	out.WriteString(": ")
	out.WriteString(v)
	out.WriteString("\r\n")
}

// headerSafe makes v fit for a header value: control characters (CR and
// LF above all — a subject claim must not add headers of its own) become
// spaces. Identity values come from tokens, some issued by other servers.
func headerSafe(v string) string {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			b := []byte(v)
			for j := i; j < len(b); j++ {
				if c := b[j]; c < 0x20 && c != '\t' || c == 0x7f {
					b[j] = ' '
				}
			}
			return string(b)
		}
	}
	return v
}

// hopByHop are the headers that belong to one connection, never forwarded
// (RFC 9110 §7.6.1, and the ones net/http's ReverseProxy also drops).
var hopByHop = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer",
	"Transfer-Encoding", "Upgrade"}

// removeHopByHop drops the hop-by-hop headers, and those Connection names,
// from an upstream response's headers.
func removeHopByHop(h http.Header) {
	for _, v := range h["Connection"] {
		for tok := range strings.SplitSeq(v, ",") {
			if tok = strings.TrimSpace(tok); tok != "" {
				h.Del(tok)
			}
		}
	}
	for _, k := range hopByHop {
		delete(h, k)
	}
}

func isEventStream(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "text/event-stream")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// targetParts is the upstream URL's path and query, joined with each
// request's the way httputil.ProxyRequest.SetURL joins them.
type targetParts struct {
	path, rawPath, escapedPath, query string
}

func splitTarget(u *url.URL) targetParts {
	return targetParts{path: u.Path, rawPath: u.RawPath, escapedPath: u.EscapedPath(), query: u.RawQuery}
}

// requestURI returns the request target for in: the target's path joined
// to in's with one slash between, and the target's query before in's.
func (t targetParts) requestURI(in *url.URL) string {
	u := url.URL{}
	if t.rawPath == "" && in.RawPath == "" {
		u.Path = joinSlash(t.path, in.Path)
	} else {
		a, b := t.escapedPath, in.EscapedPath()
		switch as, bs := strings.HasSuffix(a, "/"), strings.HasPrefix(b, "/"); {
		case as && bs:
			u.Path, u.RawPath = t.path+in.Path[1:], a+b[1:]
		case !as && !bs:
			u.Path, u.RawPath = t.path+"/"+in.Path, a+"/"+b
		default:
			u.Path, u.RawPath = t.path+in.Path, a+b
		}
	}
	switch {
	case t.query == "" || in.RawQuery == "":
		u.RawQuery = t.query + in.RawQuery
	default:
		u.RawQuery = t.query + "&" + in.RawQuery
	}
	return u.RequestURI()
}

func joinSlash(a, b string) string {
	as, bs := strings.HasSuffix(a, "/"), strings.HasPrefix(b, "/")
	switch {
	case as && bs:
		return a + b[1:]
	case !as && !bs:
		return a + "/" + b
	}
	return a + b
}
