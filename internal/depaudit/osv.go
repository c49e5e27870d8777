package depaudit

import (
	"encoding/json"
	"strings"
	"time"
)

// Entry is one OSV advisory, with the fields depaudit reads. It follows the
// OSV schema (https://ossf.github.io/osv-schema/), which the Go
// vulnerability database, the GitHub advisory database, PyPI and osv.dev all
// publish. golang.org/x/vuln has an equivalent type, but in an internal
// package that other modules cannot import.
type Entry struct {
	ID               string          `json:"id"`
	Modified         time.Time       `json:"modified"`
	Published        time.Time       `json:"published,omitzero"`
	Withdrawn        *time.Time      `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected"`
	References       []Reference     `json:"references,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Severity is an OSV severity score: a CVSS vector for the CVSS types.
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Affected names one package an advisory affects and which of its versions.
type Affected struct {
	Package           AffectedPackage `json:"package"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// AffectedPackage identifies a package within an ecosystem.
type AffectedPackage struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Purl      string `json:"purl,omitempty"`
}

// Range is an ordered list of events over a package's versions.
type Range struct {
	Type   string  `json:"type"`
	Events []Event `json:"events"`
}

// Event is one point of a Range; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Reference is a link to more information about an advisory.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// baseEcosystem strips an ecosystem's ":suffix" ("Debian:11" → "Debian").
func baseEcosystem(e string) string {
	if i := strings.IndexByte(e, ':'); i >= 0 {
		return e[:i]
	}
	return e
}

// normalizeName returns the form of a package name under which advisories
// and lock files are matched: PEP 503 normalization for PyPI, the name
// itself elsewhere.
func normalizeName(e Ecosystem, name string) string {
	if e == PyPI {
		return normalizePyPI(name)
	}
	return name
}

// normalizePyPI applies PEP 503: lower case, each run of "-", "_" and "."
// becomes one "-".
func normalizePyPI(name string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		if r == '-' || r == '_' || r == '.' {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		b.WriteRune(r)
	}
	return b.String()
}
