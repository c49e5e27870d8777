package app

import (
	"context"
	"net/http"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/rampart-sec/rampart/telemetry"
)

// startTracing builds the OTLP tracer provider when tracing.otlp_endpoint
// is set and no TracerProvider was given; stop flushes and closes it.
func (a *App) startTracing(ctx context.Context) (stop func(), err error) {
	t := a.Config.Tracing
	if a.TracerProvider != nil || t.OTLPEndpoint == "" {
		return nil, nil
	}
	tp, err := telemetry.NewTracerProvider(ctx, telemetry.TracingConfig{OTLPEndpoint: t.OTLPEndpoint, ServiceName: t.ServiceName, SampleRatio: t.SampleRatio})
	if err != nil {
		return nil, err
	}
	a.TracerProvider = tp
	// Export failures go to rampart's log, not as bare lines on stderr.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { a.Log.Warn("exporting traces", "error", err) }))
	a.Log.Info("exporting traces", "otlp_endpoint", t.OTLPEndpoint, "sample_ratio", t.SampleRatio)
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := tp.Shutdown(sctx); err != nil {
			a.Log.Warn("flushing traces", "error", err)
		}
	}, nil
}

// traceTransport wraps an upstream transport in client spans when tracing is on.
func (a *App) traceTransport(rt http.RoundTripper) http.RoundTripper {
	if a.TracerProvider == nil {
		return rt
	}
	return telemetry.TraceTransport(rt, a.TracerProvider)
}
