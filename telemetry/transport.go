package telemetry

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Transport returns a RoundTripper that records each upstream exchange in
// the request's Record: the upstream's status and how long it took to
// answer, or the kind of failure. Requests without a Record pass through.
func Transport(next http.RoundTripper) http.RoundTripper {
	return &recordingTransport{next: next}
}

type recordingTransport struct{ next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := RecordFrom(req.Context())
	if rec == nil {
		return t.next.RoundTrip(req)
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	rec.RecordUpstream(time.Since(start), resp, err)
	return resp, err
}

// RecordUpstream records one upstream exchange that took d: the status of
// resp, or the kind of err. It is safe on a nil Record.
func (r *Record) RecordUpstream(d time.Duration, resp *http.Response, err error) {
	if r == nil {
		return
	}
	r.UpstreamDuration = d
	if err != nil {
		r.UpstreamError = UpstreamErrorKind(err)
		return
	}
	r.UpstreamStatus = resp.StatusCode
}

// CloseIdleConnections closes the idle connections of the transport beneath.
func (t *recordingTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// UpstreamErrorKind sorts an upstream failure into a small fixed set, fit
// for a metric label: "timeout", "canceled", "connect" or "error".
func UpstreamErrorKind(err error) string {
	var ne net.Error
	var op *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &op) && op.Op == "dial":
		return "connect"
	default:
		return "error"
	}
}
