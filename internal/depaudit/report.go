package depaudit

import (
	"fmt"
	"io"
	"strings"
)

// Formats returns the report formats Write accepts.
func Formats() []string { return []string{"text", "json", "sarif", "html"} }

// Write renders rep to w in format: "text", "json", "sarif" (SARIF 2.1.0)
// or "html" (one self-contained page).
func Write(w io.Writer, rep *Report, format string) error {
	switch format {
	case "text", "":
		return writeText(w, rep)
	case "json":
		return writeJSON(w, rep)
	case "sarif":
		return writeSARIF(w, rep)
	case "html":
		return writeHTML(w, rep)
	}
	return fmt.Errorf("unknown report format %q (want %s)", format, strings.Join(Formats(), ", "))
}

// fixedText says which versions fix a finding.
func fixedText(f Finding) string {
	if len(f.Fixed) == 0 {
		return "no fix published"
	}
	return strings.Join(f.Fixed, ", ")
}

// severityText formats a rating: "high (7.5)", "medium", "unknown".
func severityText(r Rating) string {
	if r.Score > 0 {
		return fmt.Sprintf("%s (%.1f)", r.Level, r.Score)
	}
	return r.Level.String()
}

// location formats "file:line".
func location(p Package) string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return p.File
}
