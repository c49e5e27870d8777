package ratelimit

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rampart-sec/rampart/internal/problem"
)

// Policy is one limit a route enforces: a name, a rate, and what to count
// requests by.
type Policy struct {
	// Name identifies the policy in the RateLimit headers, in problem
	// details and in keys: 1 to 64 of A-Z a-z 0-9 _ . - . Required, and
	// unique among a middleware's policies.
	Name string
	// Limit is the rate. Required.
	Limit Limit
	// Key says who the limit applies to. Required: there is no default,
	// because what to count by is the decision that makes a limit work or
	// not (see ByIP for why the client IP is decided by clientip).
	Key KeyFunc
	// KeyPrefix, optional, is put between the policy name and Key's key:
	// the bucket is Name + ":" + KeyPrefix + key. It scopes a policy (to a
	// route, say) without wrapping Key in a closure that concatenates on
	// every request.
	KeyPrefix string
}

// Decision is what a middleware decided for one policy of one request,
// reported to OnDecision.
type Decision struct {
	// Policy is the policy's name.
	Policy string
	// Result is the policy's answer; the zero Result when Err is set.
	Result Result
	// Admitted reports whether the request as a whole was let through:
	// false when this or any other policy refused it, or on Err.
	Admitted bool
	// Err is the backend's error, when it could not decide.
	Err error
}

// Option configures Middleware.
type Option func(*mwOptions)

type mwOptions struct {
	onDecision func(*http.Request, Decision)
}

// OnDecision makes the middleware call fn once for each policy it evaluated
// on a request (skipped policies are not reported), after deciding and
// before answering, for metrics, audit or the access log. fn runs on the
// request's goroutine; keep it quick.
func OnDecision(fn func(r *http.Request, d Decision)) Option {
	return func(o *mwOptions) { o.onDecision = fn }
}

// ValidatePolicies reports every problem with policies at once: an invalid
// or repeated name, a missing key function, an invalid limit.
func ValidatePolicies(policies []Policy) error {
	if len(policies) == 0 {
		return errors.New("ratelimit: no policies")
	}
	var errs []error
	seen := make(map[string]bool, len(policies))
	for i, p := range policies {
		at := fmt.Sprintf("policy %d (%q)", i, p.Name)
		if !validName(p.Name) {
			errs = append(errs, fmt.Errorf("%s: name must be 1 to 64 of A-Z a-z 0-9 _ . -", at))
		} else if seen[p.Name] {
			errs = append(errs, fmt.Errorf("%s: name used twice", at))
		}
		seen[p.Name] = true
		if p.Key == nil {
			errs = append(errs, fmt.Errorf("%s: no key function", at))
		}
		if err := p.Limit.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", at, err))
		}
	}
	return errors.Join(errs...)
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

type compiled struct {
	Policy
	prefix string // Name + ":" + KeyPrefix, the start of every key
	item   string // the RateLimit-Policy member
	pre    *prepared
}

// Middleware returns middleware that holds requests to policies, decided by
// b, all policies of a request in one atomic Backend.Allow: a request
// refused by one policy is not counted against the others.
//
// For each request it asks every policy's KeyFunc for a key; a policy whose
// KeyFunc has none (no identity on the request, say) is skipped, and a
// request with no key at all passes untouched and without headers.
// Otherwise the response carries RateLimit-Policy and RateLimit headers
// (see headers.go for the draft followed) for the policies evaluated, and:
//
//   - when every policy admits the request, it goes on to next;
//   - when one refuses it, the answer is 429 problem+json with Retry-After
//     (whole seconds, rounded up) for the longest wait among the refusals;
//   - when b cannot decide (a fail-closed Fallback during an outage), the
//     answer is 503 problem+json with Retry-After: 1.
//
// Middleware panics if ValidatePolicies fails or b is nil: policies are
// checked when configuration is loaded, and a bad one must never reach a
// request.
func Middleware(b Backend, policies []Policy, opts ...Option) func(http.Handler) http.Handler {
	if b == nil {
		panic("ratelimit.Middleware: nil Backend")
	}
	if err := ValidatePolicies(policies); err != nil {
		panic("ratelimit.Middleware: " + err.Error())
	}
	var o mwOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	ps := make([]compiled, len(policies))
	for i, p := range policies {
		pre, _ := prepare(p.Limit) // validated above
		ps[i] = compiled{Policy: p, prefix: p.Name + ":" + p.KeyPrefix, item: policyItem(p.Name, p.Limit), pre: pre}
	}
	items := make([]string, len(ps))
	for i := range ps {
		items[i] = ps[i].item
	}
	// The RateLimit-Policy value when every policy applies, the common
	// case, shared by every response (len == cap, so an Add copies it).
	allPolicies := []string{strings.Join(items, ", ")}
	return func(next http.Handler) http.Handler {
		return &limiter{b: b, ps: ps, o: o, next: next, allPolicies: allPolicies}
	}
}

