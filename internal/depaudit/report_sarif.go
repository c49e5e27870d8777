package depaudit

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// SARIF 2.1.0 types, only the parts depaudit writes.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Results     []sarifResult     `json:"results"`
	Invocations []sarifInvocation `json:"invocations"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name,omitempty"`
	ShortDescription sarifText      `json:"shortDescription"`
	HelpURI          string         `json:"helpUri,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

// writeSARIF renders findings as a SARIF 2.1.0 log: one rule per advisory,
// one result per vulnerable pin located at its lock-file line. Each rule
// carries "security-severity" (the CVSS score, or the level's usual score
// when there is none) so code-scanning services rank it; problems become
// tool execution notifications.
func writeSARIF(w io.Writer, rep *Report) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "rampart audit deps",
			InformationURI: "https://github.com/rampart-sec/rampart",
			Rules:          []sarifRule{},
		}},
		Results:     []sarifResult{},
		Invocations: []sarifInvocation{{ExecutionSuccessful: !rep.Incomplete()}},
	}
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		if !seen[f.ID] {
			seen[f.ID] = true
			tags := append([]string{"security", "vulnerability", string(f.Ecosystem)}, f.Aliases...)
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
				ID:               f.ID,
				Name:             strings.Join(append([]string{f.ID}, f.Aliases...), " / "),
				ShortDescription: sarifText{Text: f.Summary},
				HelpURI:          f.URL,
				Properties: map[string]any{
					"security-severity": securitySeverity(f.Severity),
					"tags":              tags,
				},
			})
		}
		msg := fmt.Sprintf("%s %s %s is affected by %s (%s). Fixed in: %s.",
			f.Ecosystem, f.Name, f.Version, f.ID, f.Summary, fixedText(f))
		run.Results = append(run.Results, sarifResult{
			RuleID:    f.ID,
			Level:     sarifLevel(f.Severity.Level),
			Message:   sarifText{Text: msg},
			Locations: []sarifLocation{sarifLoc(f.File, f.Line)},
		})
	}
	for _, p := range rep.Problems {
		n := sarifNotification{Level: "warning", Message: sarifText{Text: p.Message}}
		if p.Fatal {
			n.Level = "error"
		}
		if p.File != "" {
			n.Locations = []sarifLocation{sarifLoc(p.File, p.Line)}
		}
		run.Invocations[0].ToolExecutionNotifications = append(run.Invocations[0].ToolExecutionNotifications, n)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}

func sarifLoc(file string, line int) sarifLocation {
	l := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: file}}}
	if line > 0 {
		l.PhysicalLocation.Region = &sarifRegion{StartLine: line}
	}
	return l
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
		return "3.0"
	case LevelMedium:
		return "5.5"
	case LevelHigh:
		return "8.0"
	case LevelCritical:
		return "9.5"
	}
	return "7.0" // unknown: shown as high, not assumed minor
}
