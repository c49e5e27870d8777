// Package problem writes RFC 9457 problem+json error responses, the one
// error body every rampart endpoint outside the OAuth protocol uses. Details
// are public text: never put internals in them.
package problem

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Body renders a problem document (type about:blank).
func Body(status int, title, detail string) []byte {
	b, _ := json.Marshal(struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}{"about:blank", title, status, detail})
	return append(b, '\n')
}

// Write writes a problem response. It is never cached and never sniffed.
func Write(w http.ResponseWriter, status int, title, detail string) {
	WriteBody(w, status, Body(status, title, detail))
}

// WriteBody writes a body made by Body, for callers that render it once.
func WriteBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
