package scan

import (
	"fmt"
	"io"
	"strings"
)

// ANSI colours for severities in a terminal.
const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
)

func severityColour(s Severity) string {
	switch s {
	case SeverityHigh:
		return "\x1b[1;31m"
	case SeverityMedium:
		return "\x1b[1;33m"
	case SeverityLow:
		return "\x1b[1;36m"
	}
	return "\x1b[2m"
}

// WriteText writes the report for a terminal: a summary, then the findings
// grouped by severity (highest first), each with where, what and the fix.
// colour adds ANSI colours (for a TTY).
func (r *Report) WriteText(w io.Writer, colour bool) error {
	paint := func(code, s string) string {
		if !colour {
			return s
		}
		return code + s + ansiReset
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", paint(ansiBold, "rampart scan of"), r.Target)
	fmt.Fprintf(&b, "%d operations (%s), %d requests (limit %d) in %.1f s, %s mode\n",
		r.Operations, r.OperationsFrom, r.Requests.Total, r.Requests.Limit, float64(r.DurationMS)/1000, when(r.Active, "active", "passive"))
	fmt.Fprintf(&b, "findings: %s, %s, %s, %s\n",
		paint(severityColour(SeverityHigh), fmt.Sprintf("%d high", r.Summary.High)),
		paint(severityColour(SeverityMedium), fmt.Sprintf("%d medium", r.Summary.Medium)),
		paint(severityColour(SeverityLow), fmt.Sprintf("%d low", r.Summary.Low)),
		paint(severityColour(SeverityInfo), fmt.Sprintf("%d info", r.Summary.Info)))
	for sev := SeverityHigh; sev >= SeverityInfo; sev-- {
		var group []Finding
		for _, f := range r.Findings {
			if f.Severity == sev {
				group = append(group, f)
			}
		}
		if len(group) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s\n", paint(severityColour(sev), fmt.Sprintf("%s (%d)", strings.ToUpper(sev.String()), len(group))))
		for _, f := range group {
			fmt.Fprintf(&b, "  %-34s %s\n", paint(ansiBold, f.ID), f.Title)
			fmt.Fprintf(&b, "  %s\n", paint(ansiDim, fmt.Sprintf("at %s · %s · %s", f.Location, f.OWASP, f.CWEID())))
			fmt.Fprintf(&b, "    %s\n", f.Detail)
			fmt.Fprintf(&b, "    fix: %s\n", f.Fix)
		}
	}
	if len(r.Findings) == 0 {
		b.WriteString("\nno findings\n")
	}
	if len(r.Notes) > 0 {
		b.WriteString("\nnotes:\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  - %s\n", n)
		}
	}
	b.WriteString("\nrequests per check:")
	for _, name := range sortedKeys(r.Requests.ByCheck) {
		fmt.Fprintf(&b, " %s=%d", name, r.Requests.ByCheck[name])
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
