package scan

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// ErrUnreachable is returned when the target cannot be connected to at all.
var ErrUnreachable = errors.New("target unreachable")

// ErrBadOptions wraps every invalid option.
var ErrBadOptions = errors.New("invalid scan options")

// Defaults for the zero values of Options.
const (
	DefaultMaxRequests = 2000
	DefaultRate        = 50
	DefaultTimeout     = 10 * time.Second
	DefaultBurst       = 60
)

// Options configure one scan. Only Target is required; every zero value is
// a safe default.
type Options struct {
	// Target is the base URL of the API, e.g. "https://api.example.com/".
	// Every request stays on its scheme, host and port.
	Target string
	// OpenAPI is an OpenAPI 3.x or Swagger 2.0 description (JSON or YAML).
	// Nil means discover: common spec locations, the target URL and links.
	OpenAPI []byte
	// OpenAPISource names where OpenAPI came from, for messages.
	OpenAPISource string
	// Auth is the Authorization header value of the first identity
	// ("Bearer …"); empty for none.
	Auth string
	// Auth2 is the Authorization header value of a second, lower-privileged
	// identity, for the authorization checks; empty for none.
	Auth2 string
	// Headers are added to every request except those that must carry no
	// credentials.
	Headers http.Header
	// Active allows state-changing requests and attack payloads.
	Active bool
	// MaxRequests caps the requests (and TLS handshakes) sent; zero means
	// DefaultMaxRequests.
	MaxRequests int
	// Rate is the most requests per second; zero means DefaultRate.
	Rate float64
	// Timeout bounds each request; zero means DefaultTimeout.
	Timeout time.Duration
	// Burst is the number of requests of the rate-limit check; zero means
	// DefaultBurst.
	Burst int
	// RootCAs verify the target's certificate in the transport check; nil
	// means the system's roots. The scanner talks to a target whose
	// certificate fails verification anyway, and reports it.
	RootCAs *x509.CertPool
	// Plan, if not nil, receives the plan before the first request.
	Plan io.Writer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives progress at debug level; nil discards.
	Log *slog.Logger
}

func (o *Options) withDefaults() error {
	if o.MaxRequests == 0 {
		o.MaxRequests = DefaultMaxRequests
	}
	if o.Rate == 0 {
		o.Rate = DefaultRate
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Burst == 0 {
		o.Burst = DefaultBurst
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Plan == nil {
		o.Plan = io.Discard
	}
	switch {
	case o.MaxRequests < 0:
		return fmt.Errorf("%w: --max-requests must be positive, got %d", ErrBadOptions, o.MaxRequests)
	case o.Rate < 0:
		return fmt.Errorf("%w: --rate must be positive, got %g", ErrBadOptions, o.Rate)
	case o.Burst < 0:
		return fmt.Errorf("%w: burst must be positive, got %d", ErrBadOptions, o.Burst)
	case o.Auth2 != "" && o.Auth == "":
		return fmt.Errorf("%w: --auth2 needs --auth", ErrBadOptions)
	}
	return nil
}

// ParseTarget checks that raw is an absolute http or https URL with a host.
func ParseTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: target %q: %v", ErrBadOptions, raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: target %q: scheme must be http or https", ErrBadOptions, raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%w: target %q: no host", ErrBadOptions, raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: target %q: put credentials in --auth, not in the URL", ErrBadOptions, raw)
	}
	return u, nil
}

// check is one family of checks.
type check interface {
	// Name is the family, e.g. "headers"; requests are counted under it.
	Name() string
	// Rules lists every rule the family can report.
	Rules() []Rule
	// Run probes the target and returns what it found.
	Run(ctx context.Context, s *session) ([]Finding, error)
}

// checks returns every family in the order they run.
func checks() []check {
	return []check{
		transportCheck{}, headersCheck{}, errorsCheck{}, corsCheck{}, methodsCheck{},
		authnCheck{}, authzCheck{}, injectionCheck{}, inventoryCheck{}, rateLimitCheck{},
	}
}

// AllRules lists every rule the scanner can report, sorted by ID.
func AllRules() []Rule {
	var rs []Rule
	for _, c := range checks() {
		rs = append(rs, c.Rules()...)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].ID < rs[j].ID })
	return rs
}

