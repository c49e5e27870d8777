package secheaders

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rs/cors"
)

// Sentinels of the CORS configurations that [CORS.Validate] refuses because
// they expose users' data to other sites. Test with errors.Is.
var (
	// ErrWildcardWithCredentials: Origins "*" with Credentials. Browsers
	// refuse "Access-Control-Allow-Origin: *" on credentialed requests, and
	// the usual workaround, reflecting whatever Origin arrives, lets every
	// website on the internet read a logged-in user's responses.
	ErrWildcardWithCredentials = errors.New(`origin "*" with Credentials would let every website read authenticated responses`)
	// ErrNullOrigin: "null" as an allowed origin. Browsers send
	// "Origin: null" from sandboxed iframes, data: and file: documents and
	// after some cross-origin redirects, so any attacker's page can produce
	// it: allowing it allows everyone.
	ErrNullOrigin = errors.New(`origin "null" can be sent by any page (sandboxed iframes, data: URLs, redirects), so allowing it allows every site`)
)

// CORS is the cross-origin resource sharing policy of a route. Its zero
// value, no Origins, turns CORS off: no CORS headers at all, so browsers
// allow same-origin use only.
//
// CORS relaxes the same-origin policy for reading responses; it is not
// access control. Requests from origins not listed still reach the handler
// (non-browser clients never send Origin, and a simple cross-site POST is
// sent by browsers before any CORS check): authenticate and protect against
// CSRF as if CORS did not exist.
type CORS struct {
	// Origins are the allowed origins, each scheme://host[:port] exactly as
	// browsers serialize it: no path (not even a trailing "/"), no default
	// port, a host in punycode. A left-most label may be the wildcard
	// "https://*.example.com" (one or more labels under example.com, never
	// a public suffix such as *.github.io); trust it only if no subdomain can
	// be taken over. "*" alone allows every origin, and only without
	// Credentials. "null" is refused. Empty: CORS off.
	Origins []string
	// Methods are the methods allowed cross-origin, upper-cased. Empty
	// means GET, HEAD and POST.
	Methods []string
	// Headers are the request headers a cross-origin request may carry
	// beyond the CORS-safelisted ones; "*" allows any. Empty means Accept,
	// Content-Type and X-Requested-With. List Authorization to allow bearer
	// tokens cross-origin.
	Headers []string
	// ExposedHeaders are the response headers scripts of allowed origins may
	// read beyond the CORS-safelisted ones. Empty means none.
	ExposedHeaders []string
	// Credentials allows requests with cookies, HTTP authentication or
	// client certificates (Access-Control-Allow-Credentials: true). Its
	// origins must then be listed, and plain-http origins other than
	// loopback are refused (a network attacker could script them).
	Credentials bool
	// MaxAge is how long browsers may cache a preflight result, in whole
	// seconds, at most 24h (Firefox's cap; Chromium caps at 2h). Zero sends
	// no Access-Control-Max-Age, so browsers use theirs (5s).
	MaxAge time.Duration
}

// The CORS response headers, which CORSMiddleware alone sets.
const (
	headerACAO = "Access-Control-Allow-Origin"
	headerACAC = "Access-Control-Allow-Credentials"
	headerACEH = "Access-Control-Expose-Headers"
)

// maxCORSMaxAge is Firefox's cap on Access-Control-Max-Age.
const maxCORSMaxAge = 24 * time.Hour

