package depaudit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// Options configures an audit. Source is required; the rest have working
// zero values.
type Options struct {
	// Source finds advisories: a *DB offline, an *OSVClient online.
	Source Source
	// Registries are asked for each ecosystem's newest releases. An
	// ecosystem without one is reported as not asked (offline mode leaves
	// the map empty).
	Registries map[Ecosystem]Registry
	// Offline records that the audit ran without network access, for the
	// report.
	Offline bool
	// Now is the clock for the report's timestamp; nil means time.Now.
	Now func() time.Time
}

// Finding is one advisory that affects one pinned package.
type Finding struct {
	Package
	// ID is the advisory's id (GO-…, GHSA-…, PYSEC-…, …).
	ID string `json:"id"`
	// Aliases are the advisory's other ids, such as its CVE and GHSA ids.
	Aliases []string `json:"aliases,omitempty"`
	// Summary is the advisory's one-line summary (or the start of its
	// details when it has none).
	Summary string `json:"summary"`
	// Fixed lists the versions that fix the vulnerability for the installed
	// version's branch; empty when no fix is published.
	Fixed []string `json:"fixed"`
	// Severity is the advisory's severity.
	Severity Rating `json:"severity"`
	// URL points at the advisory.
	URL string `json:"url,omitempty"`
	// Reachability is set by a reachability analysis of Go code ("called",
	// "imported", "required"); empty when none ran.
	Reachability string `json:"reachability,omitempty"`
}

// Report is the result of an audit.
type Report struct {
	// Root is the audited directory as given.
	Root string `json:"root"`
	// Generated is when the audit ran.
	Generated time.Time `json:"generated"`
	// Source describes where advisories came from.
	Source string `json:"source"`
	// Offline reports that no network service was asked.
	Offline bool `json:"offline"`
	// Files are the lock and manifest files read.
	Files []string `json:"files"`
	// Packages are the pinned dependencies found.
	Packages []Package `json:"packages"`
	// Findings are the vulnerable packages, one per package and advisory.
	Findings []Finding `json:"findings"`
	// Outdated are packages with newer releases.
	Outdated []Outdated `json:"outdated"`
	// NotAsked names the registries that were not asked for newer
	// versions, and why.
	NotAsked []string `json:"not_asked,omitempty"`
	// Problems are files that could not be read or parsed, pins that could
	// not be audited, and lookups that failed.
	Problems []Problem `json:"problems"`
}

// Incomplete reports whether a fatal problem kept part of the project from
// being audited.
func (r *Report) Incomplete() bool {
	return slices.ContainsFunc(r.Problems, func(p Problem) bool { return p.Fatal })
}

// Fails reports whether a finding is at or above level. A finding of
// unknown severity counts at every level: the Go vulnerability database
// rates nothing, and an unrated vulnerability is not assumed to be minor.
func (r *Report) Fails(level Level) bool {
	return slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.failsAt(level) })
}

// CountFailing returns how many findings make Fails(level) true.
func (r *Report) CountFailing(level Level) int {
	n := 0
	for _, f := range r.Findings {
		if f.failsAt(level) {
			n++
		}
	}
	return n
}

// failsAt reports whether f is at or above level, or of unknown severity.
func (f Finding) failsAt(level Level) bool {
	return f.Severity.Level == LevelUnknown || f.Severity.Level >= level
}

