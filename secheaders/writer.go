package secheaders

import (
	"bufio"
	"net"
	"net/http"
)

// A hook edits the header map of a response just before it is written.
type hook interface {
	// final edits the headers of the final response, once.
	final(h http.Header)
	// informational edits the headers of a 1xx response other than 101,
	// each time one is written.
	informational(h http.Header)
}

// interceptor is a ResponseWriter that runs its hook when the status line is
// about to be written: at WriteHeader, at the first Write or Flush, or, when
// the handler wrote nothing, when finish is called after it returns (net/http
// then sends the header map as it stands). It is what lets a policy apply
// after a reverse proxy has copied an upstream's headers.
//
// It implements http.Flusher and http.Hijacker for callers that type-assert,
// and Unwrap for http.ResponseController, which reaches every other optional
// method (deadlines, full duplex) on the writer underneath.
type interceptor[H hook] struct {
	rw   http.ResponseWriter
	hook H
	done bool // the final response's headers are out (or the conn is hijacked)
}

// Compile-time interface guards.
var (
	_ http.ResponseWriter = (*interceptor[secState])(nil)
	_ http.Flusher        = (*interceptor[secState])(nil)
	_ http.Hijacker       = (*interceptor[secState])(nil)
)

// Header returns the header map of the underlying writer.
func (w *interceptor[H]) Header() http.Header { return w.rw.Header() }

// WriteHeader runs the hook and writes the status line. Informational codes
// (1xx but 101, which ends HTTP on the connection) get the informational
// hook and leave the final response to come.
func (w *interceptor[H]) WriteHeader(code int) {
	if !w.done {
		if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
			w.hook.informational(w.rw.Header())
		} else {
			w.done = true
			w.hook.final(w.rw.Header())
		}
	}
	w.rw.WriteHeader(code)
}

// Write writes body bytes, the headers first if they are not out yet.
func (w *interceptor[H]) Write(b []byte) (int, error) {
	w.finish()
	return w.rw.Write(b)
}

// finish runs the final hook if it has not run: the headers are about to be
// sent with an implicit 200, or the handler returned without writing.
func (w *interceptor[H]) finish() {
	if !w.done {
		w.done = true
		w.hook.final(w.rw.Header())
	}
}

// Flush implements http.Flusher. Flushing sends the headers, so they are
// completed first.
func (w *interceptor[H]) Flush() { _ = w.FlushError() }

// FlushError is the method http.ResponseController.Flush prefers: it flushes
// and reports http.ErrNotSupported when the writer underneath cannot.
func (w *interceptor[H]) FlushError() error {
	w.finish()
	return http.NewResponseController(w.rw).Flush()
}

// Hijack implements http.Hijacker by hijacking the writer underneath (or
// returning its error, http.ErrNotSupported on HTTP/2). The policy does not
// apply to what the hijacker writes on the raw connection.
func (w *interceptor[H]) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.rw).Hijack()
	if err == nil {
		w.done = true
	}
	return conn, brw, err
}

// Unwrap returns the writer underneath, for http.ResponseController.
func (w *interceptor[H]) Unwrap() http.ResponseWriter { return w.rw }
