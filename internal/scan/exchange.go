package scan

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/rampart-sec/rampart/telemetry"
)

// excerptBody is how many bytes of a body go into evidence.
const excerptBody = 600

// exchange is one request the scanner sent and the response it got.
type exchange struct {
	method  string
	url     *url.URL
	reqHead http.Header
	reqBody []byte
	status  int
	proto   string
	head    http.Header
	body    []byte
}

// ok reports a 2xx status.
func (e *exchange) ok() bool { return e.status >= 200 && e.status < 300 }

// denied reports a 401 or 403 status.
func (e *exchange) denied() bool {
	return e.status == http.StatusUnauthorized || e.status == http.StatusForbidden
}

// location is "METHOD /path?query" for reports.
func (e *exchange) location() string {
	return e.method + " " + e.url.RequestURI()
}

// evidence returns the redacted request and response excerpts.
func (e *exchange) evidence() Evidence {
	return Evidence{Request: e.requestExcerpt(), Response: e.responseExcerpt()}
}

func (e *exchange) requestExcerpt() string {
	var b strings.Builder
	u := *e.url
	u.RawQuery = telemetry.MaskQuery(u.RawQuery)
	fmt.Fprintf(&b, "%s %s HTTP/1.1\nHost: %s\n", e.method, u.RequestURI(), u.Host)
	writeHeaders(&b, e.reqHead, "User-Agent")
	if len(e.reqBody) > 0 {
		b.WriteString("\n")
		b.WriteString(clip(e.reqBody, excerptBody))
	}
	return strings.TrimRight(b.String(), "\n")
}

func (e *exchange) responseExcerpt() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d %s\n", e.proto, e.status, http.StatusText(e.status))
	writeHeaders(&b, e.head, "Date", "Content-Length")
	if len(e.body) > 0 {
		b.WriteString("\n")
		b.WriteString(clip(e.body, excerptBody))
	}
	return strings.TrimRight(b.String(), "\n")
}

// writeHeaders writes h sorted, redacting credentials and skipping skip.
func writeHeaders(b *strings.Builder, h http.Header, skip ...string) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if containsFold(skip, k) {
			continue
		}
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s: %s\n", k, redactHeader(k, v))
		}
	}
}

// redactHeader hides all but the start of credential-bearing header values:
// every header telemetry.SensitiveKey names, custom --header credentials
// (X-Auth-Token, Private-Token, …) included.
func redactHeader(name, v string) string {
	if telemetry.SensitiveKey(name) {
		return redactSecret(v)
	}
	return v
}

// redactSecret keeps a scheme word and the first few characters of a secret.
func redactSecret(v string) string {
	scheme, rest, found := strings.Cut(v, " ")
	if !found {
		scheme, rest = "", v
	} else {
		scheme += " "
	}
	if len(rest) <= 8 {
		return scheme + "[redacted]"
	}
	return scheme + rest[:6] + "…[redacted]"
}

// clip returns at most n bytes of b as valid UTF-8, marking a cut.
func clip(b []byte, n int) string {
	if len(b) <= n {
		return strings.ToValidUTF8(string(b), "?")
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return strings.ToValidUTF8(string(b[:cut]), "?") + fmt.Sprintf("…[%d more bytes]", len(b)-cut)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
