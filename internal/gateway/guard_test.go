package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestGuardAuthorization(t *testing.T) {
	reached := false
	h := guardAuthorization(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
	for _, tc := range []struct {
		name   string
		vals   []string
		status int
	}{
		{"none", nil, 200},
		{"bearer", []string{"Bearer abc.def.ghi"}, 200},
		{"basic", []string{"Basic YWxpY2U6cHc="}, 200},
		{"twice", []string{"Bearer a", "Bearer b"}, 400},
		{"scheme only", []string{"Bearer"}, 400},
		{"scheme and spaces", []string{"Bearer    "}, 400},
		{"bearer with spaces", []string{"Bearer a b"}, 400},
		{"non-ascii", []string{"Bearer caf\u00e9"}, 400},
		{"control char", []string{"Bearer a\x01b"}, 400},
		{"huge", []string{"Bearer " + strings.Repeat("a", maxAuthorizationBytes)}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reached = false
			r := httptest.NewRequest("GET", "/", nil)
			for _, v := range tc.vals {
				r.Header.Add("Authorization", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tc.status || reached != (tc.status == 200) {
				t.Fatalf("status %d reached %v, want %d", rec.Code, reached, tc.status)
			}
			if tc.status == 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatal("not problem+json")
			}
		})
	}
}
