package authz_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/authn"
	"github.com/rampart-sec/rampart/authz"
)

// recorder collects what the middleware did with one request.
type recorder struct {
	decisions []authz.Decision
	nextCalls int
}

func (rec *recorder) hook(_ *http.Request, d authz.Decision) {
	rec.decisions = append(rec.decisions, d)
}

func (rec *recorder) next() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		rec.nextCalls++
		w.WriteHeader(http.StatusNoContent)
	})
}

type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	const expr = `'admin' in identity.roles && request.headers['x-tenant'] == 'acme-secret-tenant'`
	policy := mustCompile(t, authz.Spec{Scopes: []string{"data:write"}, CEL: expr})

	tests := []struct {
		name       string
		id         *authn.Identity // nil: no identity in the context
		tenant     string
		status     int
		title      string
		reason     string
		allow      bool
		callsNext  bool
		mustNotSay []string // what the body must not reveal
	}{
		{
			name: "allowed", id: &authn.Identity{Roles: []string{"admin"}, Scopes: []string{"data:write"}}, tenant: "acme-secret-tenant",
			status: http.StatusNoContent, reason: "allowed", allow: true, callsNext: true,
		},
		{
			name: "no identity", id: nil, tenant: "acme-secret-tenant",
			status: http.StatusUnauthorized, title: "Unauthorized", reason: "no identity",
		},
		{
			name: "missing scope", id: &authn.Identity{Roles: []string{"admin"}}, tenant: "acme-secret-tenant",
			status: http.StatusForbidden, title: "Forbidden", reason: `missing scope "data:write"`,
			mustNotSay: []string{"data:write", "scope"},
		},
		{
			name: "cel false", id: &authn.Identity{Roles: []string{"reader"}, Scopes: []string{"data:write"}}, tenant: "acme-secret-tenant",
			status: http.StatusForbidden, title: "Forbidden", reason: "cel: expression false",
			mustNotSay: []string{"admin", "identity.roles", "acme-secret-tenant", "cel", "expression"},
		},
		{
			name: "cel error", id: &authn.Identity{Roles: []string{"admin"}, Scopes: []string{"data:write"}}, tenant: "",
			status: http.StatusForbidden, title: "Forbidden", reason: "cel: no such key: x-tenant",
			mustNotSay: []string{"x-tenant", "no such key", "cel"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var rec recorder
			h := authz.Middleware(policy, rec.hook)(rec.next())
			r := httptest.NewRequest("POST", "/v1/data", nil)
			if tt.tenant != "" {
				r.Header.Set("X-Tenant", tt.tenant)
			}
			if tt.id != nil {
				r = r.WithContext(authn.WithIdentity(r.Context(), tt.id))
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)

			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			if (rec.nextCalls == 1) != tt.callsNext || rec.nextCalls > 1 {
				t.Errorf("next called %d times, want called: %v", rec.nextCalls, tt.callsNext)
			}
			if len(rec.decisions) != 1 {
				t.Fatalf("hook called %d times, want once", len(rec.decisions))
			}
			checkDecision(t, rec.decisions[0], tt.allow, tt.reason)
			if tt.allow {
				return
			}

			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			body := w.Body.String()
			var p problem
			dec := json.NewDecoder(strings.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&p); err != nil {
				t.Fatalf("body %q is not a problem: %v", body, err)
			}
			if p.Type != "about:blank" || p.Title != tt.title || p.Status != tt.status || p.Detail == "" {
				t.Errorf("problem = %+v, want type about:blank, title %q, status %d and a detail", p, tt.title, tt.status)
			}
			for _, secret := range append(tt.mustNotSay, expr, tt.reason) {
				if strings.Contains(strings.ToLower(body), strings.ToLower(secret)) {
					t.Errorf("body %q reveals %q", body, secret)
				}
			}
		})
	}
}

func TestMiddlewareNilHook(t *testing.T) {
	t.Parallel()
	var rec recorder
	h := authz.Middleware(mustCompile(t, authz.Spec{AllowAuthenticated: true}), nil)(rec.next())

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusUnauthorized || rec.nextCalls != 0 {
		t.Errorf("without identity: status %d, next called %d times; want 401 and no call", w.Code, rec.nextCalls)
	}

	w = httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	h.ServeHTTP(w, r.WithContext(authn.WithIdentity(r.Context(), &authn.Identity{Subject: "usr_1"})))
	if w.Code != http.StatusNoContent || rec.nextCalls != 1 {
		t.Errorf("with identity: status %d, next called %d times; want 204 and one call", w.Code, rec.nextCalls)
	}
}

func TestMiddlewareNilPolicyPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("Middleware(nil, ...) did not panic")
		}
	}()
	authz.Middleware(nil, nil)
}
