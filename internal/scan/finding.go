package scan

import (
	"fmt"
	"strings"
)

// Severity ranks a finding. The zero value is SeverityInfo.
type Severity int

// The severities, lowest first.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
)

// String returns the lower-case name: info, low, medium or high.
func (s Severity) String() string {
	switch s {
	case SeverityLow:
		return "low"
	case SeverityMedium:
		return "medium"
	case SeverityHigh:
		return "high"
	default:
		return "info"
	}
}

// MarshalText encodes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity parses info, low, medium or high (case-insensitive).
func ParseSeverity(v string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "info":
		return SeverityInfo, nil
	case "low":
		return SeverityLow, nil
	case "medium":
		return SeverityMedium, nil
	case "high":
		return SeverityHigh, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want info, low, medium or high)", v)
}

// The OWASP API Security Top 10 (2023) categories the checks report under.
const (
	API1BOLA           = "API1:2023 Broken Object Level Authorization"
	API2Authentication = "API2:2023 Broken Authentication"
	API3PropertyAuthz  = "API3:2023 Broken Object Property Level Authorization"
	API4Resources      = "API4:2023 Unrestricted Resource Consumption"
	API5FunctionAuthz  = "API5:2023 Broken Function Level Authorization"
	API7SSRF           = "API7:2023 Server Side Request Forgery"
	API8Misconfig      = "API8:2023 Security Misconfiguration"
	API9Inventory      = "API9:2023 Improper Inventory Management"
)

// Rule describes one kind of weakness: what it is, how bad, and how to fix it.
// Every Finding carries the fields of its Rule.
type Rule struct {
	// ID is stable across releases, e.g. "authn-jwt-weak-secret".
	ID string `json:"id"`
	// Check is the family (the file) the rule belongs to, e.g. "authn".
	Check    string   `json:"check"`
	Title    string   `json:"title"`
	Severity Severity `json:"severity"`
	OWASP    string   `json:"owasp"`
	// CWE is the number of the closest CWE entry.
	CWE int    `json:"cwe"`
	Fix string `json:"fix"`
}

// newRule returns the rule id; its check is the id's first word
// ("authn-jwt-no-exp" belongs to "authn").
func newRule(id, title string, sev Severity, owasp string, cwe int, fix string) Rule {
	check, _, _ := strings.Cut(id, "-")
	return Rule{ID: id, Check: check, Title: title, Severity: sev, OWASP: owasp, CWE: cwe, Fix: fix}
}

// CWEID returns the rule's CWE as "CWE-n".
func (r Rule) CWEID() string { return fmt.Sprintf("CWE-%d", r.CWE) }

// Evidence is an excerpt of the request that showed a weakness and of the
// response to it. Credentials in it are redacted.
type Evidence struct {
	Request  string `json:"request,omitempty"`
	Response string `json:"response,omitempty"`
}

// Finding is one weakness found at one place.
type Finding struct {
	Rule
	// Location is what was probed: "GET /api/data", a host:port for TLS
	// findings, or a token for offline findings.
	Location string `json:"location"`
	// Detail says what was observed, in one or two sentences.
	Detail   string   `json:"detail"`
	Evidence Evidence `json:"evidence"`
}

// newFinding builds a finding of rule r at location.
func newFinding(r Rule, location, detail string, ev Evidence) Finding {
	return Finding{Rule: r, Location: location, Detail: detail, Evidence: ev}
}
