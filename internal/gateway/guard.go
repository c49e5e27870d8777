package gateway

import (
	"net/http"
	"strings"

	"github.com/rampart-sec/rampart/internal/problem"
)

// maxAuthorizationBytes bounds the Authorization header (a JWT is ~1 KiB).
const maxAuthorizationBytes = 8 << 10

// guardAuthorization refuses malformed Authorization headers with 400 before
// any authenticator sees them (RFC 6750 §3.1 invalid_request): more than one
// header, oversized values, characters outside visible ASCII, a scheme with
// no credentials, or a bearer token with inner white space.
func guardAuthorization(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vals := r.Header.Values("Authorization")
		if len(vals) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if reason := malformedAuthorization(vals); reason != "" {
			problem.Write(w, http.StatusBadRequest, "Bad Request", "Malformed Authorization header: "+reason+".")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func malformedAuthorization(vals []string) string {
	if len(vals) > 1 {
		return "sent more than once"
	}
	v := vals[0]
	if len(v) > maxAuthorizationBytes {
		return "too long"
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			return "characters outside visible ASCII"
		}
	}
	scheme, cred, _ := strings.Cut(strings.TrimSpace(v), " ")
	if scheme == "" || strings.TrimSpace(cred) == "" {
		return "a scheme needs credentials"
	}
	if strings.EqualFold(scheme, "Bearer") && strings.ContainsAny(strings.TrimSpace(cred), " \t") {
		return "a bearer token has no spaces"
	}
	return ""
}
