package depaudit

import (
	"slices"
	"strings"

	npmsemver "github.com/Masterminds/semver/v3"
)

// npmPackageEntry is one entry of a lockfileVersion 2 or 3 "packages" map.
type npmPackageEntry struct {
	Version string `json:"version"`
	Link    bool   `json:"link"`
}

// npmLockEntry is one entry of a lockfileVersion 1 "dependencies" tree.
type npmLockEntry struct {
	Version      string                  `json:"version"`
	Dependencies map[string]npmLockEntry `json:"dependencies"`
}

// parsePackageLock reads package-lock.json (and npm-shrinkwrap.json) in
// lockfileVersion 1 (nested "dependencies"), 2 (both shapes; "packages" is
// read) and 3 ("packages" only). Links and entries whose version is not a
// registry version (git, file: and tarball dependencies) are warnings.
func parsePackageLock(file string, data []byte) ([]Package, []Problem) {
	var lock struct {
		LockfileVersion int                        `json:"lockfileVersion"`
		Packages        map[string]npmPackageEntry `json:"packages"`
		Dependencies    map[string]npmLockEntry    `json:"dependencies"`
	}
	if p := decodeJSON(file, data, &lock); p != nil {
		return nil, []Problem{*p}
	}
	if lock.LockfileVersion < 1 || lock.LockfileVersion > 3 {
		return nil, []Problem{problemf(file, 1, "unsupported lockfileVersion %d (want 1, 2 or 3)", lock.LockfileVersion)}
	}
	var pkgs []Package
	var probs []Problem
	add := func(name, version string, line int) {
		if _, err := npmsemver.StrictNewVersion(version); err != nil {
			probs = append(probs, warnf(file, line, "%s@%s is not a registry version: not audited", name, version))
			return
		}
		pkgs = append(pkgs, Package{Name: name, Ecosystem: Npm, Version: version, File: file, Line: line})
	}
	if lock.Packages != nil {
		_, from := keyLine(data, "packages", 0)
		keys := make([]string, 0, len(lock.Packages))
		for k := range lock.Packages {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			e := lock.Packages[k]
			if k == "" || e.Link {
				continue // the project itself, or a workspace link
			}
			i := strings.LastIndex(k, "node_modules/")
			if i < 0 {
				continue // a workspace folder: its packages are listed under node_modules
			}
			line, _ := keyLine(data, k, from)
			name := k[i+len("node_modules/"):]
			if name == "" {
				probs = append(probs, problemf(file, line, "malformed package key %q", k))
				continue
			}
			add(name, e.Version, line)
		}
		return pkgs, probs
	}
	var walk func(deps map[string]npmLockEntry, from int)
	walk = func(deps map[string]npmLockEntry, from int) {
		names := make([]string, 0, len(deps))
		for n := range deps {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			line, next := keyLine(data, n, from)
			add(n, deps[n].Version, line)
			walk(deps[n].Dependencies, next)
		}
	}
	_, from := keyLine(data, "dependencies", 0)
	walk(lock.Dependencies, from)
	return pkgs, probs
}
