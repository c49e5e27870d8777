package telemetry

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are rampart's Prometheus metrics. Every label has a bounded set of
// values: routes are configured route names or rampart's own endpoint
// patterns, never raw paths; methods outside the standard set are "OTHER".
// Build it with NewMetrics on a registry of your own; the zero value and a
// nil *Metrics are not usable, but every method is safe on a nil *Metrics
// (it does nothing), so metrics can be turned off by passing nil.
type Metrics struct {
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	authn          *prometheus.CounterVec
	authzDenied    *prometheus.CounterVec
	rateLimit      *prometheus.CounterVec
	tokens         *prometheus.CounterVec
	loginFailures  prometheus.Counter
	upstreamErrors *prometheus.CounterVec
	detections     *prometheus.CounterVec
	blocked        prometheus.Counter
}

// NewMetrics creates rampart's metrics and registers them with reg. It
// fails when one of the names is already registered there.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rampart_http_requests_total",
			Help: "HTTP requests served, by route, method and status code."}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "rampart_http_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its response, by route and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"route", "method"}),
		authn: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rampart_authn_total",
			Help: "Authentication outcomes (success, failure, missing) by credential method."}, []string{"method", "outcome"}),
		authzDenied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rampart_authz_denied_total",
			Help: "Requests refused by a route's authorization policy."}, []string{"route"}),
		rateLimit: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rampart_ratelimit_decisions_total",
			Help: "Rate-limit decisions (admitted, limited, error) by route and policy."}, []string{"route", "policy", "outcome"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rampart_tokens_issued_total",
			Help: "Access tokens issued, by grant type (password for first-party login)."}, []string{"grant_type"}),
		loginFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "rampart_login_failures_total",
			Help: "Failed password logins (wrong password, unknown user, locked account)."}),
		upstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rampart_upstream_errors_total",
			Help: "Upstream requests that got no response, by route and kind (timeout, connect, canceled, error)."}, []string{"route", "kind"}),
		detections: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rampart_bruteforce_detections_total",
			Help: "Brute-force or credential-stuffing detections, by what crossed its threshold (ip, account)."}, []string{"kind"}),
		blocked: prometheus.NewCounter(prometheus.CounterOpts{Name: "rampart_blocked_requests_total",
			Help: "Requests refused because their client IP is blocked by the brute-force detector."}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.authn, m.authzDenied, m.rateLimit, m.tokens,
		m.loginFailures, m.upstreamErrors, m.detections, m.blocked} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// ObserveRequest counts a finished request from its Record.
func (m *Metrics) ObserveRequest(rec *Record, route, method string, code int, d time.Duration) {
	if m == nil {
		return
	}
	method = metricMethod(method)
	m.requests.WithLabelValues(route, method, statusLabel(code)).Inc()
	m.duration.WithLabelValues(route, method).Observe(d.Seconds())
	if rec == nil {
		return
	}
	if rec.AuthOutcome != "" {
		am := rec.AuthMethod
		if am == "" {
			am = "none"
		}
		m.authn.WithLabelValues(am, rec.AuthOutcome).Inc()
	}
	if rec.Decision == "deny" {
		m.authzDenied.WithLabelValues(route).Inc()
	}
	if rec.UpstreamError != "" {
		m.upstreamErrors.WithLabelValues(route, rec.UpstreamError).Inc()
	}
}

// RateLimitDecision counts one policy's decision on route.
func (m *Metrics) RateLimitDecision(route, policy, outcome string) {
	if m != nil {
		m.rateLimit.WithLabelValues(route, policy, outcome).Inc()
	}
}

// TokenIssued counts an access token issued with grantType.
func (m *Metrics) TokenIssued(grantType string) {
	if m != nil {
		m.tokens.WithLabelValues(grantType).Inc()
	}
}

// LoginFailure counts a failed password login.
func (m *Metrics) LoginFailure() {
	if m != nil {
		m.loginFailures.Inc()
	}
}

// Detection counts a brute-force detection of kind ("ip" or "account").
func (m *Metrics) Detection(kind string) {
	if m != nil {
		m.detections.WithLabelValues(kind).Inc()
	}
}

// Blocked counts a request refused for a blocked client IP.
func (m *Metrics) Blocked() {
	if m != nil {
		m.blocked.Inc()
	}
}

// Health are the probes behind rampart's health gauges. A nil probe leaves
// its gauge out of the scrape (rampart_redis_up without Redis).
type Health struct {
	// Database pings the database; rampart_database_up is 1 when it answers
	// within the scrape.
	Database func(ctx context.Context) error
	// Redis reports whether Redis answered its last command.
	Redis func() bool
	// CertificateExpiry returns when the served certificate expires; ok is
	// false before there is one.
	CertificateExpiry func() (t time.Time, ok bool)
}

// NewHealthCollector returns the collector of rampart_database_up,
// rampart_redis_up and rampart_tls_certificate_expiry_seconds (the Unix
// time at which the served TLS certificate expires), read at scrape time.
func NewHealthCollector(h Health) prometheus.Collector {
	return &healthCollector{h: h,
		db:    prometheus.NewDesc("rampart_database_up", "1 when the database answered a ping during this scrape, else 0.", nil, nil),
		redis: prometheus.NewDesc("rampart_redis_up", "1 when Redis answered its last command, else 0 (absent without Redis).", nil, nil),
		cert: prometheus.NewDesc("rampart_tls_certificate_expiry_seconds",
			"Unix time at which the served TLS certificate expires (absent without TLS).", nil, nil),
	}
}

type healthCollector struct {
	h               Health
	db, redis, cert *prometheus.Desc
}

// Describe implements prometheus.Collector.
func (c *healthCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.db
	ch <- c.redis
	ch <- c.cert
}

// Collect implements prometheus.Collector.
func (c *healthCollector) Collect(ch chan<- prometheus.Metric) {
	if c.h.Database != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		up := 1.0
		if c.h.Database(ctx) != nil {
			up = 0
		}
		cancel()
		ch <- prometheus.MustNewConstMetric(c.db, prometheus.GaugeValue, up)
	}
	if c.h.Redis != nil {
		up := 0.0
		if c.h.Redis() {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(c.redis, prometheus.GaugeValue, up)
	}
	if c.h.CertificateExpiry != nil {
		if t, ok := c.h.CertificateExpiry(); ok {
			ch <- prometheus.MustNewConstMetric(c.cert, prometheus.GaugeValue, float64(t.Unix()))
		}
	}
}

func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// statusLabel is strconv.Itoa without an allocation for common codes.
func statusLabel(code int) string {
	switch code {
	case 200:
		return "200"
	case 201:
		return "201"
	case 204:
		return "204"
	case 301:
		return "301"
	case 302:
		return "302"
	case 303:
		return "303"
	case 304:
		return "304"
	case 307:
		return "307"
	case 308:
		return "308"
	case 400:
		return "400"
	case 401:
		return "401"
	case 403:
		return "403"
	case 404:
		return "404"
	case 405:
		return "405"
	case 413:
		return "413"
	case 429:
		return "429"
	case 500:
		return "500"
	case 502:
		return "502"
	case 503:
		return "503"
	case 504:
		return "504"
	}
	return strconv.Itoa(code)
}
