package ratelimit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/clientip"
)

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })

// sfList matches a Structured Fields List of sf-string items with integer
// parameters, the shape both RateLimit fields take.
var sfList = regexp.MustCompile(`^"[A-Za-z0-9_.-]+"(;[a-z][a-z0-9_]*=\d+)+(, "[A-Za-z0-9_.-]+"(;[a-z][a-z0-9_]*=\d+)+)*$`)

func serve(h http.Handler, remote string, ctx func(context.Context) context.Context, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/api", nil)
	req.RemoteAddr = remote
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if ctx != nil {
		req = req.WithContext(ctx(req.Context()))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func withSubject(sub string) func(context.Context) context.Context {
	return func(ctx context.Context) context.Context {
		return authn.WithIdentity(ctx, &authn.Identity{Subject: sub})
	}
}

func TestMiddlewareHeadersAnd429(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := Middleware(NewMemory(0, WithClock(clock.Now)), []Policy{
		{Name: "api", Limit: mustLimit(t, "100/h"), Key: ByIP()},
	})(okHandler)

	rec := serve(h, "198.51.100.7:1", nil)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("first request: %d", rec.Code)
	}
	for name, want := range map[string]string{
		"RateLimit-Policy": `"api";q=100;w=3600`,
		"RateLimit":        `"api";r=99;t=36`,
	} {
		got := rec.Header().Get(name)
		if got != want || !sfList.MatchString(got) {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for range 99 {
		if rec = serve(h, "198.51.100.7:1", nil); rec.Code != http.StatusNoContent {
			t.Fatalf("within the limit: %d", rec.Code)
		}
	}
	if got := rec.Header().Get("RateLimit"); got != `"api";r=0;t=3600` {
		t.Errorf("after 100: RateLimit = %q", got)
	}
	clock.Advance(500 * time.Millisecond)
	rec = serve(h, "198.51.100.7:1", nil)
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("101st request: %d", rec.Code)
	}
	// 35.5 s to wait, rounded up.
	if got := rec.Header().Get("Retry-After"); got != "36" {
		t.Errorf("Retry-After = %q, want 36", got)
	}
	if got := rec.Header().Get("RateLimit"); got != `"api";r=0;t=3600` {
		t.Errorf("429 RateLimit = %q", got)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var body struct {
		Type, Title, Detail string
		Status              int
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body.Status != 429 || body.Title != "Too Many Requests" || !strings.Contains(body.Detail, `"api"`) || !strings.Contains(body.Detail, "36 s") {
		t.Errorf("body = %+v", body)
	}
	// Another client is unaffected.
	if rec = serve(h, "198.51.100.8:1", nil); rec.Code != http.StatusNoContent {
		t.Errorf("another client: %d", rec.Code)
	}
}

func TestMiddlewareSkipsPolicyWithoutKey(t *testing.T) {
	t.Parallel()
	var decided []string
	h := Middleware(NewMemory(0), []Policy{
		{Name: "ip", Limit: mustLimit(t, "100/m"), Key: ByIP()},
		{Name: "user", Limit: mustLimit(t, "2/m"), Key: BySubject()},
	}, OnDecision(func(r *http.Request, d Decision) { decided = append(decided, d.Policy) }))(okHandler)

	rec := serve(h, "198.51.100.7:1", nil)
	if got := rec.Header().Get("RateLimit-Policy"); got != `"ip";q=100;w=60` {
		t.Errorf("anonymous: RateLimit-Policy = %q, want the ip policy only", got)
	}
	if len(decided) != 1 || decided[0] != "ip" {
		t.Errorf("decisions reported: %v", decided)
	}
	for i := range 3 {
		rec = serve(h, "198.51.100.7:1", withSubject("usr_1"))
		if got := rec.Header().Get("RateLimit-Policy"); got != `"ip";q=100;w=60, "user";q=2;w=60` || !sfList.MatchString(got) {
			t.Errorf("authenticated: RateLimit-Policy = %q", got)
		}
		if want := []int{204, 204, 429}[i]; rec.Code != want {
			t.Errorf("authenticated request %d: %d, want %d", i+1, rec.Code, want)
		}
	}
	// Anonymous requests still pass: the user policy does not apply.
	if rec = serve(h, "198.51.100.7:1", nil); rec.Code != http.StatusNoContent {
		t.Errorf("anonymous after the user was limited: %d", rec.Code)
	}
	// No key at all: untouched, no headers.
	h = Middleware(NewMemory(0), []Policy{{Name: "user", Limit: mustLimit(t, "1/m"), Key: BySubject()}})(okHandler)
	for range 3 {
		rec = serve(h, "198.51.100.7:1", nil)
		if rec.Code != http.StatusNoContent || rec.Header().Get("RateLimit") != "" {
			t.Fatalf("keyless request: %d %v", rec.Code, rec.Header())
		}
	}
}

// TestMiddlewareMultiplePolicies holds a client to 10/s with bursts of 20
// and to 25 a day, and checks that a refusal by one limit does not charge
// the other.
func TestMiddlewareMultiplePolicies(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	var last []Decision
	h := Middleware(NewMemory(0, WithClock(clock.Now)), []Policy{
		{Name: "burst", Limit: mustLimit(t, "10/s burst 20"), Key: ByIP()},
		{Name: "daily", Limit: mustLimit(t, "25/d"), Key: ByIP()},
	}, OnDecision(func(r *http.Request, d Decision) { last = append(last, d) }))(okHandler)
	send := func() *httptest.ResponseRecorder {
		last = last[:0]
		return serve(h, "203.0.113.9:1", nil)
	}
	for i := range 20 {
		if rec := send(); rec.Code != http.StatusNoContent {
			t.Fatalf("request %d: %d", i+1, rec.Code)
		}
	}
	for range 50 {
		rec := send()
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
			t.Fatalf("over the burst: %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
		}
		if got := rec.Header().Get("RateLimit"); got != `"burst";r=0;t=2, "daily";r=5;t=69120` {
			t.Fatalf("RateLimit = %q: the daily quota was charged by a refused request", got)
		}
	}
	if len(last) != 2 || last[0].Result.Allowed || !last[1].Result.Allowed || last[0].Admitted || last[1].Admitted {
		t.Errorf("decisions: %+v", last)
	}
	clock.Advance(time.Second) // 10 more for the burst limit, 5 left today
	for i := range 5 {
		if rec := send(); rec.Code != http.StatusNoContent {
			t.Fatalf("after a second, request %d: %d", i+1, rec.Code)
		}
	}
	rec := send()
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), `\"daily\"`) {
		t.Fatalf("over the quota: %d %s", rec.Code, rec.Body)
	}
	// 25 a day is one every 3456 s; the quota was first used 1 s ago.
	if got := rec.Header().Get("Retry-After"); got != "3455" {
		t.Errorf("Retry-After = %q, want 3455", got)
	}
	// The burst bucket holds 15 events of debt (1.5 s): 5 remain.
	if got := rec.Header().Get("RateLimit"); got != `"burst";r=5;t=2, "daily";r=0;t=86399` {
		t.Errorf("RateLimit = %q", got)
	}
}

func TestMiddlewareUnavailable(t *testing.T) {
	t.Parallel()
	fb := NewFallback(brokenBackend{}, NewMemory(0))
	var errs int
	h := Middleware(fb.Mode(FailClosed), []Policy{{Name: "api", Limit: mustLimit(t, "10/s"), Key: ByIP()}},
		OnDecision(func(r *http.Request, d Decision) {
			if errors.Is(d.Err, ErrUnavailable) {
				errs++
			}
		}))(okHandler)
	rec := serve(h, "203.0.113.9:1", nil)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Content-Type") != "application/problem+json" || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	if errs != 1 {
		t.Errorf("%d errors reported", errs)
	}
}

// brokenBackend always fails as an unreachable Redis does.
type brokenBackend struct{}

func (brokenBackend) Allow(context.Context, []Request, []Result) (bool, error) {
	return false, ErrUnavailable
}

// TestMiddlewareSpoofedXFF checks that a client cannot escape its limit by
// sending X-Forwarded-For, while clients behind a trusted proxy are told
// apart by it.
func TestMiddlewareSpoofedXFF(t *testing.T) {
	t.Parallel()
	res, err := clientip.New([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, clientip.XForwardedFor)
	if err != nil {
		t.Fatal(err)
	}
	h := res.Middleware(Middleware(NewMemory(0), []Policy{{Name: "ip", Limit: mustLimit(t, "3/m"), Key: ByIP()}})(okHandler))
	spoofs := []string{"1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "10.0.0.1"}
	codes := ""
	for _, s := range spoofs {
		codes += http.StatusText(serve(h, "198.51.100.7:1", nil, "X-Forwarded-For", s).Code)[:2]
	}
	if codes != "NoNoNoToTo" {
		t.Errorf("untrusted peer rotating X-Forwarded-For: %s, want 3 through then refused", codes)
	}
	for _, s := range spoofs[:4] {
		if rec := serve(h, "10.0.0.2:1", nil, "X-Forwarded-For", s); rec.Code != http.StatusNoContent {
			t.Errorf("client %s behind the trusted proxy: %d", s, rec.Code)
		}
	}
}

func TestValidatePolicies(t *testing.T) {
	t.Parallel()
	err := ValidatePolicies([]Policy{
		{Name: "ok", Limit: mustLimit(t, "1/s"), Key: ByIP()},
		{Name: "ok", Limit: mustLimit(t, "1/s"), Key: ByIP()},
		{Name: `bad"name`, Limit: mustLimit(t, "1/s"), Key: ByIP()},
		{Name: "nokey", Limit: mustLimit(t, "1/s")},
		{Name: "nolimit", Key: ByIP()},
	})
	for _, want := range []string{"policy 1", "used twice", "policy 2", "policy 3 (\"nokey\"): no key", "policy 4 (\"nolimit\")"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
	if ValidatePolicies(nil) == nil {
		t.Error("no policies accepted")
	}
	defer func() {
		if recover() == nil {
			t.Error("Middleware accepted a policy without a key function")
		}
	}()
	Middleware(NewMemory(0), []Policy{{Name: "x", Limit: mustLimit(t, "1/s")}})
}

// A limiter after authentication adds its policies to the headers of the
// limiter before it instead of replacing them.
func TestMiddlewareNestedKeepsOuterHeaders(t *testing.T) {
	t.Parallel()
	b := NewMemory(0, WithClock(newFakeClock().Now))
	inner := Middleware(b, []Policy{{Name: "user", Limit: mustLimit(t, "2/m"), Key: BySubject()}})(okHandler)
	h := Middleware(b, []Policy{{Name: "ip", Limit: mustLimit(t, "100/m"), Key: ByIP()}})(inner)
	for i := range 3 {
		rec := serve(h, "198.51.100.7:1", withSubject("usr_1"))
		if want := []int{204, 204, 429}[i]; rec.Code != want {
			t.Errorf("request %d: %d, want %d", i+1, rec.Code, want)
		}
		if got := rec.Header().Values("RateLimit-Policy"); len(got) != 1 || got[0] != `"ip";q=100;w=60, "user";q=2;w=60` || !sfList.MatchString(got[0]) {
			t.Errorf("request %d: RateLimit-Policy = %q", i+1, got)
		}
		want := []string{`"ip";r=99;t=1, "user";r=1;t=30`, `"ip";r=98;t=2, "user";r=0;t=60`, `"ip";r=97;t=2, "user";r=0;t=60`}[i]
		if got := rec.Header().Values("RateLimit"); len(got) != 1 || got[0] != want || !sfList.MatchString(got[0]) {
			t.Errorf("request %d: RateLimit = %q, want %q", i+1, got, want)
		}
	}
	// The shared RateLimit-Policy value of the outer limiter is not
	// modified by the inner one's append.
	rec := serve(h, "198.51.100.8:1", nil)
	if got := rec.Header().Get("RateLimit-Policy"); got != `"ip";q=100;w=60` {
		t.Errorf("anonymous: RateLimit-Policy = %q", got)
	}
}

// KeyPrefix goes between the policy name and the key function's key.
func TestMiddlewareKeyPrefix(t *testing.T) {
	t.Parallel()
	rec := &recordingBackend{}
	h := Middleware(rec, []Policy{
		{Name: "ip", Limit: mustLimit(t, "100/m"), Key: ByIP(), KeyPrefix: "route:api|"},
		{Name: "user", Limit: mustLimit(t, "100/m"), Key: BySubject()},
	})(okHandler)
	serve(h, "198.51.100.7:1", withSubject("usr_1"))
	if want := []string{"ip:route:api|ip:198.51.100.7", "user:sub:usr_1"}; strings.Join(rec.keys, " ") != strings.Join(want, " ") {
		t.Errorf("keys = %q, want %q", rec.keys, want)
	}
}

// recordingBackend admits everything and records the keys asked for.
type recordingBackend struct{ keys []string }

func (b *recordingBackend) Allow(_ context.Context, reqs []Request, out []Result) (bool, error) {
	for i := range reqs {
		b.keys = append(b.keys, reqs[i].Key)
		out[i] = Result{Allowed: true, Remaining: 1}
	}
	return true, nil
}
