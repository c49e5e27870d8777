package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"gopkg.in/natefinch/lumberjack.v2"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/clientip"
	"github.com/rampart-sec/rampart/internal/cluster"
	"github.com/rampart-sec/rampart/internal/config"
	"github.com/rampart-sec/rampart/internal/gateway"
	"github.com/rampart-sec/rampart/internal/oauth"
	"github.com/rampart-sec/rampart/ratelimit"
	"github.com/rampart-sec/rampart/telemetry"
)

// observability is the process's access log, metrics and brute-force
// detector, built once on first use (App.observe).
type observability struct {
	registry  *prometheus.Registry
	metrics   *telemetry.Metrics
	accessLog *telemetry.AccessLog // nil: logging.access_log is off
	flushLog  func() error         // writes the buffered access-log lines (nil when off)
	closeLog  func()               // flushes and closes the access log (nil when off)
	detector  *telemetry.Detector
	certs     certWatch
}

// observe returns the process's observability, building it on first use.
func (a *App) observe() *observability {
	a.obsOnce.Do(func() {
		o := &observability{registry: prometheus.NewRegistry()}
		o.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		m, err := telemetry.NewMetrics(o.registry)
		if err != nil {
			panic("telemetry metrics on a fresh registry: " + err.Error())
		}
		o.metrics = m
		h := telemetry.Health{Database: a.Store.Ping, CertificateExpiry: o.certs.expiry}
		if a.Redis != nil {
			a.limiter()
			h.Redis = a.limiterFallback.Healthy
		}
		o.registry.MustRegister(telemetry.NewHealthCollector(h))
		o.accessLog, o.flushLog, o.closeLog = a.openAccessLog(a.Config.Logging)
		d := a.Config.Detection
		opts := []telemetry.DetectorOption{telemetry.WithDetectorLogger(a.Log), telemetry.WithDetectorMetrics(m),
			telemetry.OnDetection(func(ctx context.Context, det telemetry.Detection) {
				a.recordDetection(ctx, det)
				if !det.BlockedUntil.IsZero() && a.Bus != nil {
					// The other nodes block the address too, and nodes that
					// start or reconnect later find it in Redis.
					b := cluster.Block{IP: det.IP, Until: det.BlockedUntil}
					if err := a.detectCounts.RecordBlock(ctx, b); err != nil {
						a.Log.WarnContext(ctx, "keeping a blocked client IP in Redis", "error", err)
					}
					if err := a.Bus.Publish(ctx, cluster.Event{Block: &b}); err != nil {
						a.Log.WarnContext(ctx, "announcing a blocked client IP", "error", err)
					}
				}
				if a.OnDetection != nil {
					a.OnDetection(ctx, det)
				}
			})}
		if a.Redis != nil {
			a.detectCounts = cluster.NewDetectorCounts(a.Redis, a.Config.Storage.RedisPrefix)
			opts = append(opts, telemetry.WithSharedCounts(a.detectCounts))
		}
		o.detector = telemetry.NewDetector(telemetry.DetectorConfig{Window: d.Window, IPFailures: d.IPFailures,
			AccountFailures: d.AccountFailures, AutoBlock: d.AutoBlock, BlockFor: d.BlockFor}, opts...)
		a.obs = o
	})
	return a.obs
}

// accessLogBuffer and accessLogFlush bound how long access-log lines wait
// to be written: one write for many requests, at most this late.
const (
	accessLogBuffer = 64 << 10
	accessLogFlush  = 250 * time.Millisecond
)

// openAccessLog returns the access logger logging.access_log asks for (nil
// when off), writing through a BufferedWriter, with its flush and close.
func (a *App) openAccessLog(c config.Logging) (*telemetry.AccessLog, func() error, func()) {
	var w io.Writer
	var file io.Closer
	switch c.AccessLog {
	case "off":
		return nil, nil, nil
	case "stderr":
		w = os.Stderr
	case "file":
		f := &lumberjack.Logger{Filename: c.AccessLogFile, MaxSize: c.AccessLogMaxSizeMB, MaxBackups: c.AccessLogMaxBackups,
			MaxAge: int(c.AccessLogMaxAge / (24 * time.Hour)), Compress: c.AccessLogCompress}
		w, file = f, f
	default:
		if w = a.AccessLog; w == nil {
			w = os.Stdout
		}
	}
	buf := telemetry.NewBufferedWriter(w, accessLogBuffer, accessLogFlush)
	return telemetry.NewAccessLog(buf), buf.Flush, func() {
		_ = buf.Close()
		if file != nil {
			_ = file.Close()
		}
	}
}

