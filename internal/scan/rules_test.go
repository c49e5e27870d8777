package scan

import (
	"strings"
	"testing"
)

// TestRuleFamilies: every rule's Check is its family's name, and its ID
// starts with that name.
func TestRuleFamilies(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range checks() {
		for _, r := range c.Rules() {
			if r.Check != c.Name() || !strings.HasPrefix(r.ID, c.Name()+"-") {
				t.Errorf("rule %s: check %q, family %q", r.ID, r.Check, c.Name())
			}
			if seen[r.ID] {
				t.Errorf("rule %s listed twice", r.ID)
			}
			seen[r.ID] = true
			if r.Title == "" || r.Fix == "" || r.OWASP == "" || r.CWE == 0 {
				t.Errorf("rule %s is incomplete: %+v", r.ID, r)
			}
		}
	}
}
