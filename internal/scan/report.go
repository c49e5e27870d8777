package scan

import (
	"encoding/json"
	"io"
	"sort"
	"time"
)

// SchemaVersion names the JSON report's schema (docs/scan.md). It changes
// only when a field is removed or changes meaning.
const SchemaVersion = "rampart.scan/v1"

// Report is the result of one scan: the JSON report as documented in
// docs/scan.md.
type Report struct {
	Schema     string    `json:"schema"`
	Target     string    `json:"target"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`
	Active     bool      `json:"active"`
	// Operations is how many operations were scanned, and OperationsFrom
	// where they came from.
	Operations     int           `json:"operations"`
	OperationsFrom string        `json:"operations_from"`
	Requests       RequestCounts `json:"requests"`
	Summary        Summary       `json:"summary"`
	// Notes record what limited the scan (budget spent, checks skipped).
	Notes    []string  `json:"notes"`
	Findings []Finding `json:"findings"`
}

// RequestCounts is how many requests the scan sent, in total and per check
// ("discovery" and "baseline" are the shared requests before the checks).
type RequestCounts struct {
	Total   int            `json:"total"`
	Limit   int            `json:"limit"`
	ByCheck map[string]int `json:"by_check"`
}

// Summary counts findings per severity.
type Summary struct {
	High   int `json:"high"`
	Medium int `json:"medium"`
	Low    int `json:"low"`
	Info   int `json:"info"`
	Total  int `json:"total"`
}

func newReport(s *session, started time.Time, took time.Duration, fs []Finding) *Report {
	sortFindings(fs)
	total, by := s.c.counts()
	r := &Report{
		Schema: SchemaVersion, Target: s.target.Redacted(), StartedAt: started.UTC(),
		DurationMS: took.Milliseconds(), Active: s.opts.Active,
		Operations: len(s.ops), OperationsFrom: s.opsFrom,
		Requests: RequestCounts{Total: total, Limit: s.opts.MaxRequests, ByCheck: by},
		Notes:    append([]string{}, s.notes...), Findings: append([]Finding{}, fs...),
	}
	for _, f := range fs {
		r.Summary.add(f.Severity)
	}
	return r
}

func (s *Summary) add(sev Severity) {
	switch sev {
	case SeverityHigh:
		s.High++
	case SeverityMedium:
		s.Medium++
	case SeverityLow:
		s.Low++
	default:
		s.Info++
	}
	s.Total++
}

// sortFindings orders by severity (highest first), then rule, then location.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.Location < b.Location
	})
}

// AtOrAbove reports whether any finding has severity sev or higher.
func (r *Report) AtOrAbove(sev Severity) bool {
	for _, f := range r.Findings {
		if f.Severity >= sev {
			return true
		}
	}
	return false
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