// observed wraps the main listener's handler: tracing (when on), the
// client-IP decision, the access log and metrics, the request id, and the
// block of detected IPs, in that order.
func (a *App) observed(next http.Handler) http.Handler {
	o := a.observe()
	next = o.detector.Middleware(next)
	next = gateway.WithRequestID(next) // every response, the refusals above included
	next = telemetry.Middleware(telemetry.MiddlewareOptions{AccessLog: o.accessLog, Metrics: o.metrics}, clientIPString)(next)
	next = a.clientIP().Middleware(next)
	if a.TracerProvider != nil {
		next = telemetry.TraceHandler(next, a.TracerProvider)
	}
	return next
}

func clientIPString(r *http.Request) string {
	if ip := clientip.From(r); ip.IsValid() {
		return ip.String()
	}
	return ""
}

// metricsHandler serves /metrics from the process's registry.
func (a *App) metricsHandler() http.Handler {
	reg := a.observe().registry
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)})
}

// oauthObserver counts login failures and issued tokens, and feeds the
// detector.
func (a *App) oauthObserver() oauth.Observer {
	o := a.observe()
	return oauth.Observer{
		LoginFailed: func(ctx context.Context, username string) {
			o.metrics.LoginFailure()
			ip, _ := clientip.FromContext(ctx)
			o.detector.Failure(ctx, ip, username)
		},
		TokenIssued: func(_ context.Context, grantType string) { o.metrics.TokenIssued(grantType) },
	}
}

// observeAuthFailure feeds a credential the gateway refused to the
// detector. A missing credential is not an attack; Basic failures are
// counted by the login observer already (they go through CheckPassword).
func (o *observability) observeAuthFailure(r *http.Request, err error) {
	if errors.Is(err, authn.ErrNoCredential) {
		return
	}
	if rec := telemetry.RecordFrom(r.Context()); rec != nil && rec.AuthMethod == string(authn.MethodBasic) {
		return
	}
	o.detector.Failure(r.Context(), clientip.From(r), "")
}

// observeRateLimit counts one policy's decision under the request's route.
func (o *observability) observeRateLimit(r *http.Request, d ratelimit.Decision) {
	outcome := "admitted"
	switch {
	case d.Err != nil:
		outcome = "error"
	case !d.Result.Allowed:
		outcome = "limited"
	}
	route := "unmatched"
	if rec := telemetry.RecordFrom(r.Context()); rec != nil && rec.Route != "" {
		route = rec.Route
	}
	o.metrics.RateLimitDecision(route, d.Policy, outcome)
}

// certWatch remembers when the served certificate expires, for
// rampart_tls_certificate_expiry_seconds.
type certWatch struct{ notAfter atomic.Int64 }

func (c *certWatch) expiry() (time.Time, bool) {
	if n := c.notAfter.Load(); n != 0 {
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}

func (c *certWatch) see(cert *tls.Certificate) {
	if cert == nil || len(cert.Certificate) == 0 {
		return
	}
	leaf := cert.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return
		}
	}
	c.notAfter.Store(leaf.NotAfter.Unix())
}

// watch records the certificates tc serves: the configured one now, and
// each one GetCertificate hands out (ACME renewals).
func (c *certWatch) watch(tc *tls.Config) {
	for i := range tc.Certificates {
		c.see(&tc.Certificates[i])
	}
	if get := tc.GetCertificate; get != nil {
		tc.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			cert, err := get(hello)
			if err == nil {
				c.see(cert)
			}
			return cert, err
		}
	}
}