// Validate reports every invalid field of c at once, as [*FieldError]s
// joined with [errors.Join], or nil. Origins "*" with Credentials wraps
// [ErrWildcardWithCredentials] and "null" wraps [ErrNullOrigin].
func (c CORS) Validate() error {
	var errs []error
	bad := func(field, value, reason string, sentinel error) {
		errs = append(errs, &FieldError{Field: "CORS." + field, Value: value, Reason: reason, Err: sentinel})
	}
	if len(c.Origins) == 0 && (len(c.Methods) > 0 || len(c.Headers) > 0 || len(c.ExposedHeaders) > 0 || c.Credentials || c.MaxAge != 0) {
		bad("Origins", "", "empty, which turns CORS off, yet other CORS fields are set: list the origins", nil)
	}
	for i, o := range c.Origins {
		field := "Origins[" + strconv.Itoa(i) + "]"
		if o == "*" {
			if c.Credentials {
				bad(field, o, ErrWildcardWithCredentials.Error()+": list the origins", ErrWildcardWithCredentials)
			}
			if len(c.Origins) > 1 {
				bad(field, o, `"*" allows every origin and must be the only one`, nil)
			}
			continue
		}
		if reason, sentinel := originSyntax(o, c.Credentials); reason != "" {
			bad(field, o, reason, sentinel)
		}
	}
	for i, m := range c.Methods {
		switch {
		case m == "*":
			bad("Methods["+strconv.Itoa(i)+"]", m, "there is no method wildcard: list the methods", nil)
		case !isToken(m):
			bad("Methods["+strconv.Itoa(i)+"]", m, "not a method name", nil)
		}
	}
	for i, h := range c.Headers {
		if h != "*" && !isToken(h) {
			bad("Headers["+strconv.Itoa(i)+"]", h, "not a header name", nil)
		}
	}
	for i, h := range c.ExposedHeaders {
		switch {
		case h == "*" && c.Credentials:
			bad("ExposedHeaders["+strconv.Itoa(i)+"]", h, `browsers read "*" as a header name on credentialed requests: list the headers`, nil)
		case h != "*" && !isToken(h):
			bad("ExposedHeaders["+strconv.Itoa(i)+"]", h, "not a header name", nil)
		}
	}
	switch d := c.MaxAge; {
	case d < 0:
		bad("MaxAge", d.String(), "negative", nil)
	case d%time.Second != 0:
		bad("MaxAge", d.String(), "not a whole number of seconds", nil)
	case d > maxCORSMaxAge:
		bad("MaxAge", d.String(), "above 24h, which browsers cap anyway", nil)
	}
	return errors.Join(errs...)
}

// CORSMiddleware returns middleware that applies c with github.com/rs/cors,
// or c.Validate's error.
//
// A preflight (OPTIONS with Access-Control-Request-Method) is answered by
// the middleware and never reaches the handler: 204 with the allow headers
// when the origin, method and headers are allowed, otherwise 204 with no
// CORS headers, which the browser treats as a refusal. Other requests reach
// the handler, with Access-Control-Allow-Origin (the request's own Origin,
// or "*" for Origins "*") and Vary: Origin when their origin is allowed.
//
// The origin check is this package's, not rs/cors's pattern matching: an
// exact match against the listed origins (which are lower-cased), or for a
// wildcard a request origin whose part in place of "*" is one or more DNS
// labels. A request with more than one Origin header matches nothing.
//
// The middleware owns the CORS response headers: any that the handler or an
// upstream behind a reverse proxy sets are removed and replaced by its own
// when the response is written, so a permissive upstream (one reflecting any
// Origin with credentials, say) cannot widen the policy; with CORS off, none
// reach the client. To let an upstream handle CORS itself, do not install
// CORSMiddleware on its route.
func CORSMiddleware(c CORS, opts ...Option) (func(http.Handler) http.Handler, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	o := buildOptions(opts)
	if o.logger != nil {
		logCORS(o.logger, c)
	}
	if len(c.Origins) == 0 {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				iw := &interceptor[corsState]{rw: w}
				defer iw.finish()
				next.ServeHTTP(iw, r)
			})
		}, nil
	}
	rc := cors.New(rsOptions(c))
	return func(next http.Handler) http.Handler {
		inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// rs/cors has written its headers for this request: keep them
			// to put back when the response is written.
			h := w.Header()
			iw := &interceptor[corsState]{rw: w, hook: corsState{
				on:   true,
				acao: h[headerACAO],
				acac: h[headerACAC],
				aceh: h[headerACEH],
			}}
			defer iw.finish()
			next.ServeHTTP(iw, r)
		})
		return rc.Handler(inner)
	}, nil
}

