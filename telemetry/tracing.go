package telemetry

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TracingConfig configures the OTLP trace exporter.
type TracingConfig struct {
	// OTLPEndpoint is the collector's OTLP/HTTP traces URL, such as
	// "http://otel-collector:4318/v1/traces" (a URL without a path gets
	// /v1/traces). Required.
	OTLPEndpoint string
	// ServiceName is the service.name resource attribute. Empty: "rampart".
	ServiceName string
	// SampleRatio is the share of new traces that are sampled, 0 to 1; a
	// request that arrives with a sampled traceparent is always sampled.
	SampleRatio float64
}

// NewTracerProvider returns a tracer provider that batches spans to the
// OTLP/HTTP collector at cfg.OTLPEndpoint. Call its Shutdown when done, to
// flush the last spans.
func NewTracerProvider(ctx context.Context, cfg TracingConfig) (*sdktrace.TracerProvider, error) {
	if cfg.OTLPEndpoint == "" {
		return nil, fmt.Errorf("tracing: no OTLP endpoint")
	}
	u, err := url.Parse(cfg.OTLPEndpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tracing: OTLP endpoint %q is not an http(s) URL", cfg.OTLPEndpoint)
	}
	if u.Path == "" || u.Path == "/" {
		// The exporter posts to the URL's path as it is; a collector's
		// OTLP/HTTP receiver takes traces at /v1/traces.
		u.Path = "/v1/traces"
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(u.String()))
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	name := cfg.ServiceName
	if name == "" {
		name = "rampart"
	}
	return sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", name))),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SampleRatio))),
	), nil
}

// propagator is W3C Trace Context only: traceparent and tracestate.
func propagator() propagation.TextMapPropagator { return propagation.TraceContext{} }

// TraceHandler wraps h in an OpenTelemetry server span per request. A W3C
// traceparent the client sent becomes the span's parent. The span is named
// after the method and, once the request is done, its route (Middleware
// sets http.route from the Record).
func TraceHandler(h http.Handler, tp trace.TracerProvider) http.Handler {
	return otelhttp.NewHandler(h, "rampart",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(propagator()),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }),
	)
}

// TraceTransport wraps rt so each upstream request is a client span, child
// of the request's server span, and carries its traceparent to the upstream.
func TraceTransport(rt http.RoundTripper, tp trace.TracerProvider) http.RoundTripper {
	return otelhttp.NewTransport(rt,
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(propagator()),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return "upstream " + r.Method }),
	)
}

// nameSpan gives the request's server span its route, when there is one.
func nameSpan(ctx context.Context, method, route string) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	span.SetName(method + " " + route)
	span.SetAttributes(attribute.String("http.route", route))
}
