package scan

import (
	"fmt"
	"io"
	"strings"
)

// writePlan prints what the scan will do, before it sends anything.
func writePlan(w io.Writer, s *session) {
	o := s.opts
	origin := s.target.Scheme + "://" + s.target.Host
	fmt.Fprintf(w, "rampart scan plan\n")
	fmt.Fprintf(w, "  target:     %s (every request stays on %s)\n", s.target.Redacted(), origin)
	if o.Active {
		fmt.Fprintf(w, "  mode:       ACTIVE: state-changing requests and attack payloads (SQL injection, SSRF canary, mass assignment) will be sent\n")
	} else {
		fmt.Fprintf(w, "  mode:       passive: safe methods only (plus a burst of failed logins); no attack payloads (--active adds them)\n")
	}
	fmt.Fprintf(w, "  limits:     at most %d requests, %g requests/s, %s timeout each\n", o.MaxRequests, o.Rate, o.Timeout)
	ids := "none (authentication checks limited to what needs no token)"
	switch {
	case o.Auth != "" && o.Auth2 != "":
		ids = "two (--auth, --auth2 as the lower-privileged one)"
	case o.Auth != "":
		ids = "one (--auth)"
	}
	fmt.Fprintf(w, "  identities: %s\n", ids)
	if s.ops != nil {
		fmt.Fprintf(w, "  operations: every operation documented in %s\n", s.opsFrom)
	} else {
		fmt.Fprintf(w, "  operations: discovered: %s, the target URL, and same-origin links\n", strings.Join(specLocations(), ", "))
	}
	fmt.Fprintf(w, "  checks:\n")
	for _, c := range checks() {
		fmt.Fprintf(w, "    %-10s %s\n", c.Name(), planLine(c.Name(), s))
	}
}

// planLine says what one family will do under these options.
func planLine(name string, s *session) string {
	o := s.opts
	switch name {
	case "transport":
		if s.target.Scheme == "https" {
			return "TLS versions, cipher suites, certificate, HSTS"
		}
		return "plain HTTP (TLS probes need an https target)"
	case "headers":
		return "security headers and version banners on every response"
	case "errors":
		return "stack traces and debug pages; GET of /debug, /actuator, /.env, /.git and similar"
	case "cors":
		return "foreign and null Origin on a sample of operations"
	case "methods":
		return "TRACE, TRACK and an unknown method" + when(o.Active, "; undocumented PUT/PATCH/DELETE", "")
	case "authn":
		return "each operation without and with a garbage token; guessable static tokens" + when(o.Auth != "", "; JWT weaknesses of --auth (offline secret crack, forged tokens on GET)", "")
	case "authz":
		if o.Auth == "" || o.Auth2 == "" {
			return "skipped: needs --auth and --auth2"
		}
		return "object- and function-level access of --auth2" + when(o.Active, "; writes and mass assignment", " (reads only without --active)")
	case "injection":
		if !o.Active {
			return "skipped: needs --active"
		}
		return "SQL error signatures; SSRF with a canary listener on loopback"
	case "inventory":
		return "exposed docs/specs; undocumented versions of documented paths"
	case "ratelimit":
		return fmt.Sprintf("a burst of %d requests to a login or data operation", o.Burst)
	}
	return ""
}

func when(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}
