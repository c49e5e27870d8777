package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/authz"
	"github.com/rampart-sec/rampart/clientip"
	"github.com/rampart-sec/rampart/internal/auditlog"
	"github.com/rampart-sec/rampart/internal/config"
	"github.com/rampart-sec/rampart/ratelimit"
	"github.com/rampart-sec/rampart/telemetry"
)

// auditCloseTimeout is how long Close lets the sinks deliver queued copies.
const auditCloseTimeout = 5 * time.Second

// openAudit builds the audit trail: the database chain and the configured sinks.
func (a *App) openAudit() (*auditlog.Log, error) {
	var queues []*audit.Queue
	for i, sc := range a.Config.Audit.Sinks {
		sink, name, err := openSink(sc)
		if err != nil {
			for _, q := range queues {
				_ = q.Close(context.Background())
			}
			return nil, fmt.Errorf("audit.sinks[%d]: %w", i, err)
		}
		queues = append(queues, audit.NewQueue(sink, audit.QueueOptions{Name: name, Size: a.Config.Audit.QueueSize, Log: a.Log}))
	}
	return auditlog.New(a.Store, auditlog.Options{Sinks: queues}), nil
}

// openSink makes the sink sc describes and a name for it in log lines.
func openSink(sc config.AuditSink) (audit.Sink, string, error) {
	switch sc.Type {
	case "file":
		s, err := audit.OpenFileSink(sc.Path)
		return s, "file " + sc.Path, err
	case "syslog":
		s, err := audit.NewSyslogSink(sc.Address, sc.Facility)
		return s, "syslog " + sc.Address, err
	case "webhook":
		h := http.Header{}
		for k, v := range sc.Headers {
			h.Set(k, v)
		}
		if sc.SecretHeader != "" {
			b, err := os.ReadFile(sc.SecretFile)
			if err != nil {
				return nil, "", fmt.Errorf("secret_file: %w", err)
			}
			h.Set(sc.SecretHeader, strings.TrimSpace(string(b)))
		}
		return &audit.WebhookSink{URL: sc.URL, Header: h, Client: &http.Client{Timeout: 10 * time.Second}}, "webhook", nil
	default:
		return nil, "", fmt.Errorf("unknown sink type %q", sc.Type)
	}
}

// closeAudit lets the sinks deliver what they hold, briefly.
func (a *App) closeAudit() {
	if a.Audit == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), auditCloseTimeout)
	defer cancel()
	if err := a.Audit.Close(ctx); err != nil {
		a.Log.Warn("audit sinks did not deliver every copy before shutdown (the database has every event)", "error", err)
	}
}

// Operator names who runs a command on this machine, as an audit actor:
// "cli:NAME" from the operating system's user.
func Operator() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}

// ErrNotRecorded wraps the failure to record an administrative change.
var ErrNotRecorded = errors.New("the change was made but its audit event could not be recorded; check the database and run `rampart audit verify`")

// RecordAdmin records an administrative change made by the operator running
// this command. Its error (wrapping ErrNotRecorded) must fail the command.
func (a *App) RecordAdmin(ctx context.Context, typ audit.Type, subject string, details map[string]string) error {
	err := a.Audit.Record(ctx, audit.Event{Type: typ, Actor: Operator(), Subject: subject, Outcome: audit.Success, Details: details})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotRecorded, err)
	}
	return nil
}

// requestEvent is an event about request r (the audit log adds its client
// IP and request id from r's context).
func requestEvent(r *http.Request, typ audit.Type) audit.Event {
	return audit.Event{Type: typ, Outcome: audit.Failure,
		Details: map[string]string{"http.method": r.Method, "url.path": r.URL.Path}}
}

// recordDenied records a refused authorization. The request is refused
// whether or not the event is stored; a failure to store it is logged.
func (a *App) recordDenied(r *http.Request, d authz.Decision) {
	e := requestEvent(r, audit.AuthzDenied)
	if id, ok := authn.FromContext(r.Context()); ok {
		e.Subject = id.Username
		if e.Subject == "" {
			e.Subject = id.Subject
		}
		if id.KeyID != "" {
			e.Details["api_key_id"] = id.KeyID
		}
	}
	if reason := auditReason(d.Reason); reason != "" {
		e.Details["reason"] = reason
	}
	if err := a.Audit.Record(r.Context(), e); err != nil {
		a.Log.ErrorContext(r.Context(), "recording an authorization denial", "error", err)
	}
}

// auditReason keeps a denial's reason unless it may quote request data (a
// CEL evaluation error can): then only its kind is kept.
func auditReason(reason string) string {
	if strings.HasPrefix(reason, "cel: ") && reason != "cel: expression false" && reason != "cel: no request to evaluate" {
		return "cel: evaluation error"
	}
	return reason
}

// recordLimited records a request refused by a rate limit.
//
// Only the first refusal per client IP, route and policy in a minute is
// recorded: a refused request must stay cheap, or a flood that is being
// refused would cost a database write per request. The access log and
// rampart_ratelimit_decisions_total still count every one.
func (a *App) recordLimited(r *http.Request, d ratelimit.Decision) {
	// The route's name, never the path: a path varied under a prefix route
	// would make every refusal a new key, and a database write.
	var route string
	if rec := telemetry.RecordFrom(r.Context()); rec != nil {
		route = rec.Route
	}
	key := d.Policy + "|" + route + "|" + clientip.Subscriber(clientip.From(r))
	if res, err := ratelimit.AllowKey(r.Context(), a.limitedEvents, key, ratelimit.Limit{Rate: 1, Period: time.Minute, Burst: 1}); err != nil || !res.Allowed {
		return
	}
	e := requestEvent(r, audit.RateLimited)
	e.Details["policy"] = d.Policy
	if err := a.Audit.Record(r.Context(), e); err != nil {
		a.Log.ErrorContext(r.Context(), "recording a rate-limit refusal", "error", err)
	}
}

// recordDetection records a brute-force detection (and the block, if any).
func (a *App) recordDetection(ctx context.Context, d telemetry.Detection) {
	if a.Audit == nil {
		return
	}
	e := audit.Event{Type: audit.BruteForceDetected, Outcome: audit.Success, Subject: d.Account,
		Details: map[string]string{"kind": d.Kind, "failures": strconv.Itoa(d.Failures), "window": d.Window.String()}}
	if d.IP.IsValid() {
		e.ClientIP = d.IP.String()
	}
	if !d.BlockedUntil.IsZero() {
		e.Details["blocked_until"] = d.BlockedUntil.UTC().Format(time.RFC3339)
	}
	if err := a.Audit.Record(ctx, e); err != nil {
		a.Log.ErrorContext(ctx, "recording a brute-force detection", "error", err)
	}
}
