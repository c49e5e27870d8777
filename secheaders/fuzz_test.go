package secheaders_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/secheaders"
)

// A policy that Validate accepts puts exactly its values on the wire, and
// no value with a control character; one it refuses makes Middleware panic.
// Seeds in testdata/fuzz/FuzzPolicyValidate.
func FuzzPolicyValidate(f *testing.F) {
	f.Add("default-src 'none'", "DENY", "no-referrer", "max-age=600", "camera=()", "no-store", "X-Debug")
	f.Add("default-src 'none'\r\nSet-Cookie: a=b", "ALLOWALL", "never", "max-age=x", "camera 'none'", "public", "Content-Security-Policy")
	f.Add("-", "-", "-", "-", "-", "-", "")
	f.Add("", "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, csp, frame, referrer, hsts, permissions, cache, strip string) {
		p := secheaders.Policy{
			ContentSecurityPolicy: csp, FrameOptions: frame, ReferrerPolicy: referrer, HSTS: hsts,
			PermissionsPolicy: permissions, CacheControlOnCredentials: cache,
		}
		if strip != "" {
			p.StripHeaders = []string{strip}
		}
		err := p.Validate()
		defer func() {
			if r := recover(); r != nil && err == nil {
				t.Fatalf("Middleware panicked on a valid policy: %v", r)
			}
		}()
		h := secheaders.Middleware(p)(weakHandler(http.StatusOK))
		if err != nil {
			t.Fatalf("Middleware accepted a policy Validate refuses: %v", err)
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Authorization", "Bearer x")
		resp := serve(h, req)
		for k, vs := range resp.Header {
			for _, v := range vs {
				if strings.ContainsAny(v, "\r\n\x00") {
					t.Fatalf("%s: %q carries a control character", k, v)
				}
			}
		}
		for header, v := range map[string]string{"Content-Security-Policy": csp, "X-Frame-Options": frame, "Referrer-Policy": referrer, "Permissions-Policy": permissions, "Cache-Control": cache} {
			got := resp.Header.Values(header)
			switch v {
			case secheaders.Omit:
				if header != "Cache-Control" && len(got) != 0 {
					t.Fatalf("%s omitted but sent %q", header, got)
				}
			case "":
				if len(got) != 1 {
					t.Fatalf("%s: default missing, got %q", header, got)
				}
			default:
				if len(got) != 1 || got[0] != v {
					t.Fatalf("%s = %q, want [%q]", header, got, v)
				}
			}
		}
		if cc := strings.ToLower(resp.Header.Get("Cache-Control")); cache != secheaders.Omit &&
			(strings.Contains(cc, "public") || !strings.Contains(cc, "no-store") && !strings.Contains(cc, "private")) {
			t.Fatalf("credentialed response cacheable by shared caches: Cache-Control %q", cc)
		}
	})
}

// dnsLabels is the reference for what a CORS wildcard stands for, written
// independently of the package's matcher.
var dnsLabels = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// Whatever origin is configured and whatever Origin arrives, the response
// allows it only if it is the configured origin (or matches its wildcard),
// never "null", and credentials only go with a reflected, listed origin.
// Seeds in testdata/fuzz/FuzzCORSOrigin.
func FuzzCORSOrigin(f *testing.F) {
	f.Add("https://app.example.com", "https://app.example.com", true)
	f.Add("https://app.example.com", "https://app.example.com.evil.com", true)
	f.Add("https://*.example.com", "https://evil.com/.example.com", true)
	f.Add("https://*.example.com", "https://a.b.example.com", true)
	f.Add("*", "null", false)
	f.Add("null", "null", true)
	f.Fuzz(func(t *testing.T, allowed, origin string, credentials bool) {
		c := secheaders.CORS{Origins: []string{allowed}, Credentials: credentials, Methods: []string{"GET", "PUT"}}
		mw, err := secheaders.CORSMiddleware(c)
		if err != nil {
			return
		}
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin")) // a reflecting upstream
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}))
		listed := func() bool {
			a := strings.ToLower(allowed)
			if origin == a {
				return true
			}
			scheme, rest, _ := strings.Cut(a, "://")
			base, ok := strings.CutPrefix(rest, "*.")
			if !ok {
				return false
			}
			sub, ok := strings.CutPrefix(origin, scheme+"://")
			sub, ok2 := strings.CutSuffix(sub, "."+base)
			return ok && ok2 && dnsLabels.MatchString(sub)
		}()
		for _, req := range []*http.Request{
			corsRequest(http.MethodGet, origin, "", ""),
			corsRequest(http.MethodOptions, origin, "PUT", ""),
		} {
			resp := serve(h, req)
			acao := resp.Header.Values("Access-Control-Allow-Origin")
			acac := resp.Header.Values("Access-Control-Allow-Credentials")
			switch {
			case len(acao) == 0:
				if len(acac) != 0 {
					t.Fatalf("credentials allowed without an origin")
				}
				if listed && origin != "" && origin != "null" {
					t.Fatalf("%s from listed %q refused (allowed %q)", req.Method, origin, allowed)
				}
			case len(acao) == 1 && acao[0] == "*":
				if allowed != "*" || len(acac) != 0 {
					t.Fatalf("%s from %q: * with allowed %q, credentials %q", req.Method, origin, allowed, acac)
				}
			case len(acao) == 1 && acao[0] == origin:
				if !listed || origin == "null" {
					t.Fatalf("%s from %q reflected, allowed only %q", req.Method, origin, allowed)
				}
				if credentials != (len(acac) == 1 && acac[0] == "true") {
					t.Fatalf("credentials %q, configured %v", acac, credentials)
				}
			default:
				t.Fatalf("%s from %q: Access-Control-Allow-Origin %q", req.Method, origin, acao)
			}
		}
	})
}

// Whatever headers an upstream sends, with whatever status, the response
// carries the default policy exactly once and no banner.
// Seeds in testdata/fuzz/FuzzMiddleware.
func FuzzMiddleware(f *testing.F) {
	f.Add("Server: gunicorn\nX-Frame-Options: ALLOWALL\nContent-Security-Policy: default-src *", 200, true)
	f.Add("x-powered-by: Flask\nCache-Control: public, max-age=9\nSet-Cookie: a=b", 404, false)
	f.Add("X-Aspnetmvc-Version: 5.2\nStrict-Transport-Security: max-age=0", 500, false)
	f.Fuzz(func(t *testing.T, upstream string, status int, auth bool) {
		if status < 200 || status > 599 {
			status = 200
		}
		h := secheaders.Middleware(secheaders.Policy{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for line := range strings.SplitSeq(upstream, "\n") {
				k, v, _ := strings.Cut(line, ":")
				w.Header().Add(k, strings.TrimSpace(v))
			}
			w.WriteHeader(status)
		}))
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if auth {
			req.Header.Set("Authorization", "Bearer x")
		}
		resp := serve(h, req)
		wantHeaders(t, resp.Header, defaultHeaders())
		wantAbsent(t, resp.Header, bannerNames...)
		wantAbsent(t, resp.Header, "Strict-Transport-Security")
		if auth || len(resp.Header.Values("Set-Cookie")) > 0 {
			wantHeaders(t, resp.Header, map[string]string{"Cache-Control": "no-store"})
		}
	})
}
