package ratelimit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/rampart-sec/rampart/clientip"
	"github.com/rampart-sec/rampart/ratelimit"
)

func Example() {
	limit, err := ratelimit.ParseLimit("3/m")
	if err != nil {
		panic(err)
	}
	// In a cluster, the backend is a Fallback over Redis and Memory.
	backend := ratelimit.NewMemory(0)
	limited := ratelimit.Middleware(backend, []ratelimit.Policy{
		{Name: "per-ip", Limit: limit, Key: ratelimit.ByIP()},
	})
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello") })
	resolver, err := clientip.New(nil, clientip.XForwardedFor) // no trusted proxies
	if err != nil {
		panic(err)
	}
	h := resolver.Middleware(limited(api))

	for range 4 {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = "203.0.113.9:40000"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Printf("%d RateLimit: %s Retry-After: %q\n", rec.Code, rec.Header().Get("RateLimit"), rec.Header().Get("Retry-After"))
	}
	// Output:
	// 200 RateLimit: "per-ip";r=2;t=20 Retry-After: ""
	// 200 RateLimit: "per-ip";r=1;t=40 Retry-After: ""
	// 200 RateLimit: "per-ip";r=0;t=60 Retry-After: ""
	// 429 RateLimit: "per-ip";r=0;t=60 Retry-After: "20"
}

// Several limits per route: a burst limit and a daily quota, per user when
// authenticated and per IP otherwise. A request refused by one does not use
// up the other.
func ExampleMiddleware() {
	perSecond, _ := ratelimit.ParseLimit("10/s burst 20")
	daily, _ := ratelimit.ParseLimit("10000/d")
	who := ratelimit.FirstOf(ratelimit.BySubject(), ratelimit.ByIP())
	mw := ratelimit.Middleware(ratelimit.NewMemory(0), []ratelimit.Policy{
		{Name: "burst", Limit: perSecond, Key: who},
		{Name: "daily", Limit: daily, Key: who},
	})
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest("GET", "/", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Header().Get("RateLimit-Policy"))
	// Output:
	// "burst";q=20;w=2, "daily";q=10000;w=86400
}

// A Fallback shares limits through Redis while it answers and falls back to
// local limits (or 503, per route) when it does not.
func ExampleFallback() {
	client, err := ratelimit.NewRedisClient("redis://127.0.0.1:6379/0")
	if err != nil {
		panic(err)
	}
	defer client.Close()
	fb := ratelimit.NewFallback(ratelimit.NewRedis(client), ratelimit.NewMemory(0))
	ordinary := fb.Mode(ratelimit.FailOpen) // most routes
	strict := fb.Mode(ratelimit.FailClosed) // e.g. an expensive endpoint
	policies := []ratelimit.Policy{{Name: "per-ip", Limit: ratelimit.Limit{Rate: 100, Period: time.Minute}, Key: ratelimit.ByIP()}}
	mux := http.NewServeMux()
	mux.Handle("/search", ratelimit.Middleware(ordinary, policies)(http.NotFoundHandler()))
	mux.Handle("/export", ratelimit.Middleware(strict, policies)(http.NotFoundHandler()))
	_ = http.ListenAndServe("127.0.0.1:8080", mux)
}

func ExampleAllowKey() {
	limit, _ := ratelimit.ParseLimit("2/h")
	m := ratelimit.NewMemory(0)
	for range 3 {
		r, err := ratelimit.AllowKey(context.Background(), m, "login:alice", limit)
		if err != nil {
			panic(err)
		}
		fmt.Println(r.Allowed, r.Remaining, r.RetryAfter.Round(time.Minute))
	}
	// Output:
	// true 1 0s
	// true 0 0s
	// false 0 30m0s
}
