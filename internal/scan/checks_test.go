package scan

import (
	"testing"
)

// twinScans scans the vulnerable tutorial API and its hardened twin with
// the same options (built per twin by opts) and returns both reports.
func twinScans(t *testing.T, opts func(t *testing.T, a *tutorialAPI, url string) Options) (vuln, hard *Report) {
	t.Helper()
	va, vs := newTutorialAPI(t, false)
	ha, hs := newTutorialAPI(t, true)
	return scanT(t, opts(t, va, vs.URL)), scanT(t, opts(t, ha, hs.URL))
}

// TestPassiveChecksOnTutorialTwins: every passive rule planted in the
// tutorial API is found there and stays silent on the hardened twin.
func TestPassiveChecksOnTutorialTwins(t *testing.T) {
	t.Parallel()
	vuln, hard := twinScans(t, func(t *testing.T, a *tutorialAPI, url string) Options {
		return Options{Target: url, OpenAPI: tutorialSpec(t), Auth: "Bearer " + a.token(t, "alice")}
	})
	for _, id := range []string{
		"headers-csp", "headers-framing", "headers-referrer-policy", "headers-cache-authenticated", "headers-version-banner",
		"errors-debug-mode", "errors-stack-trace", "errors-verbose", "errors-exposed-path",
		"cors-origin-reflected", "cors-null-origin", "cors-wildcard-authenticated",
		"methods-trace", "methods-unexpected",
		"authn-no-credentials", "authn-garbage-token", "authn-static-token", "authn-jwt-weak-secret", "authn-jwt-no-exp",
		"ratelimit-none", "inventory-docs-exposed", "inventory-undocumented-endpoint",
	} {
		t.Run(id, func(t *testing.T) {
			expectRule(t, vuln, id)
			expectNoRule(t, hard, id)
		})
	}
	t.Run("tutorial secret named", func(t *testing.T) {
		f := expectRule(t, vuln, "authn-jwt-weak-secret")
		if want := `"secret"`; !contains(f.Detail, want) {
			t.Errorf("detail %q does not name the secret %s", f.Detail, want)
		}
	})
	t.Run("hardened twin has no medium or high finding", func(t *testing.T) {
		if hard.AtOrAbove(SeverityLow) {
			t.Errorf("hardened twin findings:\n  %s", ruleIDs(hard))
		}
	})
	t.Run("passive scan sends no state-changing method", func(t *testing.T) {
		if n := vuln.Requests.ByCheck["injection"]; n != 0 {
			t.Errorf("injection sent %d requests without --active", n)
		}
	})
}

// TestActiveChecksOnTutorialTwins: authorization (two identities), injection
// and SSRF, and undocumented methods.
func TestActiveChecksOnTutorialTwins(t *testing.T) {
	t.Parallel()
	vuln, hard := twinScans(t, func(t *testing.T, a *tutorialAPI, url string) Options {
		return Options{Target: url, OpenAPI: tutorialSpec(t), Active: true,
			Auth: "Bearer " + a.token(t, "alice"), Auth2: "Bearer " + a.token(t, "bob")}
	})
	for _, id := range []string{"authz-bola", "authz-function-level", "authz-mass-assignment", "injection-sql-error", "injection-ssrf", "methods-unexpected"} {
		t.Run(id, func(t *testing.T) {
			expectRule(t, vuln, id)
			expectNoRule(t, hard, id)
		})
	}
	t.Run("hardened twin has no low, medium or high finding", func(t *testing.T) {
		if hard.AtOrAbove(SeverityLow) {
			t.Errorf("hardened twin findings:\n  %s", ruleIDs(hard))
		}
	})
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
