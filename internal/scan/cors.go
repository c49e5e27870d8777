package scan

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// corsCheck sends a foreign Origin and the null Origin to a sample of
// operations and reads the CORS answer.
type corsCheck struct{}

func (corsCheck) Name() string { return "cors" }

// foreignOrigin is an origin no one owns (.invalid is reserved, RFC 2606).
const foreignOrigin = "https://rampart-scan.invalid"

func ruleCORSReflect() Rule {
	return newRule("cors-origin-reflected", "Any Origin reflected with credentials allowed", SeverityHigh,
		API8Misconfig, 942,
		"Allow only a fixed list of trusted origins; never echo the request's Origin, and send Access-Control-Allow-Credentials only for those origins.")
}

func ruleCORSNull() Rule {
	return newRule("cors-null-origin", "The null Origin is allowed", SeverityMedium,
		API8Misconfig, 942,
		"Never allow Origin: null; sandboxed iframes and local files send it, so any attacker page can too.")
}

func ruleCORSWildcard() Rule {
	return newRule("cors-wildcard-authenticated", "Access-Control-Allow-Origin: * on an authenticated endpoint", SeverityMedium,
		API8Misconfig, 942,
		"List the origins allowed to call authenticated endpoints instead of *.")
}

func (corsCheck) Rules() []Rule { return []Rule{ruleCORSReflect(), ruleCORSNull(), ruleCORSWildcard()} }

// corsSample picks up to five GET operations, protected ones first.
func corsSample(s *session) []Operation {
	var prot, rest []Operation
	for _, op := range s.ops {
		if op.Method != http.MethodGet {
			continue
		}
		if s.protected(op) {
			prot = append(prot, op)
		} else {
			rest = append(rest, op)
		}
	}
	all := append(prot, rest...)
	if len(all) > 5 {
		all = all[:5]
	}
	return all
}

func (c corsCheck) Run(ctx context.Context, s *session) ([]Finding, error) {
	var out []Finding
	seen := map[string]bool{}
	add := func(r Rule, ex *exchange, detail string) {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, newFinding(r, ex.location(), detail, ex.evidence()))
		}
	}
	// A fixed "*" shows without any Origin: read it off the baseline.
	for _, op := range s.ops {
		for _, ex := range []*exchange{s.anon(op), s.authed(op)} {
			if ex != nil && s.protected(op) && strings.TrimSpace(ex.head.Get("Access-Control-Allow-Origin")) == "*" {
				add(ruleCORSWildcard(), ex, "An operation that requires credentials allows every origin.")
			}
		}
	}
	for _, op := range corsSample(s) {
		prot := s.protected(op)
		for _, origin := range []string{foreignOrigin, "null"} {
			h := authHeader(s.opts.Auth)
			if h == nil {
				h = http.Header{}
			}
			h.Set("Origin", origin)
			ex, err := s.c.do(ctx, c.Name(), probe{method: http.MethodGet, path: op.target(nil), header: h})
			if err != nil {
				return out, err
			}
			acao := strings.TrimSpace(ex.head.Get("Access-Control-Allow-Origin"))
			creds := strings.EqualFold(strings.TrimSpace(ex.head.Get("Access-Control-Allow-Credentials")), "true")
			switch {
			case origin == foreignOrigin && acao == foreignOrigin && creds:
				add(ruleCORSReflect(), ex, fmt.Sprintf("The foreign Origin %s was echoed with Access-Control-Allow-Credentials: true, so any web page can read responses with the victim's cookies.", foreignOrigin))
			case origin == "null" && acao == "null":
				r := ruleCORSNull()
				if creds {
					r.Severity = SeverityHigh
				}
				add(r, ex, fmt.Sprintf("Origin: null is allowed (credentials: %t).", creds))
			case acao == "*" && prot:
				add(ruleCORSWildcard(), ex, "An operation that requires credentials allows every origin.")
			}
		}
	}
	return out, nil
}
