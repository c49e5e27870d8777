package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rampart-sec/rampart/internal/config"
	"github.com/rampart-sec/rampart/internal/gateway"
	"github.com/rampart-sec/rampart/internal/oauth"
)

// Handler returns the HTTP handler: the authorization server, the health
// endpoints, and the gateway's routes for everything else (which answers 404
// when no route matches — nothing is served by accident).
func (a *App) Handler(as *oauth.Server, gw http.Handler) http.Handler {
	mux := http.NewServeMux()
	as.Routes(mux)
	mux.Handle("/", gw)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.Store.Ping(ctx); err != nil {
			a.Log.Warn("readiness check failed", "error", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": "ok"})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
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
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	scheme := "http"
	if cfg.TLS.Enabled() {
		tc, err := serverTLS(cfg.TLS)
		if err != nil {
			ln.Close()
			return err
		}
		ln = tls.NewListener(ln, tc)
		scheme = "https"
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	go as.Run(bg)
	srv := &http.Server{
		Handler:           a.Handler(as, routed),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	if cfg.InsecureHTTP {
		a.Log.Warn("serving plain HTTP on a non-loopback address (server.insecure_http); credentials will cross the network unencrypted", "listen", ln.Addr().String())
	}
	if from := cfg.TLS.RedirectHTTPFrom; cfg.TLS.Enabled() && from != "" {
		rln, err := net.Listen("tcp", from)
		if err != nil {
			ln.Close()
			return fmt.Errorf("server.tls.redirect_http_from: listening on %s: %w", from, err)
		}
		_, tlsPort, _ := net.SplitHostPort(ln.Addr().String())
		rsrv := &http.Server{Handler: redirectToHTTPS(tlsPort), ReadHeaderTimeout: cfg.ReadHeaderTimeout, IdleTimeout: 30 * time.Second}
		go rsrv.Serve(rln) //nolint:errcheck // ends with Close below
		defer rsrv.Close()
		a.Log.Info("redirecting plain HTTP to HTTPS", "from", rln.Addr().String())
	}
	a.Log.Info("rampart listening", "url", scheme+"://"+ln.Addr().String(), "db", a.Store.Location(), "master_key", a.Keyring.MasterFingerprint())
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if reload != nil {
		go a.reloadLoop(bg, as, reload, &current)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
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

// serverTLS is the listener's TLS: TLS 1.2 minimum with ECDHE AEAD suites
// only (TLS 1.3 suites are not configurable and all AEAD).
func serverTLS(c config.TLS) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("server.tls: loading %s and %s: %w", c.CertFile, c.KeyFile, err)
	}
	tc := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
		NextProtos: []string{"h2", "http/1.1"},
	}
	if c.ClientCAFile != "" {
		b, err := os.ReadFile(c.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("server.tls.client_ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("server.tls.client_ca_file: no PEM certificates in %s", c.ClientCAFile)
		}
		// Verified when offered; routes decide whether they require one.
		tc.ClientAuth, tc.ClientCAs = tls.VerifyClientCertIfGiven, pool
	}
	return tc, nil
}

// redirectToHTTPS answers every plain HTTP request with a 308 to the same
// host and path over HTTPS on tlsPort.
func redirectToHTTPS(tlsPort string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if host == "" || strings.ContainsAny(host, "/\\@") {
			http.Error(w, "missing or invalid Host", http.StatusBadRequest)
			return
		}
		if tlsPort != "443" {
			host = net.JoinHostPort(host, tlsPort)
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusPermanentRedirect)
	})
}
