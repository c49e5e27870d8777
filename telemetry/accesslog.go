package telemetry

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// ECSVersion is the Elastic Common Schema version the access log follows.
const ECSVersion = "8.11.0"

// MiddlewareOptions configure Middleware. The zero value records nothing
// but still puts a Record in every request context.
type MiddlewareOptions struct {
	// AccessLog receives one line per request (see Middleware). Nil: no
	// access log. Build it with NewAccessLogger for ECS output.
	AccessLog *slog.Logger
	// Metrics counts every request. Nil: no metrics.
	Metrics *Metrics
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
}

// Middleware puts a fresh Record in each request's context, serves the
// request, then writes one access-log line and updates the metrics from
// what the stages recorded. Client IP is read with clientIP (the entry
// point's decision); the route label is the Record's Route, else the
// http.ServeMux pattern that served the request, else "unmatched".
//
// The access-log line uses ECS names: @timestamp, ecs.version, event.kind,
// event.category, event.type, event.outcome, event.duration (ns),
// http.request.method, http.request.id, http.version, url.path, url.query
// (credentials masked by MaskQuery), url.domain, http.request.referrer,
// http.response.status_code, http.response.body.bytes, client.ip,
// user.name, user.id, user_agent.original, trace.id, span.id; and
// rampart's own under rampart.*: route, auth.method, auth.outcome,
// authz.decision, ratelimit.outcome, ratelimit.policy, client_id,
// upstream.status_code, upstream.duration (ns), upstream.error, blocked.
func Middleware(opts MiddlewareOptions, clientIP func(*http.Request) string) func(http.Handler) http.Handler {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := now()
			st := &requestState{recordingWriter: recordingWriter{ResponseWriter: w}}
			r2 := r.WithContext(WithRecord(r.Context(), &st.rec))
			next.ServeHTTP(&st.recordingWriter, r2)
			status := st.status
			if status == 0 {
				status = http.StatusOK
			}
			d := now().Sub(start)
			route := st.rec.Route
			if route == "" {
				route = routeFromPattern(r2.Pattern)
			}
			opts.Metrics.ObserveRequest(&st.rec, route, r.Method, status, d)
			nameSpan(r2.Context(), r.Method, route)
			if opts.AccessLog != nil {
				writeAccessLine(r2.Context(), opts.AccessLog, r2, w.Header(), &st.rec, route, status, st.bytes, d, clientIP)
			}
		})
	}
}

// requestState is the one allocation per request: the Record and the
// response recorder together.
type requestState struct {
	recordingWriter
	rec Record
}

func routeFromPattern(p string) string {
	if p == "" || p == "/" {
		return "unmatched"
	}
	return p
}

