// Package telemetry makes rampart observable: a per-request Record that the
// request's stages fill, an access log in Elastic Common Schema (ECS) field
// names, a slog handler that masks credentials in every log line, Prometheus
// metrics, OpenTelemetry tracing helpers and a brute-force detector.
//
// Nothing here is global: the logger, the Prometheus registry and the
// OpenTelemetry tracer provider are passed in, so two servers in one process
// (or two tests) never share state.
//
// The usual chain, outermost first, is
//
//	tracing (otelhttp) → client IP → AccessLog → Detector.Middleware → handlers
//
// and every stage inside reads and fills the request's Record (RecordFrom).
package telemetry
