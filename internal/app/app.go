// Package app builds a running rampart from a validated configuration: it
// opens and migrates the database, unlocks the keyring and wires the services.
package app

import (
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/internal/auditlog"
	"github.com/rampart-sec/rampart/internal/cluster"
	"github.com/rampart-sec/rampart/internal/config"
	"github.com/rampart-sec/rampart/internal/gateway"
	"github.com/rampart-sec/rampart/internal/identity"
	"github.com/rampart-sec/rampart/internal/oauth"
	"github.com/rampart-sec/rampart/internal/secrets"
	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/password"
	"github.com/rampart-sec/rampart/ratelimit"
	"github.com/rampart-sec/rampart/telemetry"
	"github.com/rampart-sec/rampart/token"
	"go.opentelemetry.io/otel/trace"
)

// App is rampart's state and services for one process.
type App struct {
	Config   *config.Config
	Log      *slog.Logger
	Store    *store.Store
	Keyring  *secrets.Keyring
	Hasher   *password.Hasher
	Identity *identity.Service
	Clients  *oauth.Clients
	// Redis is the shared Redis (nil without storage.redis_url).
	Redis *redis.Client
	// Bus announces changes to the other nodes (nil without Redis).
	Bus *cluster.Bus
	// AccessLog is where the access log goes when logging.access_log is
	// stdout. Nil: os.Stdout.
	AccessLog io.Writer
	// TracerProvider makes the request and upstream spans. Nil: Serve builds
	// one from tracing.otlp_endpoint, or tracing stays off.
	TracerProvider trace.TracerProvider
	// OnDetection, when set, sees every brute-force detection (the audit hook).
	OnDetection func(ctx context.Context, d telemetry.Detection)
	// Audit records security events in the database and copies them to the
	// configured sinks.
	Audit *auditlog.Log

	// credEpoch changes whenever credentials may have been revoked
	// elsewhere; cached API-key verifications from before are dropped.
	credEpoch atomic.Uint64

	limiterOnce     sync.Once
	limiters        gateway.Limiter
	limiterFallback *ratelimit.Fallback // nil without Redis

	// limitedEvents lets one ratelimit.limited audit event per client, route
	// and policy through each minute (see recordLimited).
	limitedEvents *ratelimit.Memory

	obsOnce sync.Once
	obs     *observability
	// detectCounts keeps the detector's counts and blocks in Redis (nil
	// without Redis); set with obs.
	detectCounts *cluster.DetectorCounts
}

// Open opens the database named by cfg, applies pending migrations, and
// unlocks the keyring with the configured master key. A wrong master key or an
// unreachable or locked database is an error that names the problem; nothing
// is written in that case beyond migrations.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if _, ok := log.Handler().(*telemetry.RedactingHandler); !ok {
		log = slog.New(telemetry.NewRedactingHandler(log.Handler()))
	}
	st, err := store.Open(ctx, cfg.Storage.ResolvedDatabaseURL(), store.Options{
		BusyTimeout:    cfg.Storage.BusyTimeout,
		ConnectTimeout: cfg.Storage.ConnectTimeout,
		MaxOpenConns:   cfg.Storage.MaxOpenConns,
	})
	if err != nil {
		return nil, err
	}
	a, err := open(ctx, cfg, log, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

func open(ctx context.Context, cfg *config.Config, log *slog.Logger, st *store.Store) (*App, error) {
	n, err := st.Migrate(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		log.Info("database migrated", "db", st.Location(), "applied", n)
	}
	known, err := st.MasterKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading keyring from %s: %w", st.Location(), err)
	}
	keyFile := cfg.ResolvedMasterKeyFile()
	master, src, err := secrets.ResolveMasterKey(cfg.Secrets.MasterKey.Reveal(), keyFile, len(known) == 0, rand.Reader)
	if err != nil {
		return nil, err
	}
	production := cfg.Mode == "production"
	switch {
	case src == secrets.FromCreatedFile && production:
		log.Error("PRODUCTION MODE: created a new master key file next to the data; anyone who copies the data directory gets the key too. Move the key to a secret manager and set RAMPART_MASTER_KEY", "file", keyFile)
	case src == secrets.FromCreatedFile:
		log.Warn("created a new master key file; back it up — without it the encrypted secrets cannot be recovered", "file", keyFile)
	case src == secrets.FromFile && production:
		log.Warn("PRODUCTION MODE: the master key is read from a file; prefer RAMPART_MASTER_KEY from a secret manager", "file", keyFile)
	}
	ring, err := secrets.Open(ctx, st, st, master, rand.Reader)
	if err != nil {
		if errors.Is(err, secrets.ErrWrongMasterKey) {
			return nil, fmt.Errorf("refusing to start: %w", err)
		}
		return nil, err
	}
	hasher, err := password.NewHasher(password.Params{
		MemoryKiB: cfg.Passwords.Argon2MemoryKiB,
		Time:      cfg.Passwords.Argon2Time,
		Threads:   cfg.Passwords.Argon2Threads,
		SaltLen:   password.DefaultParams().SaltLen,
		KeyLen:    password.DefaultParams().KeyLen,
	}, rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("passwords: %w", err)
	}
	a := &App{
		Config:   cfg,
		Log:      log,
		Store:    st,
		Keyring:  ring,
		Hasher:   hasher,
		Identity: identity.New(st, hasher, ring, identity.WithLogger(log)),
		Clients:  oauth.NewClients(st, ring, rand.Reader),
	}
	a.limitedEvents = ratelimit.NewMemory(ratelimit.DefaultMaxKeys)
	if a.Audit, err = a.openAudit(); err != nil {
		return nil, err
	}
	if cfg.Storage.RedisURL != "" {
		if a.Redis, err = cluster.Dial(cfg.Storage.RedisURL, cfg.Storage.RedisTimeout); err != nil {
			return nil, err
		}
		a.Bus = cluster.NewBus(a.Redis, cfg.Storage.RedisPrefix, log)
		cluster.QuietRedisLog(log)
	}
	return a, nil
}

