package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

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

// Serve listens on the configured address and serves until ctx is done, then
// drains in-flight requests for up to the shutdown timeout. ready, if not nil,
// receives the bound address once the listener is open.
func (a *App) Serve(ctx context.Context, ready func(addr net.Addr)) error {
	cfg := a.Config.Server
	as, err := a.OAuth(ctx)
	if err != nil {
		return err
	}
	gw, err := a.Gateway(as)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	go as.Run(bg)
	srv := &http.Server{
		Handler:           a.Handler(as, gw),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	if cfg.InsecureHTTP {
		a.Log.Warn("serving plain HTTP on a non-loopback address (server.insecure_http); credentials will cross the network unencrypted", "listen", ln.Addr().String())
	}
	a.Log.Info("rampart listening", "url", "http://"+ln.Addr().String(), "db", a.Store.Location(), "master_key", a.Keyring.MasterFingerprint())
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
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
