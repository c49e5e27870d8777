package secheaders

import (
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// originSyntax returns why o cannot be an allowed CORS origin, with a
// sentinel when one applies, or "". An origin is scheme://host[:port] as
// browsers serialize it (RFC 6454 §6.2); the host may start with the
// wildcard label "*.".
func originSyntax(o string, credentials bool) (string, error) {
	if strings.EqualFold(o, "null") {
		return ErrNullOrigin.Error(), ErrNullOrigin
	}
	for i := 0; i < len(o); i++ {
		if c := o[i]; c <= ' ' || c >= 0x7f {
			return "contains a space, control or non-ASCII byte (write an international host in punycode, xn--)", nil
		}
	}
	scheme, rest, ok := strings.Cut(o, "://")
	if !ok || !isScheme(scheme) {
		return "not scheme://host[:port]", nil
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return "an origin has no path, query or fragment (not even a trailing /)", nil
	}
	if strings.Contains(rest, "@") {
		return "an origin has no user info", nil
	}
	host, port := rest, ""
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "unclosed [ in host", nil
		}
		host, port = rest[:end+1], rest[end+1:]
	} else if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		host, port = rest[:i], rest[i:]
	}
	if port != "" {
		n, err := strconv.Atoi(port[1:])
		switch {
		case port[0] != ':' || err != nil || n < 1 || n > 65535 || port[1] == '0' || port[1] == '+':
			return "port is not a number from 1 to 65535", nil
		case defaultPort(scheme) == n:
			return "browsers leave the default port out of Origin: write it without " + port, nil
		}
	}
	wildcard := false
	if base, ok := strings.CutPrefix(host, "*."); ok {
		wildcard, host = true, base
	}
	if strings.Contains(host, "*") {
		return `a wildcard must be the whole left-most label, as in "https://*.example.com"`, nil
	}
	ip := false
	if strings.HasPrefix(host, "[") {
		if wildcard || len(host) < 2 || host[len(host)-1] != ']' {
			return "bracketed host is not an IPv6 address", nil
		}
		a, err := netip.ParseAddr(host[1 : len(host)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "bracketed host is not an IPv6 address", nil
		}
		ip = true
	} else if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
		ip = true
	} else if !isDNSLabels(strings.ToLower(host)) {
		return "host is not a DNS name or IP address", nil
	} else if last := host[strings.LastIndexByte(host, '.')+1:]; strings.Trim(last, "0123456789") == "" {
		// Browsers parse such a host as an IPv4 address ("1.2.3" is 1.2.0.3).
		return "host ends in a number but is not a dotted-quad IPv4 address", nil
	}
	if wildcard {
		if ip {
			return "a wildcard needs a domain name, not an IP address", nil
		}
		base := strings.ToLower(host)
		if suffix, _ := publicsuffix.PublicSuffix(base); suffix == base {
			return strconv.Quote(base) + " is a public suffix: the wildcard would allow anyone's site under it", nil
		}
	}
	if credentials && strings.EqualFold(scheme, "http") && !isLoopback(host, ip) {
		return "plain-http origin with Credentials: a network attacker can inject script into it and read users' responses; use https", nil
	}
	return "", nil
}

// isScheme reports whether s is a URL scheme (RFC 3986 §3.1).
func isScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// defaultPort returns the port browsers omit from origins of scheme, or 0.
func defaultPort(scheme string) int {
	switch strings.ToLower(scheme) {
	case "http", "ws":
		return 80
	case "https", "wss":
		return 443
	}
	return 0
}

// isLoopback reports whether host (IP literal when ip) is the local machine.
func isLoopback(host string, ip bool) bool {
	if !ip {
		h := strings.ToLower(host)
		return h == "localhost" || strings.HasSuffix(h, ".localhost")
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && a.IsLoopback()
}

// isDNSLabels reports whether s is one or more lower-case DNS labels
// separated by dots: letters, digits and inner dashes, 1 to 63 bytes each.
// It is how a wildcard's stand-in is checked, so "evil.com/" or an empty
// label never matches.
func isDNSLabels(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