// rsOptions translates a validated, enabled c into rs/cors options.
func rsOptions(c CORS) cors.Options {
	o := cors.Options{
		AllowedHeaders:   c.Headers,
		ExposedHeaders:   c.ExposedHeaders,
		AllowCredentials: c.Credentials,
		MaxAge:           int(c.MaxAge / time.Second),
	}
	for _, m := range c.Methods {
		o.AllowedMethods = append(o.AllowedMethods, strings.ToUpper(m))
	}
	if len(c.Origins) == 1 && c.Origins[0] == "*" {
		o.AllowedOrigins = []string{"*"}
		return o
	}
	m := &originMatcher{exact: make(map[string]struct{})}
	for _, origin := range c.Origins {
		origin = strings.ToLower(origin)
		scheme, host, _ := strings.Cut(origin, "://")
		if base, ok := strings.CutPrefix(host, "*."); ok {
			m.wild = append(m.wild, wildOrigin{prefix: scheme + "://", suffix: "." + base})
			continue
		}
		m.exact[origin] = struct{}{}
	}
	o.AllowOriginVaryRequestFunc = m.allowed
	return o
}

// originMatcher decides which request origins are allowed.
type originMatcher struct {
	exact map[string]struct{}
	wild  []wildOrigin
}

// wildOrigin is "scheme://*.example.com[:port]" as prefix "scheme://" and
// suffix ".example.com[:port]".
type wildOrigin struct{ prefix, suffix string }

// allowed has the signature of rs/cors's AllowOriginVaryRequestFunc.
func (m *originMatcher) allowed(r *http.Request, origin string) (bool, []string) {
	if len(r.Header["Origin"]) != 1 {
		return false, nil // rs/cors would reflect every value
	}
	if _, ok := m.exact[origin]; ok {
		return true, nil
	}
	for _, w := range m.wild {
		if sub, ok := strings.CutPrefix(origin, w.prefix); ok {
			if sub, ok = strings.CutSuffix(sub, w.suffix); ok && isDNSLabels(sub) {
				return true, nil
			}
		}
	}
	return false, nil
}

// corsState is the per-request state of CORSMiddleware's hook: the CORS
// headers rs/cors decided on, which replace any set downstream.
type corsState struct {
	on               bool
	acao, acac, aceh []string
}

func (s corsState) informational(http.Header) {}

func (s corsState) final(h http.Header) {
	for _, k := range [...]string{
		headerACAO, headerACAC, headerACEH,
		"Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
		"Access-Control-Max-Age", "Access-Control-Allow-Private-Network",
	} {
		delete(h, k)
	}
	if s.acao != nil {
		h[headerACAO] = s.acao
	}
	if s.acac != nil {
		h[headerACAC] = s.acac
	}
	if s.aceh != nil {
		h[headerACEH] = s.aceh
	}
	// The answer depends on Origin whatever it was: caches must know, even
	// if the handler replaced Vary (or a proxy cleared it after a 1xx).
	if s.on && !varyCovers(h["Vary"], "Origin") {
		h["Vary"] = append(h["Vary"], "Origin")
	}
}

// varyCovers reports whether the Vary values name field or "*".
func varyCovers(vary []string, field string) bool {
	for _, v := range vary {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, field) {
				return true
			}
		}
	}
	return false
}

// logCORS logs, once, that c relaxes the same-origin policy, and how.
func logCORS(l *slog.Logger, c CORS) {
	ctx := context.Background()
	if len(c.Origins) == 0 {
		return
	}
	l.LogAttrs(ctx, slog.LevelInfo, "cors enabled",
		slog.Any("origins", c.Origins), slog.Bool("credentials", c.Credentials))
	for _, o := range c.Origins {
		switch {
		case o == "*":
			l.LogAttrs(ctx, slog.LevelWarn, "cors allows every origin")
		case strings.Contains(o, "*") && c.Credentials:
			l.LogAttrs(ctx, slog.LevelWarn, "cors allows every subdomain with credentials: a subdomain taken over can read users' responses",
				slog.String("origin", o))
		}
	}
	for _, h := range c.Headers {
		if h == "*" {
			l.LogAttrs(ctx, slog.LevelWarn, "cors allows every request header")
		}
	}
}
