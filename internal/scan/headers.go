package scan

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/rampart-sec/rampart/secheaders"
)

// headersCheck inspects the security headers and version banners of every
// response the baseline collected. Each rule is reported once, listing the
// operations it affects.
type headersCheck struct{}

func (headersCheck) Name() string { return "headers" }

func ruleNoNosniff() Rule {
	return newRule("headers-no-nosniff", "X-Content-Type-Options: nosniff missing", SeverityLow,
		API8Misconfig, 693,
		"Send X-Content-Type-Options: nosniff on every response so browsers never sniff a JSON body into HTML or script.")
}

func ruleCSP() Rule {
	return newRule("headers-csp", "Content-Security-Policy missing or weak", SeverityLow,
		API8Misconfig, 693,
		"For an API send Content-Security-Policy: default-src 'none'; frame-ancestors 'none'. Never allow 'unsafe-inline', 'unsafe-eval' or * for scripts.")
}

func ruleFraming() Rule {
	return newRule("headers-framing", "Framing not restricted (X-Frame-Options / frame-ancestors)", SeverityLow,
		API8Misconfig, 1021,
		"Send X-Frame-Options: DENY or Content-Security-Policy: frame-ancestors 'none'.")
}

func ruleReferrer() Rule {
	return newRule("headers-referrer-policy", "Referrer-Policy missing or leaky", SeverityLow,
		API8Misconfig, 200,
		"Send Referrer-Policy: no-referrer (or strict-origin-when-cross-origin).")
}

func ruleCacheAuth() Rule {
	return newRule("headers-cache-authenticated", "Authenticated response cacheable", SeverityMedium,
		API8Misconfig, 525,
		"Send Cache-Control: no-store on every response to an authenticated request, so shared caches and browsers keep no copy.")
}

func ruleBanner() Rule {
	return newRule("headers-version-banner", "Software version disclosed in headers", SeverityLow,
		API8Misconfig, 497,
		"Remove X-Powered-By and version numbers from Server (Flask/Werkzeug: run behind a proxy that strips them; Express: app.disable('x-powered-by')).")
}

func (headersCheck) Rules() []Rule {
	return []Rule{ruleNoNosniff(), ruleCSP(), ruleFraming(), ruleReferrer(), ruleCacheAuth(), ruleBanner()}
}

// versionInBanner matches a product/version token such as "Werkzeug/2.3.7".
var versionInBanner = regexp.MustCompile(`[A-Za-z][\w.-]*/\d+(\.\d+)*`)

// affected collects the locations one rule applies to.
type affected struct {
	rule   Rule
	first  *exchange
	detail string
	where  []string
}

func (a *affected) add(ex *exchange, detail string) {
	if a.first == nil {
		a.first, a.detail = ex, detail
	}
	loc := ex.location()
	for _, w := range a.where {
		if w == loc {
			return
		}
	}
	a.where = append(a.where, loc)
}

func (a *affected) finding() (Finding, bool) {
	if a.first == nil {
		return Finding{}, false
	}
	d := a.detail
	if n := len(a.where); n > 1 {
		shown := a.where
		if n > 5 {
			shown = shown[:5]
		}
		d += fmt.Sprintf(" Seen on %d responses, e.g. %s.", n, strings.Join(shown, ", "))
	}
	return newFinding(a.rule, a.first.location(), d, a.first.evidence()), true
}

func (headersCheck) Run(_ context.Context, s *session) ([]Finding, error) {
	nosniff := &affected{rule: ruleNoNosniff()}
	csp := &affected{rule: ruleCSP()}
	frame := &affected{rule: ruleFraming()}
	ref := &affected{rule: ruleReferrer()}
	cache := &affected{rule: ruleCacheAuth()}
	banner := &affected{rule: ruleBanner()}
	var exs []*exchange
	if s.first != nil {
		exs = append(exs, s.first)
	}
	exs = append(exs, s.responses()...)
	for _, ex := range exs {
		h := ex.head
		if !strings.EqualFold(strings.TrimSpace(h.Get("X-Content-Type-Options")), "nosniff") {
			nosniff.add(ex, "The response has no X-Content-Type-Options: nosniff.")
		}
		policy := h.Get("Content-Security-Policy")
		if policy == "" {
			csp.add(ex, "The response has no Content-Security-Policy.")
		} else if why := weakCSP(policy); why != "" {
			csp.add(ex, "Content-Security-Policy "+why+".")
		}
		xfo := strings.ToUpper(strings.TrimSpace(h.Get("X-Frame-Options")))
		if xfo != "DENY" && xfo != "SAMEORIGIN" && !cspDirective(policy, "frame-ancestors") {
			frame.add(ex, "Neither X-Frame-Options nor a CSP frame-ancestors directive restricts framing.")
		}
		switch rp := strings.ToLower(strings.TrimSpace(h.Get("Referrer-Policy"))); rp {
		case "":
			ref.add(ex, "The response has no Referrer-Policy.")
		case "unsafe-url", "no-referrer-when-downgrade":
			ref.add(ex, "Referrer-Policy is "+rp+", which sends full URLs to other origins.")
		}
		for _, name := range secheaders.BannerHeaders() {
			v := h.Get(name)
			if v == "" || (name == "Server" && !versionInBanner.MatchString(v)) {
				continue // a bare Server name (nginx) is fine; a version is not
			}
			banner.add(ex, fmt.Sprintf("%s: %s discloses the server software or its version.", name, v))
		}
	}
	for _, op := range s.ops {
		ex := s.authed(op)
		if ex == nil || !ex.ok() || !s.protected(op) {
			continue
		}
		cc := strings.ToLower(ex.head.Get("Cache-Control"))
		if !strings.Contains(cc, "no-store") && !strings.Contains(cc, "private") {
			cache.add(ex, fmt.Sprintf("The authenticated response has Cache-Control %q, without no-store.", ex.head.Get("Cache-Control")))
		}
	}
	var out []Finding
	for _, a := range []*affected{nosniff, csp, frame, ref, cache, banner} {
		if f, ok := a.finding(); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// weakCSP says why a policy is weak, or "" if it is not.
func weakCSP(policy string) string {
	for _, d := range strings.Split(policy, ";") {
		fields := strings.Fields(strings.ToLower(d))
		if len(fields) == 0 {
			continue
		}
		name := fields[0]
		if name != "default-src" && name != "script-src" {
			continue
		}
		for _, src := range fields[1:] {
			switch src {
			case "'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "data:":
				return fmt.Sprintf("allows %s in %s", src, name)
			}
		}
	}
	return ""
}

// cspDirective reports whether policy has the directive name.
func cspDirective(policy, name string) bool {
	for _, d := range strings.Split(policy, ";") {
		if f := strings.Fields(strings.ToLower(d)); len(f) > 0 && f[0] == name {
			return true
		}
	}
	return false
}
