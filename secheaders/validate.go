package secheaders

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// maxValueLen bounds a header value of the policy. It leaves room for a CSP
// with many hashes while staying well under proxies' header buffers.
const maxValueLen = 8192

// Validate reports every invalid field of p at once, as [*FieldError]s joined
// with [errors.Join], or nil. It refuses header values with control
// characters (CR/LF injection), non-ASCII or surrounding space, and checks
// each header's syntax: CSP directives, HSTS max-age and preload rules, the
// tokens of X-Frame-Options, Referrer-Policy and the Cross-Origin-* headers,
// a Cache-Control on credentials that shared caches could store, header
// names in StripHeaders and KeepUpstream.
func (p Policy) Validate() error {
	var errs []error
	bad := func(name, value, reason string) {
		errs = append(errs, &FieldError{Field: "Policy." + name, Value: value, Reason: reason})
	}
	for _, f := range p.fields() {
		if f.value == "" || f.value == Omit {
			continue
		}
		if reason := checkValue(f.value); reason != "" {
			bad(f.name, f.value, reason)
			continue
		}
		if reason := syntaxOf(f.header)(f.value); reason != "" {
			bad(f.name, f.value, reason)
		}
	}
	for i, h := range p.StripHeaders {
		name := "StripHeaders[" + strconv.Itoa(i) + "]"
		switch {
		case !isToken(h):
			bad(name, h, "not a header name")
		case isPolicyHeader(http.CanonicalHeaderKey(h)):
			bad(name, h, "the policy sets this header: set its field to Omit to remove it")
		}
	}
	for i, h := range p.KeepUpstream {
		name := "KeepUpstream[" + strconv.Itoa(i) + "]"
		switch c := http.CanonicalHeaderKey(h); {
		case !isToken(h):
			bad(name, h, "not a header name")
		case !isPolicyHeader(c) && !slices.Contains(BannerHeaders(), c):
			bad(name, h, "neither set by the policy nor a banner it strips: other headers already pass through")
		}
	}
	return errors.Join(errs...)
}

// syntaxOf returns the syntax check of the policy header with canonical
// name c (it returns why a value is invalid, or ""), or nil when the policy
// does not set c.
func syntaxOf(c string) func(string) string {
	switch c {
	case headerCSP:
		return cspSyntax
	case headerFrameOptions:
		return frameOptionsSyntax
	case headerReferrerPolicy:
		return referrerSyntax
	case headerContentType:
		return func(v string) string {
			if !strings.EqualFold(v, "nosniff") {
				return `the only value is "nosniff"`
			}
			return ""
		}
	case headerHSTS:
		return hstsSyntax
	case headerCOOP:
		return coopSyntax
	case headerCORP:
		return func(v string) string {
			switch v {
			case "same-origin", "same-site", "cross-origin":
				return ""
			}
			return "must be same-origin, same-site or cross-origin"
		}
	case headerPermissions:
		return permissionsSyntax
	case headerCacheControl:
		return cacheControlSyntax
	}
	return nil
}

// isPolicyHeader reports whether the canonical header name c is one a
// Policy sets.
func isPolicyHeader(c string) bool { return syntaxOf(c) != nil }

// checkValue returns why v cannot be a header value of the policy, or "".
func checkValue(v string) string {
	if strings.TrimSpace(v) == "" {
		return "blank: leave it empty for the default, or use Omit"
	}
	if len(v) > maxValueLen {
		return "longer than " + strconv.Itoa(maxValueLen) + " bytes"
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\r' || c == '\n':
			return "contains CR or LF (header injection)"
		case c < 0x20 || c == 0x7f:
			return "contains a control character"
		case c >= 0x80:
			return "contains a non-ASCII byte"
		}
	}
	if v[0] == ' ' || v[len(v)-1] == ' ' {
		return "has leading or trailing space"
	}
	return ""
}

// isToken reports whether s is an RFC 9110 token (a header or directive name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// cspSyntax checks a Content-Security-Policy: one or more policies separated
// by commas, each of directives separated by semicolons, each directive a
// name of letters, digits and dashes followed by its sources. A directive
// repeated within a policy is refused: browsers ignore all but the first.
func cspSyntax(v string) string {
	for policy := range strings.SplitSeq(v, ",") {
		var seen []string
		for d := range strings.SplitSeq(policy, ";") {
			d = strings.TrimSpace(d)
			if d == "" {
				continue
			}
			name, _, _ := strings.Cut(d, " ")
			name = strings.ToLower(name)
			for i := 0; i < len(name); i++ {
				if c := name[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
					return "directive name " + strconv.Quote(name) + " is not letters, digits and dashes"
				}
			}
			if slices.Contains(seen, name) {
				return "directive " + strconv.Quote(name) + " repeated: browsers ignore all but the first"
			}
			seen = append(seen, name)
		}
		if len(seen) == 0 {
			return "a policy without directives"
		}
	}
	return ""
}

