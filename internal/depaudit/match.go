package depaudit

import (
	"fmt"
	"slices"
)

// matchResult says whether an advisory affects a package version and which
// versions fix it.
type matchResult struct {
	Affected bool
	// Fixed holds the fixed versions of the ranges that contain the
	// installed version, lowest first; empty when no fix is published.
	Fixed []string
}

// matchEntry reports whether entry affects pkg. Only the entry's Affected
// items for pkg's ecosystem and (normalized) name count. An error means a
// version could not be ordered; the result then reflects the explicit
// "versions" lists only.
func matchEntry(entry *Entry, pkg Package) (matchResult, error) {
	var res matchResult
	if entry.Withdrawn != nil {
		return res, nil
	}
	order, err := orderFor(pkg.Ecosystem)
	if err != nil {
		return res, err
	}
	name := normalizeName(pkg.Ecosystem, pkg.Name)
	var firstErr error
	for _, aff := range entry.Affected {
		if baseEcosystem(aff.Package.Ecosystem) != string(pkg.Ecosystem) ||
			normalizeName(pkg.Ecosystem, aff.Package.Name) != name {
			continue
		}
		for _, v := range aff.Versions {
			if c, err := order.Compare(pkg.Version, v); err == nil && c == 0 || v == pkg.Version {
				res.Affected = true
			}
		}
		for _, r := range aff.Ranges {
			if r.Type != "SEMVER" && r.Type != "ECOSYSTEM" {
				continue // GIT ranges name commits, not releases.
			}
			hit, fixed, err := inRange(order, r.Events, pkg.Version)
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("advisory %s: %w", entry.ID, err)
				}
				continue
			}
			if hit {
				res.Affected = true
				if fixed != "" && !slices.Contains(res.Fixed, fixed) {
					res.Fixed = append(res.Fixed, fixed)
				}
			}
		}
	}
	slices.SortFunc(res.Fixed, func(a, b string) int {
		c, _ := order.Compare(a, b)
		return c
	})
	return res, firstErr
}

// inRange evaluates a range's events for version v as the OSV schema
// specifies: sorted by version, an "introduced" at or below v opens an
// affected interval, a "fixed" at or below v closes it, and a
// "last_affected" below v closes it. "introduced: 0" is below every
// version. It returns the fixed event that closes the interval holding v,
// if any.
func inRange(order versionOrder, events []Event, v string) (bool, string, error) {
	type point struct {
		ver  string
		kind int // 0 introduced, 1 fixed, 2 last_affected
	}
	var pts []point
	for _, e := range events {
		switch {
		case e.Introduced != "":
			pts = append(pts, point{e.Introduced, 0})
		case e.Fixed != "":
			pts = append(pts, point{e.Fixed, 1})
		case e.LastAffected != "":
			pts = append(pts, point{e.LastAffected, 2})
		}
	}
	// Validate every version first so the sort below cannot meet an error.
	if _, err := order.Compare(v, v); err != nil {
		return false, "", err
	}
	for _, p := range pts {
		if p.kind == 0 && p.ver == "0" {
			continue
		}
		if _, err := order.Compare(p.ver, p.ver); err != nil {
			return false, "", err
		}
	}
	cmp := func(a, b string) int {
		switch {
		case a == "0" && b == "0":
			return 0
		case a == "0":
			return -1
		case b == "0":
			return 1
		}
		c, _ := order.Compare(a, b)
		return c
	}
	slices.SortStableFunc(pts, func(a, b point) int { return cmp(a.ver, b.ver) })

	affected := false
	for _, p := range pts {
		c := cmp(p.ver, v) // p relative to v
		switch p.kind {
		case 0:
			if c <= 0 {
				affected = true
			}
		case 1:
			if c <= 0 {
				affected = false
			}
		case 2:
			if c < 0 {
				affected = false
			}
		}
	}
	if !affected {
		return false, "", nil
	}
	// The interval holding v ends at the first closing event above it: a
	// "fixed" names the fix; a "last_affected" means none is published.
	for _, p := range pts {
		if p.kind == 0 || cmp(p.ver, v) < 0 || (p.kind == 1 && cmp(p.ver, v) == 0) {
			continue
		}
		if p.kind == 1 {
			return true, p.ver, nil
		}
		return true, "", nil
	}
	return true, "", nil
}
