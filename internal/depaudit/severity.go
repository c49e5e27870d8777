package depaudit

import (
	"encoding/json"
	"fmt"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// Level is a severity level. The zero value is LevelUnknown.
type Level int

// Severity levels, lowest first. LevelUnknown is for advisories that carry
// no severity at all (the Go vulnerability database publishes none).
const (
	LevelUnknown Level = iota
	LevelLow
	LevelMedium
	LevelHigh
	LevelCritical
)

func (l Level) String() string {
	switch l {
	case LevelLow:
		return "low"
	case LevelMedium:
		return "medium"
	case LevelHigh:
		return "high"
	case LevelCritical:
		return "critical"
	}
	return "unknown"
}

// MarshalText encodes the level by name.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// ParseLevel parses "low", "medium", "high" or "critical".
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(s) {
	case "low":
		return LevelLow, nil
	case "medium", "moderate":
		return LevelMedium, nil
	case "high":
		return LevelHigh, nil
	case "critical":
		return LevelCritical, nil
	}
	return LevelUnknown, fmt.Errorf("unknown severity level %q (want low, medium, high or critical)", s)
}

// Rating is an advisory's severity as depaudit reports it.
type Rating struct {
	// Level is the qualitative level.
	Level Level `json:"level"`
	// Score is the CVSS base score, or 0 when no vector was given.
	Score float64 `json:"score,omitempty"`
	// Vector is the CVSS vector the score was computed from.
	Vector string `json:"vector,omitempty"`
	// Source says where the level came from: "CVSS_V4", "CVSS_V3",
	// "CVSS_V2", "database" (a database's own label, such as GitHub's
	// "MODERATE") or "" when unknown.
	Source string `json:"source,omitempty"`
}

// rate computes the severity of entry for the affected items in affs: the
// highest CVSS score among the entry's and those items' vectors (computed
// with github.com/pandatix/go-cvss; v4 and v3.x ratings per their
// specifications, v2 per NVD's bands), else the database's own label.
func rate(entry *Entry, affs []Affected) Rating {
	sevs := append([]Severity(nil), entry.Severity...)
	for _, a := range affs {
		sevs = append(sevs, a.Severity...)
	}
	var best Rating
	for _, s := range sevs {
		r, ok := rateVector(s)
		if ok && (best.Source == "" || r.Score > best.Score) {
			best = r
		}
	}
	if best.Source != "" {
		return best
	}
	for _, raw := range append([]json.RawMessage{entry.DatabaseSpecific}, dbSpecific(affs)...) {
		var ds struct {
			Severity string `json:"severity"`
		}
		if len(raw) == 0 || json.Unmarshal(raw, &ds) != nil || ds.Severity == "" {
			continue
		}
		if l, err := ParseLevel(ds.Severity); err == nil {
			return Rating{Level: l, Source: "database"}
		}
	}
	return Rating{}
}

func dbSpecific(affs []Affected) []json.RawMessage {
	var out []json.RawMessage
	for _, a := range affs {
		out = append(out, a.DatabaseSpecific)
	}
	return out
}

// rateVector scores one OSV severity item.
func rateVector(s Severity) (Rating, bool) {
	vec := strings.TrimSpace(s.Score)
	var score float64
	var label string
	switch {
	case s.Type == "CVSS_V4" || strings.HasPrefix(vec, "CVSS:4.0/"):
		c, err := gocvss40.ParseVector(vec)
		if err != nil {
			return Rating{}, false
		}
		score = c.Score()
		label, _ = gocvss40.Rating(score)
		s.Type = "CVSS_V4"
	case strings.HasPrefix(vec, "CVSS:3.1/"):
		c, err := gocvss31.ParseVector(vec)
		if err != nil {
			return Rating{}, false
		}
		score = c.BaseScore()
		label, _ = gocvss31.Rating(score)
		s.Type = "CVSS_V3"
	case strings.HasPrefix(vec, "CVSS:3.0/"):
		c, err := gocvss30.ParseVector(vec)
		if err != nil {
			return Rating{}, false
		}
		score = c.BaseScore()
		label, _ = gocvss30.Rating(score)
		s.Type = "CVSS_V3"
	case s.Type == "CVSS_V2":
		c, err := gocvss20.ParseVector(vec)
		if err != nil {
			return Rating{}, false
		}
		score = c.BaseScore()
		switch {
		case score >= 7:
			label = "HIGH"
		case score >= 4:
			label = "MEDIUM"
		default:
			label = "LOW"
		}
	default:
		return Rating{}, false
	}
	l, err := ParseLevel(label)
	if err != nil { // "NONE": a score of 0.
		l = LevelLow
	}
	return Rating{Level: l, Score: score, Vector: vec, Source: s.Type}, true
}