// announce tells the other nodes about a change they cache. Without Redis,
// or when it is down, they see it at their next database poll instead.
func (a *App) announce(ctx context.Context, r *cluster.Revocation) {
	a.credEpoch.Add(1)
	if a.Bus == nil {
		return
	}
	if err := a.Bus.Publish(ctx, cluster.Event{Revocation: r}); err != nil {
		a.Log.WarnContext(ctx, "could not announce a revocation to the other nodes; they apply it at their next database poll", "error", err)
	}
}

// announceRevocation is announce for a deny-list entry.
func (a *App) announceRevocation(ctx context.Context, kind, value string, at time.Time) {
	a.announce(ctx, &cluster.Revocation{Kind: kind, Value: value, RevokedAt: at})
}

// OAuthConfig is the authorization server's part of the configuration.
func (a *App) OAuthConfig() oauth.Config {
	is, l := a.Config.Issuer, a.Config.Login
	return oauth.Config{
		Issuer:               strings.TrimRight(is.URL, "/"),
		DefaultAudience:      is.DefaultAudience,
		SigningAlg:           token.Alg(is.SigningAlg),
		AccessTokenTTL:       is.AccessTokenTTL,
		RefreshTokenTTL:      is.RefreshTokenTTL,
		IDTokenTTL:           is.IDTokenTTL,
		AuthorizationCodeTTL: is.AuthorizationCodeTTL,
		KeyRotationOverlap:   is.KeyRotationOverlap,
		Lockout:              oauth.LockoutPolicy{MaxFailures: l.MaxFailures, Lockout: l.Lockout, LockoutMax: l.LockoutMax, Window: l.FailureWindow},
		IPLockout:            oauth.LockoutPolicy{MaxFailures: l.IPMaxFailures, Lockout: l.Lockout, LockoutMax: l.LockoutMax, Window: l.FailureWindow},
	}
}

// Keys returns the signing key manager, loaded (the first key is created on a new database).
func (a *App) Keys(ctx context.Context) (*oauth.Keys, error) {
	c := a.OAuthConfig()
	k := oauth.NewKeys(a.Store, a.Keyring, oauth.KeyPolicy{Alg: c.SigningAlg, Overlap: c.KeyRotationOverlap,
		MaxTokenLifetime: max(c.AccessTokenTTL, c.IDTokenTTL)}, time.Now, rand.Reader, a.Log)
	return k, k.Load(ctx)
}

// OAuth builds the authorization server.
func (a *App) OAuth(ctx context.Context) (*oauth.Server, error) {
	return oauth.New(ctx, a.OAuthConfig(), oauth.Deps{Store: a.Store, Keyring: a.Keyring, Identity: a.Identity, Clients: a.Clients, Log: a.Log,
		Announce: a.announceRevocation, Observer: a.oauthObserver(), Audit: a.Audit})
}

// Close releases the database, Redis and the access-log file.
func (a *App) Close() error {
	if a.obs != nil && a.obs.closeLog != nil {
		a.obs.closeLog()
	}
	a.closeAudit()
	if a.Redis != nil {
		a.Redis.Close()
	}
	return a.Store.Close()
}

// NewLogger returns the process logger described by cfg, writing to w.
// Every line passes through telemetry's redacting handler, so credentials
// are masked whatever the caller logs.
func NewLogger(cfg config.Logging, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "text" {
		return slog.New(telemetry.NewRedactingHandler(slog.NewTextHandler(w, opts)))
	}
	return slog.New(telemetry.NewRedactingHandler(slog.NewJSONHandler(w, opts)))
}