func coopSyntax(v string) string {
	token, params, _ := strings.Cut(v, ";")
	switch strings.TrimSpace(token) {
	case "same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none":
	default:
		return "must be same-origin, same-origin-allow-popups, noopener-allow-popups or unsafe-none"
	}
	return paramsSyntax(params)
}

func frameOptionsSyntax(v string) string {
	switch {
	case strings.EqualFold(v, "DENY"), strings.EqualFold(v, "SAMEORIGIN"):
		return ""
	case len(v) >= 10 && strings.EqualFold(v[:10], "ALLOW-FROM"):
		return "ALLOW-FROM is ignored by current browsers: use CSP frame-ancestors and Omit here"
	}
	return "must be DENY or SAMEORIGIN"
}

// referrerSyntax checks a comma-separated list of referrer policies (the
// last one a browser knows applies, so a list gives fallbacks).
func referrerSyntax(v string) string {
	for t := range strings.SplitSeq(v, ",") {
		switch t = strings.TrimSpace(t); t {
		case "no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
			"same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url":
		default:
			return strconv.Quote(t) + " is not a referrer policy"
		}
	}
	return ""
}

// hstsSyntax checks Strict-Transport-Security (RFC 6797 §6.1): max-age
// required, each directive once, no unknown directives (browsers would
// silently ignore a misspelt one), and the preload list's requirements.
func hstsSyntax(v string) string {
	maxAge := int64(-1)
	var sub, preload bool
	var seen []string
	for d := range strings.SplitSeq(v, ";") {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		name, val, hasVal := strings.Cut(d, "=")
		name, val = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(val)
		if slices.Contains(seen, name) {
			return "directive " + strconv.Quote(name) + " repeated"
		}
		seen = append(seen, name)
		switch name {
		case "max-age":
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || strings.TrimLeft(val, "0123456789") != "" {
				return "max-age " + strconv.Quote(val) + " is not a number of seconds"
			}
			maxAge = n
		case "includesubdomains", "preload":
			if hasVal {
				return "directive " + strconv.Quote(name) + " takes no value"
			}
			sub = sub || name == "includesubdomains"
			preload = preload || name == "preload"
		default:
			return "unknown directive " + strconv.Quote(name)
		}
	}
	switch {
	case maxAge < 0:
		return "max-age is required"
	case preload && (!sub || maxAge < 31536000):
		return "preload requires includeSubDomains and max-age of at least 31536000 (one year)"
	}
	return ""
}

// paramsSyntax checks structured-field parameters ";key=value;key".
func paramsSyntax(params string) string {
	for p := range strings.SplitSeq(params, ";") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if k, _, _ := strings.Cut(p, "="); !isToken(k) {
			return "parameter " + strconv.Quote(p) + " has no valid name"
		}
	}
	return ""
}

// permissionsSyntax checks the shape of a Permissions-Policy dictionary:
// members "feature=allowlist" separated by commas. It catches the older
// Feature-Policy syntax ("camera 'none'"), which Permissions-Policy ignores.
func permissionsSyntax(v string) string {
	for m := range strings.SplitSeq(v, ",") {
		m = strings.TrimSpace(m)
		k, val, ok := strings.Cut(m, "=")
		if !ok || strings.TrimSpace(val) == "" {
			return "member " + strconv.Quote(m) + " is not feature=allowlist (Feature-Policy syntax is not understood)"
		}
		for i := 0; i < len(k); i++ {
			if c := k[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '*') || i == 0 && !(c >= 'a' && c <= 'z') {
				return "feature name " + strconv.Quote(k) + " is not a lower-case key"
			}
		}
	}
	return ""
}

// cacheControlSyntax checks a Cache-Control for credentialed responses: its
// directives must keep shared caches from storing one user's response for
// another (RFC 9111 §3.5).
func cacheControlSyntax(v string) string {
	var safe bool
	for d := range strings.SplitSeq(v, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(d), "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !isToken(name) {
			return "directive " + strconv.Quote(d) + " has no valid name"
		}
		switch name {
		case "public", "s-maxage":
			return name + " lets shared caches store responses to credentialed requests"
		case "no-store", "private":
			safe = true
		}
	}
	if !safe {
		return "must contain no-store or private"
	}
	return ""
}
