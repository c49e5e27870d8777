package telemetry

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The request id comes from the Record when a stage recorded one, else
// from the X-Request-Id response header.
func TestAccessLogRequestID(t *testing.T) {
	for _, tc := range []struct {
		name, recorded, header, want string
	}{
		{"recorded", "rec-id", "", `"http.request.id":"rec-id"`},
		{"recorded wins", "rec-id", "hdr-id", `"http.request.id":"rec-id"`},
		{"header only", "", "hdr-id", `"http.request.id":"hdr-id"`},
	} {
		var buf bytes.Buffer
		h := Middleware(MiddlewareOptions{AccessLog: NewAccessLog(&buf)}, func(*http.Request) string { return "" })(
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.recorded != "" {
					RecordFrom(r.Context()).SetRequestID(tc.recorded)
				}
				if tc.header != "" {
					w.Header().Set("X-Request-Id", tc.header)
				}
			}))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		if !strings.Contains(buf.String(), tc.want) {
			t.Errorf("%s: %s lacks %s", tc.name, buf.String(), tc.want)
		}
	}
}
