package depaudit

import (
	"fmt"
	"io"
	"strings"

	"github.com/rampart-sec/rampart/internal/sarif"
)

// writeSARIF renders findings as a SARIF 2.1.0 log: one rule per advisory,
// one result per vulnerable pin located at its lock-file line. Each rule
// carries "security-severity" (the CVSS score, or the level's usual score
// when there is none) so code-scanning services rank it; problems become
// tool execution notifications.
func writeSARIF(w io.Writer, rep *Report) error {
	run := sarif.Run{
		Tool: sarif.Tool{Driver: sarif.Driver{
			Name:           "rampart audit deps",
			InformationURI: "https://github.com/rampart-sec/rampart",
			Rules:          []sarif.Rule{},
		}},
		Results:     []sarif.Result{},
		Invocations: []sarif.Invocation{{ExecutionSuccessful: !rep.Incomplete()}},
	}
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		if !seen[f.ID] {
			seen[f.ID] = true
			tags := append([]string{"security", "vulnerability", string(f.Ecosystem)}, f.Aliases...)
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarif.Rule{
				ID:               f.ID,
				Name:             strings.Join(append([]string{f.ID}, f.Aliases...), " / "),
				ShortDescription: sarif.Text{Text: f.Summary},
				HelpURI:          f.URL,
				Properties: map[string]any{
					"security-severity": securitySeverity(f.Severity),
					"tags":              tags,
				},
			})
		}
		msg := fmt.Sprintf("%s %s %s is affected by %s (%s). Fixed in: %s.",
			f.Ecosystem, f.Name, f.Version, f.ID, f.Summary, fixedText(f))
		run.Results = append(run.Results, sarif.Result{
			RuleID:    f.ID,
			Level:     sarifLevel(f.Severity.Level),
			Message:   sarif.Text{Text: msg},
			Locations: []sarif.Location{sarif.At(f.File, f.Line)},
		})
	}
	for _, p := range rep.Problems {
		n := sarif.Notification{Level: "warning", Message: sarif.Text{Text: p.Message}}
		if p.Fatal {
			n.Level = "error"
		}
		if p.File != "" {
			n.Locations = []sarif.Location{sarif.At(p.File, p.Line)}
		}
		run.Invocations[0].ToolExecutionNotifications = append(run.Invocations[0].ToolExecutionNotifications, n)
	}
	return sarif.Write(w, run)
}

// sarifLevel maps severity to a SARIF result level; unknown severity is an
// error, as it fails every --fail-on level.
func sarifLevel(l Level) string {
	switch l {
	case LevelLow:
		return "note"
	case LevelMedium:
		return "warning"
	}
	return "error"
}

// securitySeverity is the numeric string code-scanning services read.
func securitySeverity(r Rating) string {
	if r.Score > 0 {
		return fmt.Sprintf("%.1f", r.Score)
	}
	switch r.Level {
	case LevelLow:
		return sarif.ScoreLow
	case LevelMedium:
		return sarif.ScoreMedium
	case LevelHigh:
		return sarif.ScoreHigh
	case LevelCritical:
		return sarif.ScoreCritical
	}
	return "7.0" // unknown: shown as high, not assumed minor
}
