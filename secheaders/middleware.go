package secheaders

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
)

// Middleware returns middleware that applies p to every response of the
// handler it wraps: success and error responses alike, responses a reverse
// proxy relays from an upstream, and responses the handler never writes
// (an empty 200). The headers are set at the moment the status line is
// written, so they replace what the handler or upstream set, banners are
// removed, and the headers survive a reverse proxy clearing the header map
// after relaying a 1xx response.
//
// Middleware panics if p.Validate or an option fails: a policy is checked
// when configuration is loaded, and a bad one must never reach the wire.
func Middleware(p Policy, opts ...Option) func(http.Handler) http.Handler {
	o := buildOptions(opts)
	c, err := compile(p, o)
	if err != nil {
		panic(fmt.Sprintf("secheaders.Middleware: %v", err))
	}
	if o.logger != nil {
		logPolicy(o.logger, p)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			iw := &interceptor[secState]{
				rw:   w,
				hook: secState{c: c, https: c.https(r), creds: c.credentialed(r)},
			}
			// Deferred, so that a recovering middleware outside this one
			// still writes its 500 with the policy's headers.
			defer iw.finish()
			next.ServeHTTP(iw, r)
		})
	}
}

// rule is what the policy does to one header of the final response.
type rule struct {
	key string
	// val is the value to set, nil to remove the header. Its slice is
	// shared by every response (len == cap, so Header.Add on it copies):
	// setting it allocates nothing.
	val []string
	// keep leaves the header as it is when the handler set it.
	keep bool
}

func (r *rule) apply(h http.Header) {
	if r.keep && len(h[r.key]) > 0 {
		return
	}
	if r.val == nil {
		delete(h, r.key)
		return
	}
	h[r.key] = r.val
}

// compiled is a validated Policy in the form the hot path uses.
type compiled struct {
	strip       []string // banners and StripHeaders, canonical
	always      []rule   // the headers set on every response
	hsts        rule     // on HTTPS only
	cache       rule     // on credentialed responses only
	cacheOff    bool     // CacheControlOnCredentials is Omit
	isHTTPS     func(*http.Request) bool
	credHeaders []string // canonical
}

func compile(p Policy, o options) (*compiled, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	c := &compiled{isHTTPS: o.isHTTPS}
	for _, name := range o.credHeaders {
		if !isToken(name) {
			return nil, fmt.Errorf("secheaders: CredentialHeaders: %q is not a header name", name)
		}
		c.credHeaders = appendNew(c.credHeaders, http.CanonicalHeaderKey(name))
	}
	var keep []string
	for _, k := range p.KeepUpstream {
		keep = appendNew(keep, http.CanonicalHeaderKey(k))
	}
	for _, b := range BannerHeaders() {
		if !slices.Contains(keep, b) {
			c.strip = append(c.strip, b)
		}
	}
	for _, s := range p.StripHeaders {
		c.strip = appendNew(c.strip, http.CanonicalHeaderKey(s))
	}
	for _, f := range p.fields() {
		v := f.value
		if v == "" {
			v = f.def
		}
		r := rule{key: f.header, keep: slices.Contains(keep, f.header)}
		if v != Omit {
			r.val = []string{v}
		}
		switch f.header {
		case headerHSTS:
			c.hsts = r
		case headerCacheControl:
			c.cache, c.cacheOff = r, v == Omit
		default:
			c.always = append(c.always, r)
		}
	}
	return c, nil
}

// appendNew appends s to list unless it is there already.
func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// https reports whether r reached the client side over HTTPS.
func (c *compiled) https(r *http.Request) bool {
	return r.TLS != nil || c.isHTTPS != nil && c.isHTTPS(r)
}

// credentialed reports whether r carries credentials. It is decided before
// the handler runs, in case the handler strips them from r.
func (c *compiled) credentialed(r *http.Request) bool {
	h := r.Header
	if len(h["Authorization"]) > 0 || len(h["Cookie"]) > 0 || len(h["Proxy-Authorization"]) > 0 {
		return true
	}
	for _, k := range c.credHeaders {
		if len(h[k]) > 0 {
			return true
		}
	}
	return r.TLS != nil && len(r.TLS.PeerCertificates) > 0
}

func (c *compiled) stripBanners(h http.Header) {
	for _, k := range c.strip {
		delete(h, k)
	}
}

// secState is the per-request state of Middleware's hook.
type secState struct {
	c            *compiled
	https, creds bool
}

func (s secState) informational(h http.Header) { s.c.stripBanners(h) }

func (s secState) final(h http.Header) {
	c := s.c
	c.stripBanners(h)
	for i := range c.always {
		c.always[i].apply(h)
	}
	if s.https {
		c.hsts.apply(h)
	} else if !c.hsts.keep {
		delete(h, headerHSTS) // browsers ignore HSTS over plain HTTP (RFC 6797 §8.1)
	}
	if !c.cacheOff && (s.creds || len(h["Set-Cookie"]) > 0) {
		c.cache.apply(h)
	}
}

// logPolicy logs each relaxation of the default in p, once, at build time.
func logPolicy(l *slog.Logger, p Policy) {
	ctx := context.Background()
	for _, f := range p.fields() {
		switch f.value {
		case "", f.def:
		case Omit:
			l.LogAttrs(ctx, slog.LevelWarn, "security header omitted", slog.String("header", f.header))
		default:
			l.LogAttrs(ctx, slog.LevelInfo, "security header overridden",
				slog.String("header", f.header), slog.String("value", f.value), slog.String("default", f.def))
		}
	}
	for _, k := range p.KeepUpstream {
		l.LogAttrs(ctx, slog.LevelWarn, "upstream value kept for header", slog.String("header", http.CanonicalHeaderKey(k)))
	}
}
