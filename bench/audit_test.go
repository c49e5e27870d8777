package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/authz"
	"github.com/rampart-sec/rampart/internal/auditlog"
	"github.com/rampart-sec/rampart/internal/config"
	"github.com/rampart-sec/rampart/internal/gateway"
	"github.com/rampart-sec/rampart/internal/store/storetest"
	"github.com/rampart-sec/rampart/internal/testenv"
)

// The audit benchmarks measure what one security event costs: a chained,
// committed append (lock the head, insert, move the head, commit), and a
// denied gateway request with and without recording it.
//
//	go test ./bench/ -run '^$' -bench Audit -benchtime 2s

func deniedEvent() audit.Event {
	return audit.Event{Type: audit.AuthzDenied, Subject: "bench", ClientIP: "192.0.2.1", Outcome: audit.Failure,
		Details: map[string]string{"http.method": "GET", "url.path": "/api/admin", "reason": `missing scope "admin"`}}
}

func benchRecord(b *testing.B, dbURL string, parallel bool) {
	st := storetest.Open(b, dbURL)
	log := auditlog.New(st, auditlog.Options{})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	if !parallel {
		for b.Loop() {
			if err := log.Record(ctx, deniedEvent()); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := log.Record(ctx, deniedEvent()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAuditRecordSQLite is one event appended to the embedded database.
func BenchmarkAuditRecordSQLite(b *testing.B) {
	benchRecord(b, "sqlite://"+filepath.Join(b.TempDir(), "rampart.db"), false)
}

// BenchmarkAuditRecordSQLiteParallel is events from 4×GOMAXPROCS goroutines at once.
func BenchmarkAuditRecordSQLiteParallel(b *testing.B) {
	benchRecord(b, "sqlite://"+filepath.Join(b.TempDir(), "rampart.db"), true)
}

// BenchmarkAuditRecordPostgres is one event appended to PostgreSQL.
func BenchmarkAuditRecordPostgres(b *testing.B) { benchRecord(b, testenv.PostgresURL(b), false) }

// BenchmarkAuditRecordPostgresParallel is concurrent appends to PostgreSQL,
// serialised by the chain-head row lock.
func BenchmarkAuditRecordPostgresParallel(b *testing.B) { benchRecord(b, testenv.PostgresURL(b), true) }

// deniedGateway is a route whose policy denies the bench identity, with
// rec (nil: none) recording each denial as the app does.
func deniedGateway(b *testing.B, rec audit.Recorder) string {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	b.Cleanup(up.Close)
	routes := []config.Route{{Name: "admin", Match: config.RouteMatch{Path: "/api/admin"}, Upstream: up.URL,
		Authenticate: []string{"keys"}, Authorize: config.RouteAuthorize{Scopes: []string{"admin"}}, MaxBodyBytes: 1 << 20}}
	keys := &authn.APIKey{Prefix: "rk_", CacheTTL: 5 * time.Second, Verify: func(_ context.Context, key string) (*authn.Identity, error) {
		return &authn.Identity{Subject: "u1", Username: "bench", Scopes: []string{"data:read"}}, nil
	}}
	opts := gateway.Options{}
	if rec != nil {
		opts.OnDecision = func(r *http.Request, d authz.Decision) {
			if !d.Allow {
				e := deniedEvent()
				e.RequestID = r.Header.Get(gateway.RequestIDHeader)
				if err := rec.Record(r.Context(), e); err != nil {
					b.Error(err)
				}
			}
		}
	}
	g, err := gateway.New(routes, map[string]authn.Authenticator{"keys": keys}, opts)
	if err != nil {
		b.Fatal(err)
	}
	front := httptest.NewServer(g)
	b.Cleanup(front.Close)
	return front.URL + "/api/admin"
}

// BenchmarkAuditDeniedNoTrail is a denied request, not recorded: the floor.
func BenchmarkAuditDeniedNoTrail(b *testing.B) {
	benchGET(b, deniedGateway(b, nil), "Bearer "+benchKey, http.StatusForbidden)
}

// BenchmarkAuditDeniedSQLite is a denied request recorded in SQLite before the 403.
func BenchmarkAuditDeniedSQLite(b *testing.B) {
	st := storetest.Open(b, "sqlite://"+filepath.Join(b.TempDir(), "rampart.db"))
	benchGET(b, deniedGateway(b, auditlog.New(st, auditlog.Options{})), "Bearer "+benchKey, http.StatusForbidden)
}

// BenchmarkAuditDeniedPostgres is a denied request recorded in PostgreSQL before the 403.
func BenchmarkAuditDeniedPostgres(b *testing.B) {
	st := storetest.Open(b, testenv.PostgresURL(b))
	benchGET(b, deniedGateway(b, auditlog.New(st, auditlog.Options{})), "Bearer "+benchKey, http.StatusForbidden)
}
