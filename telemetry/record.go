package telemetry

import (
	"context"
	"net/http"
	"time"
)

// Record is what rampart learns about one request while serving it. The
// access-log middleware allocates one per request and puts it in the
// request context; the stages inside (routing, authentication,
// authorization, rate limiting, the upstream transport) fill its fields, and
// the access log and the metrics read them when the response is done.
//
// A Record belongs to one request and is written by the goroutine that
// serves it; it needs no locking. Every field's zero value means "did not
// happen" (no route matched, no credential seen, …).
type Record struct {
	// RequestID is the id the request was given (its X-Request-Id), for
	// events recorded deeper in that see only the context. Empty: none.
	RequestID string
	// Route is the name of the gateway route that matched, or the pattern of
	// one of rampart's own endpoints ("POST /oauth2/token"). Empty: none.
	Route string
	// AuthMethod is the kind of credential the request carried ("jwt",
	// "api_key", "basic", "mtls", "introspection"), whether it was accepted
	// or not. Empty: no credential was looked at.
	AuthMethod string
	// AuthOutcome is "success", "failure" (a credential was refused) or
	// "missing" (a route needed one and none was sent). Empty: no
	// authentication on this request.
	AuthOutcome string
	// UserName and UserID identify the authenticated user (or client).
	UserName, UserID string
	// ClientID is the OAuth client the credential was issued to, if any.
	ClientID string
	// Decision is the authorization decision: "allow", "deny" or empty.
	Decision string
	// RateLimit is "admitted", "limited" or "error" (the backend could not
	// decide). Empty: no rate limit applied.
	RateLimit string
	// RateLimitPolicy names the policy that refused the request, if any.
	RateLimitPolicy string
	// UpstreamStatus is the upstream's status code; 0 when no response came.
	UpstreamStatus int
	// UpstreamDuration is how long the upstream took to send its response
	// headers (or to fail).
	UpstreamDuration time.Duration
	// UpstreamError is the kind of upstream failure: "timeout", "connect",
	// "canceled" or "error". Empty when the upstream answered.
	UpstreamError string
	// Blocked reports that the brute-force detector refused the client IP.
	Blocked bool
}

type recordKey struct{}

// WithRecord returns a context carrying rec.
func WithRecord(ctx context.Context, rec *Record) context.Context {
	return context.WithValue(ctx, recordKey{}, rec)
}

// RecordFrom returns the request's Record, or nil when the request did not
// pass through the access-log middleware (a nil *Record is safe to pass to
// the Set methods).
func RecordFrom(ctx context.Context) *Record {
	rec, _ := ctx.Value(recordKey{}).(*Record)
	return rec
}

// SetRequestID records the request id; it is safe on a nil Record.
func (r *Record) SetRequestID(id string) {
	if r != nil {
		r.RequestID = id
	}
}

// SetRoute records the route name; it is safe on a nil Record.
func (r *Record) SetRoute(name string) {
	if r != nil {
		r.Route = name
	}
}

// recordingWriter counts the status and body bytes of a response. It
// implements Unwrap, so http.ResponseController reaches the Flusher,
// Hijacker and deadlines of the writer beneath.
type recordingWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// WriteHeader implements http.ResponseWriter.
func (w *recordingWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher (ReverseProxy flushes streamed responses).
func (w *recordingWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the writer beneath, for http.ResponseController.
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