// writeAccessLine logs one request in ECS field names.
func writeAccessLine(ctx context.Context, log *slog.Logger, r *http.Request, respHeader http.Header, rec *Record, route string,
	status int, bytes int64, d time.Duration, clientIP func(*http.Request) string) {
	outcome := "success"
	if status >= 400 {
		outcome = "failure"
	}
	attrs := make([]slog.Attr, 0, 32)
	attrs = append(attrs,
		slog.String("ecs.version", ECSVersion),
		slog.String("event.kind", "event"),
		slog.String("event.category", "web"),
		slog.String("event.type", "access"),
		slog.String("event.dataset", "rampart.access"),
		slog.String("event.outcome", outcome),
		slog.Int64("event.duration", int64(d)),
		slog.String("http.request.method", r.Method),
		slog.String("http.version", httpVersion(r)),
		slog.String("url.path", Scrub(r.URL.Path)),
		slog.String("url.domain", hostOnly(r.Host)),
		slog.Int("http.response.status_code", status),
		slog.Int64("http.response.body.bytes", bytes),
		slog.String("rampart.route", route),
	)
	if q := r.URL.RawQuery; q != "" {
		attrs = append(attrs, slog.String("url.query", MaskQuery(q)))
	}
	if id := respHeader.Get("X-Request-Id"); id != "" {
		attrs = append(attrs, slog.String("http.request.id", Scrub(id)))
	}
	if ip := clientIP(r); ip != "" {
		attrs = append(attrs, slog.String("client.ip", ip))
	}
	if ua := r.Header.Get("User-Agent"); ua != "" {
		attrs = append(attrs, slog.String("user_agent.original", Scrub(ua)))
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		attrs = append(attrs, slog.String("http.request.referrer", scrubURL(ref)))
	}
	if traceID, spanID := traceIDs(ctx, r); traceID != "" {
		attrs = append(attrs, slog.String("trace.id", traceID), slog.String("span.id", spanID))
	}
	attrs = appendStr(attrs, "user.name", rec.UserName)
	attrs = appendStr(attrs, "user.id", rec.UserID)
	attrs = appendStr(attrs, "rampart.client_id", rec.ClientID)
	attrs = appendStr(attrs, "rampart.auth.method", rec.AuthMethod)
	attrs = appendStr(attrs, "rampart.auth.outcome", rec.AuthOutcome)
	attrs = appendStr(attrs, "rampart.authz.decision", rec.Decision)
	if rec.RateLimit != "" {
		attrs = append(attrs, slog.String("rampart.ratelimit.outcome", rec.RateLimit))
		if rec.RateLimitPolicy != "" {
			attrs = append(attrs, slog.String("rampart.ratelimit.policy", rec.RateLimitPolicy))
		}
	}
	if rec.UpstreamStatus != 0 || rec.UpstreamError != "" {
		attrs = append(attrs, slog.Int64("rampart.upstream.duration", int64(rec.UpstreamDuration)))
		if rec.UpstreamStatus != 0 {
			attrs = append(attrs, slog.Int("rampart.upstream.status_code", rec.UpstreamStatus))
		}
		if rec.UpstreamError != "" {
			attrs = append(attrs, slog.String("rampart.upstream.error", rec.UpstreamError))
		}
	}
	if rec.Blocked {
		attrs = append(attrs, slog.Bool("rampart.blocked", true))
	}
	log.LogAttrs(ctx, slog.LevelInfo, "access", attrs...)
}

// traceIDs returns the request's trace and span ids: those of the server
// span when tracing is on, else those of a W3C traceparent the client sent.
func traceIDs(ctx context.Context, r *http.Request) (traceID, spanID string) {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		return sc.TraceID().String(), sc.SpanID().String()
	}
	// version "-" trace-id "-" parent-id "-" flags: 2+1+32+1+16+1+2 bytes.
	tp := r.Header.Get("Traceparent")
	if len(tp) < 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-' || !isLowerHex(tp[3:35]) || !isLowerHex(tp[36:52]) ||
		tp[3:35] == "00000000000000000000000000000000" {
		return "", ""
	}
	return tp[3:35], tp[36:52]
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func httpVersion(r *http.Request) string {
	switch {
	case r.ProtoMajor == 1 && r.ProtoMinor == 1:
		return "1.1"
	case r.ProtoMajor == 2:
		return "2"
	case r.ProtoMajor == 1 && r.ProtoMinor == 0:
		return "1.0"
	case r.ProtoMajor == 3:
		return "3"
	}
	return strings.TrimPrefix(r.Proto, "HTTP/")
}

func hostOnly(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		return h[:i]
	}
	return h
}

// scrubURL masks a URL's query credentials and user password.
func scrubURL(s string) string {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i+1] + MaskQuery(s[i+1:])
	}
	return Scrub(s)
}

// NewAccessLogger returns a logger that writes ECS JSON lines to w: the
// time as @timestamp, the message as message, the level as log.level.
// Middleware masks every field it writes that a client controls (path,
// query, user agent, referrer, request id) before logging it, so the access
// logger needs no RedactingHandler — and saves its cost on every request.
// Log nothing else through it.
func NewAccessLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: ECSReplaceAttr}))
}

// ECSReplaceAttr renames slog's built-in keys to their ECS names
// (@timestamp, log.level, message) and writes the time in UTC; use it as
// slog.HandlerOptions.ReplaceAttr.
func ECSReplaceAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.TimeKey:
		if t, ok := a.Value.Any().(time.Time); ok {
			return slog.Time("@timestamp", t.UTC())
		}
		a.Key = "@timestamp"
	case slog.LevelKey:
		a.Key = "log.level"
		if l, ok := a.Value.Any().(slog.Level); ok {
			a.Value = slog.StringValue(strings.ToLower(l.String()))
		}
	case slog.MessageKey:
		a.Key = "message"
	}
	return a
}

// appendStr appends the attribute unless v is empty.
func appendStr(attrs []slog.Attr, key, v string) []slog.Attr {
	if v == "" {
		return attrs
	}
	return append(attrs, slog.String(key, v))
}
