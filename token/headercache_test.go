package token

import (
	"testing"
	"time"
)

// cached returns the number of headers v has cached.
func cached(v *Verifier) int {
	if m := v.headers.m.Load(); m != nil {
		return len(*m)
	}
	return 0
}

func TestHeaderCacheHoldsOnlyVerifiedHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := testVerifier(t, f.set.Lookup)
	for _, tc := range hostileTokens(t, f) {
		if _, err := v.Verify(tc.raw); err == nil {
			t.Fatalf("%s accepted", tc.name)
		}
	}
	if n := cached(v); n != 0 {
		t.Fatalf("%d headers cached from tokens that did not verify", n)
	}
	valid := f.valid(t, f.es)
	mustVerify(t, v, valid)
	if n := cached(v); n != 1 {
		t.Fatalf("%d headers cached after one valid token, want 1", n)
	}
	// With the header cached, every attack that reuses it still fails for
	// the same reason as before.
	vh, _, _ := parts(t, valid)
	for _, tc := range hostileTokens(t, f) {
		if len(tc.raw) <= len(vh) || tc.raw[:len(vh)+1] != vh+"." {
			continue
		}
		c, err := v.Verify(tc.raw)
		wantReject(t, c, err, tc.reason)
	}
}

func TestHeaderCacheFollowsTheKeySet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	current := f.set
	v := testVerifier(t, func(kid string) (*Key, bool) { return current.Lookup(kid) })
	raw := f.valid(t, f.es)
	mustVerify(t, v, raw)
	// The key is retired; the cached header must not keep its tokens alive.
	current = mustKeySet(t, []KeyRecord{
		record(t, f.es, t0.Add(-48*time.Hour), t0.Add(-24*time.Hour), t0),
		record(t, f.ed, t0.Add(-48*time.Hour), t0.Add(-time.Hour), time.Time{}),
	}, t0)
	c, err := v.Verify(raw)
	wantReject(t, c, err, ErrUnknownKey)
}

func TestHeaderCacheIsBounded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := testVerifier(t, f.set.Lookup)
	for i := range 3 * maxCachedHeaders {
		hdr := with(validHeader(f.es), "x-n", i) // a distinct, harmless header each time
		mustVerify(t, v, forge(t, hdr, validPayload(), byKey(f.es)))
		if n := cached(v); n > maxCachedHeaders {
			t.Fatalf("cache holds %d headers, limit %d", n, maxCachedHeaders)
		}
	}
	// The most recent header is always cached.
	last := forge(t, with(validHeader(f.es), "x-n", 3*maxCachedHeaders-1), validPayload(), byKey(f.es))
	vh, _, _ := parts(t, last)
	if v.headers.get(vh) == nil {
		t.Error("latest header not cached")
	}
}
