// Package sarif holds the SARIF 2.1.0 (OASIS) types rampart's reports write
// — the subset GitHub code scanning reads (levels, security-severity, tags,
// partial fingerprints, notifications) — so `rampart scan` and `rampart
// audit deps` produce one shape.
package sarif

import (
	"encoding/json"
	"io"
)

// Schema and Version name the format in every log.
const (
	Schema  = "https://json.schemastore.org/sarif-2.1.0.json"
	Version = "2.1.0"
)

// Log is a SARIF log: one run per tool invocation.
type Log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// NewLog returns a log of the given runs.
func NewLog(runs ...Run) Log { return Log{Schema: Schema, Version: Version, Runs: runs} }

// Write writes a log of the given runs to w as indented JSON.
func Write(w io.Writer, runs ...Run) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(NewLog(runs...))
}

// Scores for the "security-severity" property of a rule or result whose
// finding has no score of its own, one per severity level. Code-scanning
// services read the 0-10 number: critical >= 9, high >= 7, medium >= 4.
const (
	ScoreNone     = "0.0"
	ScoreLow      = "3.0"
	ScoreMedium   = "5.5"
	ScoreHigh     = "8.0"
	ScoreCritical = "9.5"
)

// Run is one invocation of a tool and what it found.
type Run struct {
	Tool              Tool              `json:"tool"`
	AutomationDetails map[string]string `json:"automationDetails,omitempty"`
	Invocations       []Invocation      `json:"invocations"`
	Results           []Result          `json:"results"`
	Properties        map[string]any    `json:"properties,omitempty"`
}

// Tool names the tool.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver is the tool's main component, with the rules results refer to.
type Driver struct {
	Name           string `json:"name"`
	InformationURI string `json:"informationUri"`
	Version        string `json:"version,omitempty"`
	Rules          []Rule `json:"rules"`
}

// Text is a message, plain and optionally Markdown.
type Text struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

// Rule describes one kind of finding.
type Rule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     Text           `json:"shortDescription"`
	FullDescription      *Text          `json:"fullDescription,omitempty"`
	Help                 *Text          `json:"help,omitempty"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration map[string]any `json:"defaultConfiguration,omitempty"`
	Properties           map[string]any `json:"properties,omitempty"`
}

// Invocation is how the run went; notifications report problems that are
// not results (a file that could not be read).
type Invocation struct {
	ExecutionSuccessful        bool           `json:"executionSuccessful"`
	StartTimeUTC               string         `json:"startTimeUtc,omitempty"`
	ToolExecutionNotifications []Notification `json:"toolExecutionNotifications,omitempty"`
}

// Notification is a problem of the run itself.
type Notification struct {
	Level     string     `json:"level"`
	Message   Text       `json:"message"`
	Locations []Location `json:"locations,omitempty"`
}

// Location is where a result or notification points.
type Location struct {
	PhysicalLocation PhysicalLocation `json:"physicalLocation"`
}

// PhysicalLocation is a file or URL, and optionally a line in it.
type PhysicalLocation struct {
	ArtifactLocation ArtifactLocation `json:"artifactLocation"`
	Region           *Region          `json:"region,omitempty"`
}

// ArtifactLocation is a URI, optionally relative to a named base.
type ArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

// Region is a line.
type Region struct {
	StartLine int `json:"startLine"`
}

// At returns a location in uri, at line when line > 0.
func At(uri string, line int) Location {
	l := Location{PhysicalLocation: PhysicalLocation{ArtifactLocation: ArtifactLocation{URI: uri}}}
	if line > 0 {
		l.PhysicalLocation.Region = &Region{StartLine: line}
	}
	return l
}

// Result is one finding.
type Result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           *int              `json:"ruleIndex,omitempty"`
	Level               string            `json:"level"`
	Message             Text              `json:"message"`
	Locations           []Location        `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	Properties          map[string]any    `json:"properties,omitempty"`
}
