package app

import (
	"github.com/rampart-sec/rampart/internal/oauth"

	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"
)

// health answers /healthz and /readyz. /healthz says the process is up;
// /readyz says this node should get traffic: the database answers, the
// certificate is there (with ACME), and the node is not draining.
type health struct {
	ping     func(context.Context) error
	tlsReady func() bool // nil without ACME
	draining atomic.Bool
	log      *slog.Logger
}

func (h *health) routes(mux oauth.Mux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", h.readyz)
}

func (h *health) readyz(w http.ResponseWriter, r *http.Request) {
	body := map[string]string{"status": "ready", "database": "ok"}
	code := http.StatusOK
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := h.ping(ctx); err != nil {
		h.log.Warn("readiness check failed", "error", err)
		body["database"], body["status"], code = "unreachable", "unavailable", http.StatusServiceUnavailable
	}
	if h.tlsReady != nil {
		if h.tlsReady() {
			body["tls"] = "ok"
		} else {
			body["tls"], body["status"], code = "waiting for certificate", "unavailable", http.StatusServiceUnavailable
		}
	}
	if h.draining.Load() {
		body["status"], code = "draining", http.StatusServiceUnavailable
	}
	writeJSON(w, code, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
