package scan

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// rateLimitCheck sends a bounded burst to a login operation (else a data
// operation) and expects a 429 or rate-limit headers before it ends. It
// runs last, so a limit it trips cannot disturb the other checks.
type rateLimitCheck struct{}

func (rateLimitCheck) Name() string { return "ratelimit" }

func ruleNoRateLimit() Rule {
	return newRule("ratelimit-none", "No rate limiting observed", SeverityMedium,
		API4Resources, 770,
		"Limit requests per client IP before authentication and per identity after it; answer 429 with Retry-After and RateLimit headers; lock out or slow down repeated failed logins.")
}

func (rateLimitCheck) Rules() []Rule { return []Rule{ruleNoRateLimit()} }

// limited reports whether a response shows a rate limit.
func limited(ex *exchange) bool {
	if ex.status == http.StatusTooManyRequests {
		return true
	}
	for _, h := range []string{"RateLimit", "RateLimit-Limit", "RateLimit-Policy", "RateLimit-Remaining", "X-RateLimit-Limit", "X-RateLimit-Remaining", "Retry-After"} {
		if ex.head.Get(h) != "" {
			return true
		}
	}
	return false
}

// loginOp returns a documented login-like POST, if any.
func loginOp(ops []Operation) (Operation, bool) {
	for _, op := range ops {
		p := strings.ToLower(op.Path)
		if op.Method == http.MethodPost && (strings.Contains(p, "login") || strings.Contains(p, "signin") || strings.Contains(p, "token") || strings.HasSuffix(p, "/auth")) {
			return op, true
		}
	}
	return Operation{}, false
}

func (c rateLimitCheck) Run(ctx context.Context, s *session) ([]Finding, error) {
	var p probe
	what := ""
	if op, ok := loginOp(s.ops); ok {
		body := op.Body
		if body == nil {
			body = []byte(`{"username":"rampart-scan","password":"rampart-scan-wrong"}`)
		}
		p = probe{method: op.Method, path: op.target(nil), body: body, noExtra: true, header: http.Header{
			"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("rampart-scan:rampart-scan-wrong"))},
		}}
		if strings.Contains(string(body), "grant_type") || strings.Contains(strings.ToLower(op.Path), "token") {
			p.header.Set("Content-Type", "application/x-www-form-urlencoded")
			p.body = []byte("grant_type=password&username=rampart-scan&password=rampart-scan-wrong")
		}
		what = "failed logins to " + op.key()
	} else {
		var target *Operation
		for i, op := range s.ops {
			if op.Method != http.MethodGet {
				continue
			}
			// A path the target does not serve (404, 405) says nothing
			// about how it limits its operations.
			if ex := s.anon(op); ex != nil && (ex.status == http.StatusNotFound || ex.status == http.StatusMethodNotAllowed) {
				continue
			}
			if target == nil {
				target = &s.ops[i]
			}
			if ex := s.authed(op); ex != nil && ex.ok() {
				target = &s.ops[i]
				break
			}
		}
		if target == nil {
			s.note("ratelimit: not tested: no login operation and no GET operation the target serves")
			return nil, nil
		}
		p = probe{method: http.MethodGet, path: target.target(nil), header: authHeader(s.opts.Auth)}
		what = "requests to " + target.key()
	}
	n := min(s.opts.Burst, s.c.remaining())
	if n < s.opts.Burst {
		s.note("ratelimit: only %d of %d burst requests fit in the remaining budget", n, s.opts.Burst)
	}
	if n <= 0 {
		return nil, ErrBudget
	}
	start := time.Now()
	var last *exchange
	for i := 0; i < n; i++ {
		ex, err := s.c.do(ctx, c.Name(), p)
		if err != nil {
			return nil, err
		}
		if limited(ex) {
			return nil, nil
		}
		last = ex
	}
	took := time.Since(start)
	return []Finding{newFinding(ruleNoRateLimit(), last.location(),
		fmt.Sprintf("%d %s in %.1f s (%.0f/s) never drew a 429, Retry-After or RateLimit header.", n, what, took.Seconds(), float64(n)/max(took.Seconds(), 0.001)),
		last.evidence())}, nil
}
