package telemetry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-sec/rampart/clientip"
	"github.com/rampart-sec/rampart/internal/problem"
)

// DetectorConfig sets the brute-force detector's thresholds. A threshold of
// 0 turns that kind of detection off.
type DetectorConfig struct {
	// Window is the sliding window failures are counted over. Required (> 0).
	Window time.Duration
	// IPFailures is how many failures from one client IP (an IPv6 client's
	// /64), across all accounts, within Window make a detection: credential
	// stuffing.
	IPFailures int
	// AccountFailures is how many failures against one account, from any
	// address, within Window make a detection: password guessing.
	AccountFailures int
	// AutoBlock refuses every request from an IP for BlockFor once it is
	// detected. Accounts are never blocked here (login lockout does that).
	AutoBlock bool
	// BlockFor is how long an auto-blocked IP stays blocked.
	BlockFor time.Duration
	// MaxKeys bounds the IPs and accounts tracked at once. Zero: 100000.
	MaxKeys int
}

// Detection is one threshold crossing.
type Detection struct {
	// Kind is "ip" or "account": which counter crossed its threshold.
	Kind string
	// IP is the client IP of the failure that crossed it.
	IP netip.Addr
	// Account is the account name of that failure ("" when it had none).
	Account string
	// Failures is the count within Window.
	Failures int
	// Window is the configured window.
	Window time.Duration
	// BlockedUntil is when the IP's block ends; zero when it was not blocked.
	BlockedUntil time.Time
	// At is when the detection happened.
	At time.Time
}

// Detector counts authentication failures per client IP and per account
// over a sliding window, reports each crossing of a threshold (log line,
// metric, OnDetection hook) and can block the client IP for a while.
//
// Counts live in this process's memory unless WithSharedCounts gives the
// detector a store every node shares: then an attack spread over several
// nodes is counted once and detected once, and the memory counts are the
// fallback while the store is unreachable. Without one, each node counts
// the failures it sees, so a spread-out attack crosses the threshold later
// (at most N times the count for N nodes). Login lockout, which is in the
// database, holds across nodes regardless.
type Detector struct {
	cfg      DetectorConfig
	now      func() time.Time
	log      *slog.Logger
	metrics  *Metrics
	onDetect func(context.Context, Detection)
	shared   SharedCounts
	down     atomic.Bool // the shared store failed last time (logged once)

	// nblocked is len(blocked), stored under mu and read without it: while
	// no address is blocked (nearly always), Middleware costs nothing.
	nblocked atomic.Int64

	mu       sync.Mutex
	ips      map[string]*failureLog
	accounts map[string]*failureLog
	blocked  map[string]time.Time
}

// failureLog holds the times of the most recent failures (at most the
// threshold's worth) and when the last detection fired.
type failureLog struct {
	times    []time.Time
	detected time.Time
}

// DetectorOption sets an optional collaborator of the Detector.
type DetectorOption func(*Detector)

// WithDetectorClock sets the clock (default time.Now).
func WithDetectorClock(now func() time.Time) DetectorOption { return func(d *Detector) { d.now = now } }

// WithDetectorLogger sets where detections are logged (default: discarded).
func WithDetectorLogger(l *slog.Logger) DetectorOption { return func(d *Detector) { d.log = l } }

// WithDetectorMetrics counts detections and blocked requests in m.
func WithDetectorMetrics(m *Metrics) DetectorOption { return func(d *Detector) { d.metrics = m } }

// OnDetection sets a hook called (outside the detector's lock) for each
// detection: the place to record an audit event.
func OnDetection(f func(ctx context.Context, d Detection)) DetectorOption {
	return func(d *Detector) { d.onDetect = f }
}

// SharedCounts keeps failure counts where every node sees them (Redis).
type SharedCounts interface {
	// Failure records one failure under key and returns how many fell within
	// window (counting at most threshold), and whether this one makes the
	// detection: the count reached threshold and no node reported a
	// detection of key within the last window. Exactly one caller, on any
	// node, gets true for each such crossing.
	Failure(ctx context.Context, key string, window time.Duration, threshold int) (n int, detect bool, err error)
}

