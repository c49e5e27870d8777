package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/rampart-sec/rampart/clientip"
	"github.com/rampart-sec/rampart/internal/cluster"
	"github.com/rampart-sec/rampart/internal/config"
	"github.com/rampart-sec/rampart/internal/gateway"
	"github.com/rampart-sec/rampart/internal/oauth"
)

// Handler returns the HTTP handler: the authorization server, the health
// endpoints, and the gateway's routes for everything else (which answers 404
// when no route matches — nothing is served by accident).
func (a *App) Handler(as *oauth.Server, gw http.Handler) http.Handler {
	return a.handler(as, gw, a.newHealth(nil))
}

func (a *App) handler(as *oauth.Server, gw http.Handler, h *health) http.Handler {
	mux := http.NewServeMux()
	own := ownEndpoints{mux}
	as.Routes(own)
	h.routes(own)
	mux.Handle("/", gw)
	return a.observed(mux)
}

// ownEndpoints registers rampart's own endpoints (authorization server,
// health) with the headers every response of theirs should carry unless the
// handler sets its own (the sign-in pages do): the gateway's routes get
// theirs from each route's policy instead.
type ownEndpoints struct{ mux *http.ServeMux }

func (o ownEndpoints) Handle(pattern string, h http.Handler) { o.mux.Handle(pattern, ownHeaders(h)) }

func (o ownEndpoints) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	o.Handle(pattern, http.HandlerFunc(h))
}

func ownHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// clientIP decides each request's client IP once, at the entry point, from
// server.trusted_proxies (validated at load); everything after reads it.
func (a *App) clientIP() *clientip.Resolver {
	trusted, err := clientip.ParsePrefixes(a.Config.Server.TrustedProxies)
	if err == nil {
		var r *clientip.Resolver
		if r, err = clientip.New(trusted, clientip.XForwardedFor); err == nil {
			return r
		}
	}
	panic("server.trusted_proxies passed validation but does not parse: " + err.Error())
}

// adminHandler serves the admin listener: health, readiness and the
// Prometheus metrics; everything else is 404.
func (a *App) adminHandler(h *health) http.Handler {
	mux := http.NewServeMux()
	h.routes(mux)
	mux.Handle("GET /metrics", a.metricsHandler())
	return mux
}

func (a *App) newHealth(tlsReady func() bool) *health {
	return &health{ping: a.Store.Ping, tlsReady: tlsReady, log: a.Log}
}

// Reloader gives Serve new configurations: every value on Signals asks for
// Load to be called; a configuration that fails to load or to build is
// rejected and the running one keeps serving.
type Reloader struct {
	Signals <-chan os.Signal
	Load    func() (*config.Config, error)
}

