// Package oauthtest starts a real authorization server over a real database
// for tests and benchmarks.
package oauthtest

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/identity"
	"github.com/rampart-sec/rampart/internal/oauth"
	"github.com/rampart-sec/rampart/internal/secrets"
	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/internal/store/storetest"
	"github.com/rampart-sec/rampart/password"
	"github.com/rampart-sec/rampart/token"
)

// Env is a running authorization server.
type Env struct {
	URL      string // the issuer and base URL
	Store    *store.Store
	Keyring  *secrets.Keyring
	Identity *identity.Service
	Clients  *oauth.Clients
	Server   *oauth.Server
	Handler  http.Handler // the server's routes, for in-process use
}

// Start opens the database at dbURL, builds a server with test defaults
// adjusted by configure (may be nil), and serves it on a loopback port until
// tb ends. The server log goes to tb's log when logs is true.
func Start(tb testing.TB, dbURL string, logs bool, configure func(*oauth.Config, *oauth.Deps)) *Env {
	tb.Helper()
	st := storetest.Open(tb, dbURL)
	ring := storetest.Keyring(tb, st)
	h, err := password.NewHasher(password.DefaultParams(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	ids := identity.New(st, h, ring)
	clients := oauth.NewClients(st, ring, rand.Reader)
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	cfg := oauth.Config{
		Issuer: base, SigningAlg: token.ES256, AccessTokenTTL: 15 * time.Minute, RefreshTokenTTL: 24 * time.Hour,
		IDTokenTTL: time.Hour, AuthorizationCodeTTL: time.Minute, KeyRotationOverlap: time.Hour,
		Lockout: oauth.LockoutPolicy{MaxFailures: 3, Lockout: time.Minute, LockoutMax: time.Hour, Window: time.Hour},
	}
	var w io.Writer = io.Discard
	if logs {
		w = tbWriter{tb}
	}
	deps := oauth.Deps{Store: st, Keyring: ring, Identity: ids, Clients: clients, Log: slog.New(slog.NewTextHandler(w, nil))}
	if configure != nil {
		configure(&cfg, &deps)
	}
	srv, err := oauth.New(context.Background(), cfg, deps)
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Routes(mux)
	hs.Config.Handler = mux
	hs.Start()
	tb.Cleanup(hs.Close)
	return &Env{URL: base, Store: st, Keyring: ring, Identity: ids, Clients: clients, Server: srv, Handler: mux}
}

// tbWriter sends the server log to the test log.
type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