// WithSharedCounts counts failures in s instead of this process's memory,
// falling back to memory while s fails. Keys passed to s start with "ip:"
// or "account:"; account names are hashed.
func WithSharedCounts(s SharedCounts) DetectorOption { return func(d *Detector) { d.shared = s } }

// NewDetector returns a detector with cfg's thresholds.
func NewDetector(cfg DetectorConfig, opts ...DetectorOption) *Detector {
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = 100000
	}
	d := &Detector{cfg: cfg, now: time.Now, log: slog.New(slog.DiscardHandler),
		ips: map[string]*failureLog{}, accounts: map[string]*failureLog{}, blocked: map[string]time.Time{}}
	for _, o := range opts {
		o(d)
	}
	return d
}

// ipKey is the address, or its /64 for IPv6.
func ipKey(a netip.Addr) string { return clientip.Subscriber(a) }

// Failure records one failed authentication from ip against account (""
// when the credential names none, such as an invalid API key) and reports
// any threshold it crosses.
func (d *Detector) Failure(ctx context.Context, ip netip.Addr, account string) {
	if d == nil || d.cfg.Window <= 0 {
		return
	}
	now := d.now()
	var found []Detection
	if k := ipKey(ip); k != "" && d.cfg.IPFailures > 0 {
		if n, hit := d.tally(ctx, d.ips, "ip:"+k, k, d.cfg.IPFailures, now); hit {
			det := Detection{Kind: "ip", IP: ip, Account: account, Failures: n, Window: d.cfg.Window, At: now}
			if d.cfg.AutoBlock && d.cfg.BlockFor > 0 {
				det.BlockedUntil = now.Add(d.cfg.BlockFor)
				d.Block(ip, det.BlockedUntil)
			}
			found = append(found, det)
		}
	}
	if account != "" && d.cfg.AccountFailures > 0 {
		acct := strings.ToLower(account)
		sum := sha256.Sum256([]byte(acct))
		if n, hit := d.tally(ctx, d.accounts, "account:"+hex.EncodeToString(sum[:16]), acct, d.cfg.AccountFailures, now); hit {
			found = append(found, Detection{Kind: "account", IP: ip, Account: account, Failures: n, Window: d.cfg.Window, At: now})
		}
	}
	for _, det := range found {
		d.metrics.Detection(det.Kind)
		attrs := []any{"rampart.detection.kind", det.Kind, "client.ip", det.IP.String(), "failures", det.Failures, "window", det.Window.String()}
		if det.Account != "" {
			attrs = append(attrs, "user.name", det.Account)
		}
		if !det.BlockedUntil.IsZero() {
			attrs = append(attrs, "blocked_until", det.BlockedUntil.UTC().Format(time.RFC3339))
		}
		d.log.WarnContext(ctx, "brute-force detected: authentication failures crossed the threshold", attrs...)
		if d.onDetect != nil {
			d.onDetect(ctx, det)
		}
	}
}