// Serve listens on the configured address and serves until ctx is done, then
// drains in-flight requests for up to the shutdown timeout. ready, if not nil,
// receives the bound address once the listener is open. With a Reloader, the
// routes and authenticators are swapped atomically on each signal.
func (a *App) Serve(ctx context.Context, ready func(addr net.Addr), reload *Reloader) error {
	cfg := a.Config.Server
	if stop, err := a.startTracing(ctx); err != nil {
		return err
	} else if stop != nil {
		defer stop()
	}
	as, err := a.OAuth(ctx)
	if err != nil {
		return err
	}
	gw, err := a.Gateway(as)
	if err != nil {
		return err
	}
	var current atomic.Pointer[gateway.Gateway]
	current.Store(gw)
	routed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { current.Load().ServeHTTP(w, r) })

	var closers []func()
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}()
	listen := func(what, addr string) (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("%s: listening on %s: %w", what, addr, err)
		}
		closers = append(closers, func() { ln.Close() })
		return ln, nil
	}
	ln, err := listen("server.listen", cfg.Listen)
	if err != nil {
		return err
	}
	var rln net.Listener
	if from := cfg.TLS.RedirectHTTPFrom; cfg.TLS.Enabled() && from != "" {
		if rln, err = listen("server.tls.redirect_http_from", from); err != nil {
			return err
		}
	}
	var acme *acmeManager
	if cfg.TLS.ACME.Enabled() {
		httpAddr := ""
		if rln != nil {
			httpAddr = rln.Addr().String()
		}
		if acme, err = newACME(cfg.TLS.ACME, a.Config.Storage.DataDir, ln.Addr().String(), httpAddr, a.Log); err != nil {
			return err
		}
		closers = append(closers, acme.stop)
	}
	var tlsReady func() bool
	if acme != nil {
		tlsReady = acme.ready
	}
	h := a.newHealth(tlsReady)

	scheme := "http"
	var tc *tls.Config // the main listener's, also the admin listener's
	if cfg.TLS.Enabled() {
		var err error
		if tc, err = serverTLS(cfg.TLS, acme); err != nil {
			return err
		}
		a.observe().certs.watch(tc)
		ln = tls.NewListener(ln, tc)
		scheme = "https"
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	go as.Run(bg)
	errLog := slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)
	srv := &http.Server{
		Handler:           a.handler(as, routed, h),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          errLog,
	}
	if cfg.InsecureHTTP {
		a.Log.Warn("serving plain HTTP on a non-loopback address (server.insecure_http); credentials will cross the network unencrypted", "listen", ln.Addr().String())
	}
	if rln != nil {
		_, tlsPort, _ := net.SplitHostPort(ln.Addr().String())
		var redirect http.Handler = redirectToHTTPS(tlsPort)
		if acme != nil {
			redirect = acme.httpChallenges(redirect)
		}
		rsrv := &http.Server{Handler: redirect, ReadHeaderTimeout: cfg.ReadHeaderTimeout, IdleTimeout: 30 * time.Second, ErrorLog: errLog}
		go rsrv.Serve(rln) //nolint:errcheck // ends with Close below
		closers = append(closers, func() { rsrv.Close() })
		a.Log.Info("redirecting plain HTTP to HTTPS", "from", rln.Addr().String())
	}
	if cfg.AdminListen != "" {
		aln, err := listen("server.admin_listen", cfg.AdminListen)
		if err != nil {
			return err
		}
		adminScheme := "http"
		if cfg.AdminTLS() { // implies cfg.TLS.Enabled(): tc is set
			aln, adminScheme = tls.NewListener(aln, tc), "https"
		}
		asrv := &http.Server{Handler: a.adminHandler(h), ReadHeaderTimeout: cfg.ReadHeaderTimeout, ReadTimeout: 10 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 16 << 10, ErrorLog: errLog}
		go asrv.Serve(aln) //nolint:errcheck // ends with Close below
		closers = append(closers, func() { asrv.Close() })
		a.Log.Info("admin listening", "url", adminScheme+"://"+aln.Addr().String(), "endpoints", "/healthz /readyz /metrics")
	}
	a.Log.Info("rampart listening", "url", scheme+"://"+ln.Addr().String(), "db", a.Store.Location(), "master_key_fingerprint", a.Keyring.MasterFingerprint())
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if acme != nil {
		// After the listener is up: the CA's TLS-ALPN-01 check connects to it.
		if err := acme.start(bg); err != nil {
			return fmt.Errorf("server.tls.acme: %w", err)
		}
		a.Log.Info("managing certificates with ACME", "domains", cfg.TLS.ACME.Domains, "ca", cfg.TLS.ACME.CAURL)
	}
	if reload != nil {
		go a.reloadLoop(bg, as, reload, &current)
	}
	if keep := a.Config.Audit.Retention; keep > 0 {
		go a.retentionLoop(bg, keep, 24*time.Hour)
	}
	if a.Bus != nil {
		go a.Bus.Run(bg, func(e cluster.Event) {
			if b := e.Block; b != nil {
				a.observe().detector.Block(b.IP, b.Until)
				return
			}
			if r := e.Revocation; r != nil {
				as.ApplyRevocation(r.Kind, r.Value, r.RevokedAt)
			}
			a.credEpoch.Add(1)
		}, func(ctx context.Context) {
			if err := as.ReloadRevocations(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("reloading the revocation list", "error", err)
			}
			a.reloadBlocks(ctx)
			a.credEpoch.Add(1)
		})
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	h.draining.Store(true)
	a.Log.Info("shutting down", "drain_timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// reloadBlocks applies the detector's blocks kept in Redis: those
// announced while this node was not listening.
func (a *App) reloadBlocks(ctx context.Context) {
	d := a.observe().detector // sets detectCounts
	if a.detectCounts == nil {
		return
	}
	bs, err := a.detectCounts.Blocks(ctx)
	if err != nil && ctx.Err() == nil {
		a.Log.Warn("reloading blocked client IPs", "error", err)
	}
	for _, b := range bs {
		d.Block(b.IP, b.Until)
	}
}

// retentionLoop deletes audit events older than keep, at start and then
// every interval, until ctx ends (audit.retention).
func (a *App) retentionLoop(ctx context.Context, keep, interval time.Duration) {
	for {
		res, err := a.Audit.Prune(ctx, time.Now().Add(-keep), "rampart")
		switch {
		case err != nil && ctx.Err() == nil:
			a.Log.Warn("audit retention: pruning old events", "error", err)
		case res.Events > 0:
			a.Log.Info("audit retention: pruned old events", "events", res.Events, "retention", keep.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// reloadLoop rebuilds the gateway on each reload signal and swaps it in; a
// bad configuration is logged with every problem and changes nothing.
func (a *App) reloadLoop(ctx context.Context, as *oauth.Server, r *Reloader, current *atomic.Pointer[gateway.Gateway]) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.Signals:
		}
		cfg, err := r.Load()
		if err == nil {
			var gw *gateway.Gateway
			if gw, err = a.GatewayFor(as, cfg.Authenticators, cfg.Routes); err == nil {
				current.Store(gw)
				a.Log.Info("configuration reloaded", "routes", len(cfg.Routes), "authenticators", len(cfg.Authenticators),
					"note", "routes and authenticators changed; other settings apply at the next restart")
				continue
			}
		}
		a.Log.Error("configuration reload rejected; still serving the previous configuration", "error", err.Error())
	}
}
