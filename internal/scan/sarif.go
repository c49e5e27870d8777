package scan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
)

// SARIF 2.1.0 (OASIS), the subset rampart writes. GitHub code scanning
// reads level, security-severity, tags and partialFingerprints.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool              sarifTool         `json:"tool"`
	AutomationDetails map[string]string `json:"automationDetails,omitempty"`
	Invocations       []sarifInvocation `json:"invocations"`
	Results           []sarifResult     `json:"results"`
	Properties        map[string]any    `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	DefaultConfiguration map[string]any `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool   `json:"executionSuccessful"`
	StartTimeUTC        string `json:"startTimeUtc"`
}

type sarifArtLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation sarifArtLoc `json:"artifactLocation"`
	} `json:"physicalLocation"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties"`
}

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
	return [...]string{"0.0", "3.0", "5.5", "8.0"}[s]
}

// WriteSARIF writes the report as a SARIF 2.1.0 log with one run. Each
// finding's location is the URL it was found at; version names the scanner.
func (r *Report) WriteSARIF(w io.Writer, version string) error {
	rules := AllRules()
	index := map[string]int{}
	driver := sarifDriver{Name: "rampart-scan", InformationURI: "https://github.com/rampart-sec/rampart", Version: version}
	for i, rule := range rules {
		index[rule.ID] = i
		driver.Rules = append(driver.Rules, sarifRule{
			ID: rule.ID, Name: ruleName(rule.ID),
			ShortDescription:     sarifText{Text: rule.Title},
			FullDescription:      sarifText{Text: rule.Title + " (" + rule.OWASP + ", " + rule.CWEID() + ")."},
			Help:                 sarifText{Text: rule.Fix, Markdown: "**Fix.** " + rule.Fix},
			DefaultConfiguration: map[string]any{"level": sarifLevel(rule.Severity)},
			Properties: map[string]any{
				"tags":              []string{"security", "dast", rule.OWASP, "external/cwe/cwe-" + fmt.Sprint(rule.CWE)},
				"security-severity": securitySeverity(rule.Severity),
				"precision":         "high",
			},
		})
	}
	run := sarifRun{
		Tool:              sarifTool{Driver: driver},
		AutomationDetails: map[string]string{"id": "rampart-scan/" + r.Target + "/"},
		Invocations:       []sarifInvocation{{ExecutionSuccessful: true, StartTimeUTC: r.StartedAt.Format("2006-01-02T15:04:05Z")}},
		Results:           []sarifResult{},
		Properties:        map[string]any{"requests": r.Requests, "notes": r.Notes},
	}
	for _, f := range r.Findings {
		var loc sarifLocation
		loc.PhysicalLocation.ArtifactLocation = sarifArtLoc{URI: findingURL(r.Target, f.Location)}
		sum := sha256.Sum256([]byte(f.ID + "\x00" + f.Location))
		run.Results = append(run.Results, sarifResult{
			RuleID: f.ID, RuleIndex: index[f.ID], Level: sarifLevel(f.Severity),
			Message:             sarifText{Text: f.Title + " at " + f.Location + ": " + f.Detail},
			Locations:           []sarifLocation{loc},
			PartialFingerprints: map[string]string{"rampartFinding/v1": hex.EncodeToString(sum[:16])},
			Properties: map[string]any{
				"severity": f.Severity.String(), "owasp": f.OWASP, "cwe": f.CWEID(),
				"location": f.Location, "evidence": f.Evidence, "security-severity": securitySeverity(f.Severity),
			},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
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