// Run scans o.Target and returns the report. An error means the scan could
// not be done (bad options or spec, unreachable target); findings are never
// errors.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.withDefaults(); err != nil {
		return nil, err
	}
	target, err := ParseTarget(o.Target)
	if err != nil {
		return nil, err
	}
	s := &session{opts: o, target: target, c: newClient(target, o),
		baseline: map[string]opBaseline{}}
	if o.OpenAPI != nil {
		src := o.OpenAPISource
		if src == "" {
			src = "--openapi"
		}
		ops, err := parseSpec(ctx, o.OpenAPI, src)
		if err != nil {
			return nil, err
		}
		s.ops, s.opsFrom = ops, src
	}
	started := o.Now()
	writePlan(o.Plan, s)
	if err := s.reach(ctx); err != nil {
		return nil, err
	}
	if s.ops == nil {
		s.discover(ctx)
	}
	fmt.Fprintf(o.Plan, "operations: %d from %s\n", len(s.ops), s.opsFrom)
	for _, op := range s.ops {
		fmt.Fprintf(o.Plan, "  %s\n", op.key())
	}
	s.collectBaseline(ctx)
	var findings []Finding
	for _, c := range checks() {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		fs, err := c.Run(ctx, s)
		findings = append(findings, fs...)
		_, by := s.c.counts()
		s.opts.Log.Debug("scan check done", "check", c.Name(), "findings", len(fs), "requests", by[c.Name()], "error", err)
		switch {
		case errors.Is(err, ErrBudget):
			s.note("%s: stopped early: %v", c.Name(), err)
		case err != nil && ctx.Err() != nil:
			return nil, ctx.Err()
		case err != nil:
			s.note("%s: %v", c.Name(), err)
		}
	}
	return newReport(s, started, o.Now().Sub(started), findings), nil
}

// session is the state one scan shares between its checks. Checks run one
// after another, so it needs no lock.
type session struct {
	opts     Options
	target   *url.URL
	c        *client
	ops      []Operation
	opsFrom  string
	specPath string // where discovery found a description, if it did
	notes    []string
	// baseline holds the responses of each safe operation, by op.key();
	// read it with anon and authed.
	baseline map[string]opBaseline
	// first is the response to the target URL itself.
	first *exchange
	// missing is the response to a path that surely does not exist.
	missing *exchange
}

// opBaseline is an operation's baseline: its response without and with
// the first identity's credentials (nil when not fetched).
type opBaseline struct {
	anon, auth *exchange
}

// anon returns op's baseline response without credentials, or nil.
func (s *session) anon(op Operation) *exchange { return s.baseline[op.key()].anon }

// authed returns op's baseline response with --auth, or nil.
func (s *session) authed(op Operation) *exchange { return s.baseline[op.key()].auth }

// setBaseline records op's baseline response, with --auth when auth.
func (s *session) setBaseline(op Operation, auth bool, ex *exchange) {
	b := s.baseline[op.key()]
	if auth {
		b.auth = ex
	} else {
		b.anon = ex
	}
	s.baseline[op.key()] = b
}

func (s *session) note(format string, args ...any) {
	s.notes = append(s.notes, fmt.Sprintf(format, args...))
}

// authHeader returns an Authorization header of value v (nil for "").
func authHeader(v string) http.Header {
	if v == "" {
		return nil
	}
	return http.Header{"Authorization": {v}}
}

// reach sends the first request: the target URL itself. Not connecting at
// all is ErrUnreachable; any HTTP answer is fine.
func (s *session) reach(ctx context.Context) error {
	path := s.target.RequestURI()
	ex, err := s.c.do(ctx, "discovery", probe{method: http.MethodGet, path: path})
	s.first = ex
	if err != nil && !errors.Is(err, ErrBudget) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %s: %v", ErrUnreachable, s.target.Redacted(), err)
	}
	return err
}

// collectBaseline fetches every safe operation without and with credentials,
// and a path that does not exist.
func (s *session) collectBaseline(ctx context.Context) {
	if ex, err := s.c.do(ctx, "baseline", probe{method: http.MethodGet, path: "/rampart-scan-" + fmt.Sprint(s.opts.Now().UnixNano()), noExtra: true}); err == nil {
		s.missing = ex
	}
	for _, op := range s.ops {
		if op.Method != http.MethodGet {
			continue
		}
		if ex, err := s.c.do(ctx, "baseline", probe{method: op.Method, path: op.target(nil), noExtra: true}); err == nil {
			s.setBaseline(op, false, ex)
		}
		if s.opts.Auth != "" {
			if ex, err := s.c.do(ctx, "baseline", probe{method: op.Method, path: op.target(nil), header: authHeader(s.opts.Auth)}); err == nil {
				s.setBaseline(op, true, ex)
			}
		}
	}
}

// responses returns every baseline exchange, in operation order.
func (s *session) responses() []*exchange {
	var out []*exchange
	for _, op := range s.ops {
		for _, ex := range []*exchange{s.anon(op), s.authed(op)} {
			if ex != nil {
				out = append(out, ex)
			}
		}
	}
	return out
}

// protected reports whether op needs credentials: the description says so,
// or the anonymous baseline was refused with 401/403.
func (s *session) protected(op Operation) bool {
	if op.Secured {
		return true
	}
	if op.Public {
		return false
	}
	ex := s.anon(op)
	return ex != nil && ex.denied()
}

// isMissing reports whether ex looks like the target's answer for a path
// that does not exist (same status and body as the baseline 404).
func (s *session) isMissing(ex *exchange) bool {
	if ex.status == http.StatusNotFound || ex.status == http.StatusMethodNotAllowed || ex.status == http.StatusGone {
		return true
	}
	m := s.missing
	return m != nil && m.status == ex.status && strings.TrimSpace(string(m.body)) == strings.TrimSpace(string(ex.body))
}