// tally counts one failure: in the shared store when there is one and it
// answers, else in m under localKey.
func (d *Detector) tally(ctx context.Context, m map[string]*failureLog, sharedKey, localKey string, threshold int, now time.Time) (int, bool) {
	if d.shared != nil {
		// A client that hangs up must not pass for a store outage: the
		// store's own timeouts bound the call.
		n, hit, err := d.shared.Failure(context.WithoutCancel(ctx), sharedKey, d.cfg.Window, threshold)
		if err == nil {
			if d.down.Swap(false) {
				d.log.InfoContext(ctx, "brute-force detector: shared counts restored")
			}
			return n, hit
		}
		if !d.down.Swap(true) {
			d.log.WarnContext(ctx, "brute-force detector: shared counts unavailable; counting on this node until they are back", "error", err)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.count(m, localKey, threshold, now)
}

// Block refuses requests from ip (its /64 for IPv6) until until, when
// AutoBlock is on: what another node's detection asks of this one.
func (d *Detector) Block(ip netip.Addr, until time.Time) {
	k := ipKey(ip)
	if d == nil || !d.cfg.AutoBlock || k == "" {
		return
	}
	d.mu.Lock()
	if until.After(d.blocked[k]) {
		d.blocked[k] = until
		d.nblocked.Store(int64(len(d.blocked)))
	}
	d.mu.Unlock()
}

// count adds a failure at now to m[key] and returns the failures within the
// window and whether this one makes a detection: the count reached
// threshold, and no detection fired for key within the last window.
func (d *Detector) count(m map[string]*failureLog, key string, threshold int, now time.Time) (int, bool) {
	fl := m[key]
	if fl == nil {
		if len(m) >= d.cfg.MaxKeys {
			d.evict(m, now)
		}
		fl = &failureLog{times: make([]time.Time, 0, min(threshold, 64))}
		m[key] = fl
	}
	cutoff := now.Add(-d.cfg.Window)
	keep := fl.times[:0]
	for _, t := range fl.times {
		if t.After(cutoff) {
			keep = append(keep, t)
		}
	}
	fl.times = keep
	if len(fl.times) >= threshold {
		copy(fl.times, fl.times[1:])
		fl.times = fl.times[:len(fl.times)-1]
	}
	fl.times = append(fl.times, now)
	n := len(fl.times)
	if n < threshold || (!fl.detected.IsZero() && now.Sub(fl.detected) < d.cfg.Window) {
		return n, false
	}
	fl.detected = now
	return n, true
}

// evict makes room in m: first entries with no failure in the window, then
// any, until a tenth of MaxKeys is free.
func (d *Detector) evict(m map[string]*failureLog, now time.Time) {
	cutoff := now.Add(-d.cfg.Window)
	for k, fl := range m {
		if len(fl.times) == 0 || !fl.times[len(fl.times)-1].After(cutoff) {
			delete(m, k)
		}
	}
	for k := range m {
		if len(m) < d.cfg.MaxKeys-d.cfg.MaxKeys/10 {
			break
		}
		delete(m, k)
	}
	for k, until := range d.blocked {
		if !until.After(now) {
			delete(d.blocked, k)
		}
	}
	d.nblocked.Store(int64(len(d.blocked)))
}

// Blocked reports whether ip is blocked, and for how much longer.
func (d *Detector) Blocked(ip netip.Addr) (time.Duration, bool) {
	if d == nil || !d.cfg.AutoBlock || d.nblocked.Load() == 0 {
		return 0, false
	}
	k := ipKey(ip)
	if k == "" {
		return 0, false
	}
	d.mu.Lock()
	until, ok := d.blocked[k]
	now := d.now()
	if ok && !until.After(now) {
		delete(d.blocked, k)
		d.nblocked.Store(int64(len(d.blocked)))
		ok = false
	}
	d.mu.Unlock()
	if !ok {
		return 0, false
	}
	return until.Sub(now), true
}

// Middleware refuses requests from a blocked client IP (clientip.From) with
// 403 problem+json and Retry-After, before any other work.
func (d *Detector) Middleware(next http.Handler) http.Handler {
	if d == nil || !d.cfg.AutoBlock {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.nblocked.Load() == 0 {
			next.ServeHTTP(w, r)
			return
		}
		left, blocked := d.Blocked(clientip.From(r))
		if !blocked {
			next.ServeHTTP(w, r)
			return
		}
		if rec := RecordFrom(r.Context()); rec != nil {
			rec.Blocked = true
		}
		d.metrics.Blocked()
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(left.Seconds()))))
		problem.WriteBody(w, http.StatusForbidden, blockedBody)
	})
}

var blockedBody = problem.Body(http.StatusForbidden, "Forbidden", "Too many failed authentication attempts from this address; try again later.")
