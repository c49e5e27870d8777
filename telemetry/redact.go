package telemetry

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// Redacted replaces every masked value.
const Redacted = "[REDACTED]"

// RedactingHandler is a slog.Handler that masks credentials before the
// handler beneath sees a record, so no caller has to remember to:
//
//   - attributes whose key names a credential (Authorization, Cookie,
//     Set-Cookie, Proxy-Authorization, X-Api-Key, password, secret, token,
//     client_secret, refresh_token, api_key, master_key, …; see
//     SensitiveKey) have their value replaced by [REDACTED];
//   - http.Header and url.Values values have those entries masked;
//   - every other string — the message, string attributes, error messages,
//     fmt.Stringer values — is passed through Scrub, which masks bearer and
//     basic credentials, JWTs, rampart API keys, long random tokens,
//     credential query parameters and passwords in URLs.
//
// It holds at every level, debug included. slog calls Handle only for
// records the handler beneath is enabled for, so a dropped record costs no
// masking.
type RedactingHandler struct {
	next slog.Handler
}

var _ slog.Handler = (*RedactingHandler)(nil)

// NewRedactingHandler wraps next.
func NewRedactingHandler(next slog.Handler) *RedactingHandler {
	return &RedactingHandler{next: next}
}

// Enabled implements slog.Handler.
func (h *RedactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *RedactingHandler) Handle(ctx context.Context, r slog.Record) error {
	nr := slog.NewRecord(r.Time, r.Level, Scrub(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(RedactAttr(a))
		return true
	})
	return h.next.Handle(ctx, nr)
}

// WithAttrs implements slog.Handler.
func (h *RedactingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = RedactAttr(a)
	}
	return &RedactingHandler{next: h.next.WithAttrs(out)}
}

// WithGroup implements slog.Handler.
func (h *RedactingHandler) WithGroup(name string) slog.Handler {
	return &RedactingHandler{next: h.next.WithGroup(name)}
}

// RedactAttr returns a with credentials masked (see RedactingHandler).
func RedactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if SensitiveKey(a.Key) && !isEmpty(v) {
		return slog.String(a.Key, Redacted)
	}
	switch v.Kind() {
	case slog.KindString:
		if s := v.String(); needsScrub(s) {
			return slog.String(a.Key, Scrub(s))
		}
		return slog.Attr{Key: a.Key, Value: v}
	case slog.KindGroup:
		gs := v.Group()
		out := make([]slog.Attr, len(gs))
		for i, g := range gs {
			out[i] = RedactAttr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		return slog.Attr{Key: a.Key, Value: redactAny(v.Any())}
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}

func isEmpty(v slog.Value) bool {
	return v.Kind() == slog.KindString && v.String() == ""
}

func redactAny(x any) slog.Value {
	switch v := x.(type) {
	case nil:
		return slog.AnyValue(nil)
	case error:
		return slog.StringValue(Scrub(v.Error()))
	case http.Header:
		return slog.AnyValue(RedactHeader(v))
	case url.Values:
		return slog.AnyValue(redactValues(v))
	case *url.URL:
		if v == nil {
			return slog.AnyValue(nil)
		}
		return slog.StringValue(Scrub(v.Redacted()))
	case []string:
		out := make([]string, len(v))
		for i, s := range v {
			out[i] = Scrub(s)
		}
		return slog.AnyValue(out)
	case fmt.Stringer:
		return slog.StringValue(Scrub(v.String()))
	case []byte:
		return slog.StringValue(Scrub(string(v)))
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return slog.AnyValue(v)
	default:
		// Structs, maps and the like would be marshalled by the handler
		// beneath without a look at their strings: render and scrub them.
		return slog.StringValue(Scrub(fmt.Sprintf("%+v", v)))
	}
}

// RedactHeader returns a copy of h with credential-bearing headers masked
// (see SensitiveKey) and the other values scrubbed.
func RedactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if SensitiveKey(k) {
			out[k] = []string{Redacted}
			continue
		}
		c := make([]string, len(vs))
		for i, s := range vs {
			c[i] = Scrub(s)
		}
		out[k] = c
	}
	return out
}

func redactValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, vs := range q {
		if SensitiveParam(k) || SensitiveKey(k) {
			out[k] = []string{Redacted}
			continue
		}
		c := make([]string, len(vs))
		for i, s := range vs {
			c[i] = Scrub(s)
		}
		out[k] = c
	}
	return out
}

// SensitiveKey reports whether a log attribute or header named key carries a
// credential. The last dotted segment is compared, case-insensitively, with
// '-' and '_' alike: "http.request.headers.authorization", "X-Api-Key",
// "client_secret", "db_password", "refresh_token" all are.
func SensitiveKey(key string) bool {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		key = key[i+1:]
	}
	if len(key) < 3 || len(key) > 64 {
		return false
	}
	var buf [64]byte
	k := buf[:len(key)]
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == '-':
			c = '_'
		}
		k[i] = c
	}
	s := string(k) // does not escape: the compiler keeps it on the stack
	switch s {
	case "authorization", "proxy_authorization", "cookie", "set_cookie", "x_api_key", "api_key", "apikey",
		"x_auth_token", "x_csrf_token", "private_key", "master_key", "credential", "credentials", "client_assertion", "assertion",
		"code_verifier", "dsn":
		return true
	}
	if strings.HasSuffix(s, "fingerprint") || strings.HasSuffix(s, "_type") || strings.HasSuffix(s, "_ttl") || strings.HasPrefix(s, "tokens_") {
		return false
	}
	return strings.Contains(s, "password") || strings.Contains(s, "passwd") || strings.Contains(s, "secret") ||
		strings.Contains(s, "token") || strings.HasSuffix(s, "api_key") || strings.HasSuffix(s, "session")
}

// sensitiveParams are the query and form parameters whose values are masked
// wherever they appear: OAuth credentials and codes, tokens, API keys,
// passwords, and the state and nonce that bind an authorization request.
var sensitiveParams = [...]string{
	"access_token", "refresh_token", "id_token", "id_token_hint", "token", "code", "code_verifier",
	"client_secret", "client_assertion", "assertion", "password", "passwd", "pwd", "secret",
	"api_key", "apikey", "key", "state", "nonce", "session", "sig", "signature", "auth", "jwt",
}

// SensitiveParam reports whether a query or form parameter named name
// carries a credential and is masked in logs (case-insensitive).
func SensitiveParam(name string) bool {
	for _, p := range sensitiveParams {
		if strings.EqualFold(name, p) {
			return true
		}
	}
	return false
}

// MaskQuery returns the raw query with the values of credential parameters
// (SensitiveParam) replaced by [REDACTED] and every other value scrubbed,
// keeping the parameters' order and names. It allocates only when it
// changes something.
func MaskQuery(raw string) string {
	changed := false
	for rest := raw; rest != "" && !changed; {
		var part string
		part, rest, _ = strings.Cut(rest, "&")
		changed = maskPair(part) != part
	}
	if !changed {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, part := range parts {
		parts[i] = maskPair(part)
	}
	return strings.Join(parts, "&")
}

// maskPair masks one name=value pair of a query; it returns part itself
// when nothing needs masking.
func maskPair(part string) string {
	name, value, ok := strings.Cut(part, "=")
	if !ok || value == "" {
		return part
	}
	if SensitiveParam(name) {
		return name + "=" + Redacted
	}
	if strings.IndexByte(name, '%') >= 0 || strings.IndexByte(name, '+') >= 0 {
		if n, err := url.QueryUnescape(name); err == nil && SensitiveParam(n) {
			return name + "=" + Redacted
		}
	}
	v := value
	if strings.ContainsAny(value, "%+") {
		if u, err := url.QueryUnescape(value); err == nil {
			v = u
		}
	}
	if !needsScrub(v) {
		return part
	}
	if s := Scrub(v); s != v {
		return name + "=" + url.QueryEscape(s)
	}
	return part
}
