package scan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"

	"github.com/rampart-sec/rampart/internal/sarif"
)

func sarifLevel(s Severity) string {
	switch s {
	case SeverityHigh:
		return "error"
	case SeverityMedium:
		return "warning"
	}
	return "note"
}

// securitySeverity is GitHub's 0-10 score: high >= 7, medium >= 4.
func securitySeverity(s Severity) string {
	return [...]string{sarif.ScoreNone, sarif.ScoreLow, sarif.ScoreMedium, sarif.ScoreHigh}[s]
}

// WriteSARIF writes the report as a SARIF 2.1.0 log with one run. Each
// finding's location is the URL it was found at; version names the scanner.
func (r *Report) WriteSARIF(w io.Writer, version string) error {
	rules := AllRules()
	index := map[string]int{}
	driver := sarif.Driver{Name: "rampart-scan", InformationURI: "https://github.com/rampart-sec/rampart", Version: version}
	for i, rule := range rules {
		index[rule.ID] = i
		driver.Rules = append(driver.Rules, sarif.Rule{
			ID: rule.ID, Name: ruleName(rule.ID),
			ShortDescription:     sarif.Text{Text: rule.Title},
			FullDescription:      &sarif.Text{Text: rule.Title + " (" + rule.OWASP + ", " + rule.CWEID() + ")."},
			Help:                 &sarif.Text{Text: rule.Fix, Markdown: "**Fix.** " + rule.Fix},
			DefaultConfiguration: map[string]any{"level": sarifLevel(rule.Severity)},
			Properties: map[string]any{
				"tags":              []string{"security", "dast", rule.OWASP, "external/cwe/cwe-" + fmt.Sprint(rule.CWE)},
				"security-severity": securitySeverity(rule.Severity),
				"precision":         "high",
			},
		})
	}
	run := sarif.Run{
		Tool:              sarif.Tool{Driver: driver},
		AutomationDetails: map[string]string{"id": "rampart-scan/" + r.Target + "/"},
		Invocations:       []sarif.Invocation{{ExecutionSuccessful: true, StartTimeUTC: r.StartedAt.Format("2006-01-02T15:04:05Z")}},
		Results:           []sarif.Result{},
		Properties:        map[string]any{"requests": r.Requests, "notes": r.Notes},
	}
	for _, f := range r.Findings {
		sum := sha256.Sum256([]byte(f.ID + "\x00" + f.Location))
		ruleIndex := index[f.ID]
		run.Results = append(run.Results, sarif.Result{
			RuleID: f.ID, RuleIndex: &ruleIndex, Level: sarifLevel(f.Severity),
			Message:             sarif.Text{Text: f.Title + " at " + f.Location + ": " + f.Detail},
			Locations:           []sarif.Location{sarif.At(findingURL(r.Target, f.Location), 0)},
			PartialFingerprints: map[string]string{"rampartFinding/v1": hex.EncodeToString(sum[:16])},
			Properties: map[string]any{
				"severity": f.Severity.String(), "owasp": f.OWASP, "cwe": f.CWEID(),
				"location": f.Location, "evidence": f.Evidence, "security-severity": securitySeverity(f.Severity),
			},
		})
	}
	return sarif.Write(w, run)
}

// ruleName turns "authn-jwt-alg-none" into "AuthnJwtAlgNone" (SARIF's
// rule name is an identifier).
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// findingURL turns a finding location ("GET /api/data?x=1") into the URL
// it was found at; other locations map to the target.
func findingURL(target, location string) string {
	base, err := url.Parse(target)
	if err != nil {
		return target
	}
	if _, path, ok := strings.Cut(location, " "); ok && strings.HasPrefix(path, "/") {
		if u, err := base.Parse(path); err == nil {
			return u.String()
		}
	}
	base.Path, base.RawQuery = "/", ""
	return base.String()
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
