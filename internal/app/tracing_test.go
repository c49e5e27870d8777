package app

import (
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestTraceReachesUpstream checks that a request's server span continues
// the caller's trace, the upstream call is a client span child of it, and
// the upstream receives a traceparent of the same trace.
func TestTraceReachesUpstream(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	r := newRig(t, "", func(a *App) { a.TracerProvider = tp })

	const traceID = "0af7651916cd43dd8448eb211c80319c"
	if code, body := r.do(t, "GET", "/open", nil, map[string]string{"Traceparent": "00-" + traceID + "-b7ad6b7169203331-01"}); code != 200 {
		t.Fatalf("GET /open: %d %s", code, body)
	}
	upHdr := <-r.upHeaders
	spans := rec.Ended()
	var server, client sdktrace.ReadOnlySpan
	for _, s := range spans {
		switch s.SpanKind() {
		case trace.SpanKindServer:
			server = s
		case trace.SpanKindClient:
			client = s
		}
	}
	if server == nil || client == nil {
		t.Fatalf("want a server and a client span, got %d spans", len(spans))
	}
	if got := server.SpanContext().TraceID().String(); got != traceID {
		t.Errorf("server span trace id %s, want the caller's %s", got, traceID)
	}
	if got := server.Parent().SpanID().String(); got != "b7ad6b7169203331" {
		t.Errorf("server span parent %s, want the caller's span", got)
	}
	if client.Parent().SpanID() != server.SpanContext().SpanID() || client.SpanContext().TraceID() != server.SpanContext().TraceID() {
		t.Errorf("client span %v is not a child of server span %v", client.Parent(), server.SpanContext())
	}
	if server.Name() != "GET open" {
		t.Errorf("server span name %q, want %q", server.Name(), "GET open")
	}
	tpHdr := upHdr.Get("Traceparent")
	want := "00-" + traceID + "-" + client.SpanContext().SpanID().String() + "-01"
	if tpHdr != want {
		t.Errorf("upstream got traceparent %q, want %q", tpHdr, want)
	}
	lines := r.accessLines(t)
	if len(lines) != 1 || lines[0]["trace.id"] != traceID || lines[0]["span.id"] != server.SpanContext().SpanID().String() {
		t.Errorf("access log trace ids: %v", lines)
	}
}

// TestTraceparentPassesWithoutTracing checks that with tracing off the
// caller's traceparent still reaches the upstream unchanged.
func TestTraceparentPassesWithoutTracing(t *testing.T) {
	r := newRig(t, "", nil)
	const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	r.do(t, "GET", "/open", nil, map[string]string{"Traceparent": tp})
	if got := (<-r.upHeaders).Get("Traceparent"); got != tp {
		t.Errorf("upstream got traceparent %q, want %q", got, tp)
	}
}
