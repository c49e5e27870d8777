package scan

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// scanT runs a scan with o and fails the test on an error.
func scanT(t *testing.T, o Options) *Report {
	t.Helper()
	if o.Rate == 0 {
		o.Rate = 2000 // loopback tests: the limiter is tested on its own
	}
	var plan bytes.Buffer
	if o.Plan == nil {
		o.Plan = &plan
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := Run(ctx, o)
	if err != nil {
		t.Fatalf("scan of %s: %v\nplan:\n%s", o.Target, err, plan.String())
	}
	return r
}

// tutorialSpec is testdata/tutorial-openapi.yaml.
func tutorialSpec(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/tutorial-openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// byRule returns the findings of rule id.
func byRule(r *Report, id string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.ID == id {
			out = append(out, f)
		}
	}
	return out
}

// ruleIDs lists the rule of every finding, for failure messages.
func ruleIDs(r *Report) string {
	var ids []string
	for _, f := range r.Findings {
		ids = append(ids, f.ID+"("+f.Severity.String()+" "+f.Location+")")
	}
	return strings.Join(ids, "\n  ")
}

// expectRule fails unless r has a finding of rule id.
func expectRule(t *testing.T, r *Report, id string) Finding {
	t.Helper()
	fs := byRule(r, id)
	if len(fs) == 0 {
		t.Errorf("no %s finding; got:\n  %s\nnotes: %v", id, ruleIDs(r), r.Notes)
		return Finding{}
	}
	return fs[0]
}

// expectNoRule fails if r has a finding of rule id.
func expectNoRule(t *testing.T, r *Report, id string) {
	t.Helper()
	if fs := byRule(r, id); len(fs) > 0 {
		t.Errorf("unexpected %s finding on the hardened twin: %s\n%s\n%s", id, fs[0].Detail, fs[0].Evidence.Request, fs[0].Evidence.Response)
	}
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