type limiter struct {
	b           Backend
	ps          []compiled
	o           mwOptions
	next        http.Handler
	allPolicies []string
}

const stackPolicies = 4

func (l *limiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var (
		reqBuf [stackPolicies]Request
		outBuf [stackPolicies]Result
		idxBuf [stackPolicies]int
	)
	reqs, idx := reqBuf[:0], idxBuf[:0]
	for i := range l.ps {
		p := &l.ps[i]
		k, ok := p.Key(r)
		if !ok {
			continue
		}
		reqs = append(reqs, Request{Key: p.prefix + k, Limit: p.Limit, N: 1, pre: p.pre})
		idx = append(idx, i)
	}
	if len(reqs) == 0 {
		l.next.ServeHTTP(w, r)
		return
	}
	var out []Result
	if len(reqs) <= stackPolicies {
		out = outBuf[:len(reqs)]
	} else {
		out = make([]Result, len(reqs))
	}
	admitted, err := l.b.Allow(r.Context(), reqs, out)
	if err != nil {
		if l.o.onDecision != nil {
			for _, i := range idx {
				l.o.onDecision(r, Decision{Policy: l.ps[i].Name, Err: err})
			}
		}
		w.Header().Set("Retry-After", "1")
		problem.Write(w, http.StatusServiceUnavailable, "Service Unavailable",
			"Rate limiting is temporarily unavailable. Try again shortly.")
		return
	}
	l.writeHeaders(w.Header(), idx, out)
	if l.o.onDecision != nil {
		for j, i := range idx {
			l.o.onDecision(r, Decision{Policy: l.ps[i].Name, Result: out[j], Admitted: admitted})
		}
	}
	if admitted {
		l.next.ServeHTTP(w, r)
		return
	}
	worst := -1
	for j := range out {
		if !out[j].Allowed && (worst < 0 || out[j].RetryAfter > out[worst].RetryAfter) {
			worst = j
		}
	}
	wait := max(ceilSeconds(out[worst].RetryAfter), 1)
	w.Header().Set("Retry-After", strconv.FormatInt(wait, 10))
	problem.Write(w, http.StatusTooManyRequests, "Too Many Requests",
		fmt.Sprintf("Rate limit %q exceeded. Retry in %d s.", l.ps[idx[worst]].Name, wait))
}

// writeHeaders adds this middleware's policies to the RateLimit-Policy and
// RateLimit fields. A limiter further out (one before authentication, say)
// may have set them already: its members are kept and these appended, so
// the response describes every policy evaluated.
func (l *limiter) writeHeaders(h http.Header, idx []int, out []Result) {
	var buf [128]byte
	cur := buf[:0]
	for j, i := range idx {
		if j > 0 {
			cur = append(cur, ", "...)
		}
		cur = appendLimitItem(cur, l.ps[i].Name, out[j])
	}
	if len(idx) == len(l.ps) && len(h["Ratelimit-Policy"]) == 0 {
		h["Ratelimit-Policy"] = l.allPolicies
	} else {
		var pol strings.Builder
		for j, i := range idx {
			if j > 0 {
				pol.WriteString(", ")
			}
			pol.WriteString(l.ps[i].item)
		}
		appendList(h, "Ratelimit-Policy", pol.String())
	}
	appendList(h, "Ratelimit", string(cur))
}

// appendList appends members to the Structured Fields List h[key]
// (canonical), keeping it one field line.
func appendList(h http.Header, key, members string) {
	old := h[key]
	if len(old) == 0 {
		h[key] = []string{members}
		return
	}
	h[key] = []string{strings.Join(old, ", ") + ", " + members}
}