// Audit reads the lock files under dir, matches their packages against
// opts.Source's advisories and, for ecosystems with a registry, looks up
// newer releases. Problems with single files or lookups go into the
// report; an error means the audit could not run at all (dir unreadable,
// the advisory source failed).
func Audit(ctx context.Context, dir string, opts Options) (*Report, error) {
	if opts.Source == nil {
		return nil, errors.New("depaudit: Options.Source is required")
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("auditing %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("auditing %s: not a directory", dir)
	}
	found, err := discover(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("auditing %s: %w", dir, err)
	}
	rep := &Report{
		Root:      dir,
		Generated: now().UTC(),
		Source:    opts.Source.Describe(),
		Offline:   opts.Offline,
		Files:     found.Files,
		Packages:  found.Packages,
		Problems:  found.Problems,
		Findings:  []Finding{},
		Outdated:  []Outdated{},
	}
	findings, probs, err := match(ctx, opts.Source, found.Packages)
	if err != nil {
		return nil, fmt.Errorf("auditing %s: %w", dir, err)
	}
	rep.Findings = findings
	rep.Problems = append(rep.Problems, probs...)

	for _, eco := range []Ecosystem{Go, PyPI, Npm} {
		if !slices.ContainsFunc(found.Packages, func(p Package) bool { return p.Ecosystem == eco }) {
			continue
		}
		if _, ok := opts.Registries[eco]; !ok {
			why := "no registry configured"
			if opts.Offline {
				why = "offline"
			}
			rep.NotAsked = append(rep.NotAsked, fmt.Sprintf("%s not asked for newer %s versions (%s)", registryName(eco), eco, why))
		}
	}
	out, probs := checkOutdated(ctx, opts.Registries, found.Packages)
	rep.Outdated = append(rep.Outdated, out...)
	rep.Problems = append(rep.Problems, probs...)
	return rep, nil
}

// match asks src about each distinct package version once and matches the
// advisories it returns against each pin.
func match(ctx context.Context, src Source, pkgs []Package) ([]Finding, []Problem, error) {
	idx := map[string]int{}
	var uniq []Package
	for _, p := range pkgs {
		if _, ok := idx[p.key()]; !ok {
			idx[p.key()] = len(uniq)
			uniq = append(uniq, p)
		}
	}
	if len(uniq) == 0 {
		return []Finding{}, nil, nil
	}
	advs, err := src.Advisories(ctx, uniq)
	if err != nil {
		return nil, nil, fmt.Errorf("querying %s: %w", src.Describe(), err)
	}
	_, preMatched := src.(interface{ preMatched() bool })
	findings := []Finding{}
	var probs []Problem
	for _, p := range pkgs {
		for _, e := range advs[idx[p.key()]] {
			res, err := matchEntry(e, p)
			if err != nil {
				probs = append(probs, warnf(p.File, p.Line, "%s %s: %v", p.Name, p.Version, err))
				// The OSV API has matched this version already; when a
				// range cannot be re-read here, keep its answer.
				res.Affected = res.Affected || preMatched
			}
			if !res.Affected {
				continue
			}
			findings = append(findings, newFinding(p, e, res))
		}
	}
	slices.SortFunc(findings, func(a, b Finding) int {
		if c := comparePackages(a.Package, b.Package); c != 0 {
			return c
		}
		return cmpString(a.ID, b.ID)
	})
	return findings, probs, nil
}

func newFinding(p Package, e *Entry, res matchResult) Finding {
	var affs []Affected
	for _, a := range e.Affected {
		if baseEcosystem(a.Package.Ecosystem) == string(p.Ecosystem) &&
			normalizeName(p.Ecosystem, a.Package.Name) == normalizeName(p.Ecosystem, p.Name) {
			affs = append(affs, a)
		}
	}
	summary := e.Summary
	if summary == "" {
		summary, _, _ = strings.Cut(strings.TrimSpace(e.Details), "\n")
		if len(summary) > 200 {
			summary = summary[:200] + "…"
		}
	}
	fixed := res.Fixed
	if fixed == nil {
		fixed = []string{}
	}
	return Finding{
		Package:  p,
		ID:       e.ID,
		Aliases:  e.Aliases,
		Summary:  summary,
		Fixed:    fixed,
		Severity: rate(e, affs),
		URL:      advisoryURL(e),
	}
}

// advisoryURL picks a link for the advisory: the database's own page where
// it names one, else osv.dev's.
func advisoryURL(e *Entry) string {
	for _, r := range e.References {
		if r.Type == "ADVISORY" && strings.Contains(r.URL, e.ID) {
			return r.URL
		}
	}
	if strings.HasPrefix(e.ID, "GO-") {
		return "https://pkg.go.dev/vuln/" + e.ID
	}
	return "https://osv.dev/vulnerability/" + e.ID
}

// registryName names the service asked for an ecosystem's newest versions.
func registryName(e Ecosystem) string {
	switch e {
	case Go:
		return "the Go module proxy"
	case PyPI:
		return "the PyPI JSON API"
	case Npm:
		return "the npm registry"
	}
	return string(e) + " registry"
}
