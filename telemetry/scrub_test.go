package telemetry

import (
	"strings"
	"testing"
)

func TestScrub(t *testing.T) {
	t.Parallel()
	const jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlX2hlcmVfaXNfbG9uZw"
	const refresh = "Q2xBbkYtN3RxT0Jpd0p4ZEZ3.aGVsbG9Xb3JsZDEyMzQ1Njc4OTBhYmNk"
	cases := []struct {
		name, in, secret string
	}{
		{"bearer", "Authorization header was Bearer " + jwt, jwt},
		{"bearer opaque", "got bearer abc123def456", "abc123def456"},
		{"basic", "Basic YWxpY2U6aHVudGVyMg==", "YWxpY2U6aHVudGVyMg=="},
		{"header line", "Cookie: session=s3cr3t; theme=dark", "s3cr3t"},
		{"authorization line", "authorization: Digest username=x, response=abc999", "abc999"},
		{"query", "GET /cb?code=AUTHCODE42&state=xyz", "AUTHCODE42"},
		{"form", "grant_type=refresh_token&refresh_token=opaque-value-1&client_secret=topsecret", "opaque-value-1"},
		{"form secret", "grant_type=refresh_token&refresh_token=opaque-value-1&client_secret=topsecret", "topsecret"},
		{"json", `{"username":"alice","password":"Tr0ub4dor&3"}`, "Tr0ub4dor&3"},
		{"json spaced", `{"client_secret": "cs-very-secret"}`, "cs-very-secret"},
		{"kv", "login failed password=hunter2 user=alice", "hunter2"},
		{"jwt alone", "token " + jwt + " rejected", jwt},
		{"api key", "key rk_0123456789abcdef0123456789abcdef refused", "rk_0123456789abcdef0123456789abcdef"},
		{"opaque random", "refresh " + refresh + " reused", refresh},
		{"postgres url", "connect postgres://rampart:PgPass-77@db.internal:5432/rampart failed", "PgPass-77"},
		{"redis url", "dial redis://:RedisPw99@127.0.0.1:6379/0: refused", "RedisPw99"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := Scrub(c.in)
			if strings.Contains(got, c.secret) {
				t.Errorf("Scrub(%q) = %q still holds %q", c.in, got, c.secret)
			}
			if !strings.Contains(got, Redacted) {
				t.Errorf("Scrub(%q) = %q masks nothing", c.in, got)
			}
		})
	}
}

func TestScrubKeepsOrdinaryText(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"upstream request failed",
		"rampart listening",
		"request id 9f86d081884c7d659a2feaa0",
		"trace 4bf92f3577b34da6a3ce929d0e0e4736",
		"user alice locked for 1m0s",
		"GET /api/data HTTP/1.1",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
		"550e8400-e29b-41d4-a716-446655440000",
		"error: dial tcp 127.0.0.1:1: connect: connection refused",
	} {
		if got := Scrub(s); got != s {
			t.Errorf("Scrub(%q) = %q; want it unchanged", s, got)
		}
	}
}

func TestMaskQuery(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"", ""},
		{"page=2&sort=name", "page=2&sort=name"},
		{"access_token=abc&page=2", "access_token=[REDACTED]&page=2"},
		{"page=2&API_KEY=k1", "page=2&API_KEY=[REDACTED]"},
		{"code=c0de&state=s7&x", "code=[REDACTED]&state=[REDACTED]&x"},
		{"acc%65ss_token=abc", "acc%65ss_token=[REDACTED]"},
		{"q=Bearer+abcdef123", "q=Bearer+%5BREDACTED%5D"},
	}
	for _, c := range cases {
		if got := MaskQuery(c.in); got != c.want {
			t.Errorf("MaskQuery(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func BenchmarkScrubPlain(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Scrub("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36")
		_ = Scrub("/api/data")
	}
}
