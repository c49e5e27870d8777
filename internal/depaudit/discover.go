package depaudit

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// maxLockFile bounds how much of one lock file is read; larger files are
// reported, not parsed.
const maxLockFile = 64 << 20

// lockKind says how to parse a file found during discovery.
type lockKind int

const (
	kindNone lockKind = iota
	kindGoMod
	kindGoSum
	kindRequirements
	kindPoetry
	kindPipfile
	kindNpm
)

// classify returns how to read a file by its base name.
func classify(name string) lockKind {
	switch {
	case name == "go.mod":
		return kindGoMod
	case name == "go.sum":
		return kindGoSum
	case name == "poetry.lock":
		return kindPoetry
	case name == "Pipfile.lock":
		return kindPipfile
	case name == "package-lock.json", name == "npm-shrinkwrap.json":
		return kindNpm
	case strings.HasPrefix(name, "requirements") && strings.HasSuffix(name, ".txt"):
		return kindRequirements
	}
	return kindNone
}

// skipDir reports whether discovery skips a directory below the root:
// dependency and VCS folders, hidden folders, and Go's testdata folders
// (fixtures, not dependencies).
func skipDir(name string) bool {
	switch name {
	case "node_modules", "vendor", "testdata", "__pycache__", "site-packages":
		return true
	}
	return strings.HasPrefix(name, ".") && name != "."
}

// discovered is what reading a project tree found.
type discovered struct {
	Files    []string
	Packages []Package
	Problems []Problem
}

// discover finds and parses every lock and manifest file in fsys. Paths in
// the result are relative to fsys's root, with forward slashes. A file that
// cannot be read or parsed becomes a fatal problem; discovery goes on.
func discover(fsys fs.FS) (discovered, error) {
	var d discovered
	err := fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			d.Problems = append(d.Problems, problemf(p, 0, "cannot read: %v", err))
			return nil
		}
		if e.IsDir() {
			if p != "." && skipDir(e.Name()) {
				return fs.SkipDir
			}
			return d.readDir(fsys, p)
		}
		return nil
	})
	if err != nil {
		return d, fmt.Errorf("reading project: %w", err)
	}
	return d, nil
}

// readDir parses the lock files directly inside dir. go.mod is read before
// go.sum, whose use depends on go.mod's go version.
func (d *discovered) readDir(fsys fs.FS, dir string) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		d.Problems = append(d.Problems, problemf(dir, 0, "cannot list: %v", err))
		return nil
	}
	goVersion := ""
	var goModNames map[string]bool
	for _, e := range entries {
		kind := classify(e.Name())
		if e.IsDir() || kind == kindNone {
			continue
		}
		p := path.Join(dir, e.Name())
		if kind == kindGoSum {
			continue // below, after go.mod
		}
		data, ok := d.read(fsys, p, e)
		if !ok {
			continue
		}
		d.Files = append(d.Files, p)
		var pkgs []Package
		var probs []Problem
		switch kind {
		case kindGoMod:
			pkgs, probs = parseGoMod(p, data)
			goModNames = map[string]bool{}
			for _, pk := range pkgs {
				goModNames[pk.Name] = true
				if pk.Name == stdlibModule {
					goVersion = pk.Version
				}
			}
		case kindRequirements:
			pkgs, probs = parseRequirements(p, data)
		case kindPoetry:
			pkgs, probs = parsePoetryLock(p, data)
		case kindPipfile:
			pkgs, probs = parsePipfileLock(p, data)
		case kindNpm:
			pkgs, probs = parsePackageLock(p, data)
		}
		d.Packages = append(d.Packages, pkgs...)
		d.Problems = append(d.Problems, probs...)
	}
	for _, e := range entries {
		if e.IsDir() || classify(e.Name()) != kindGoSum {
			continue
		}
		p := path.Join(dir, e.Name())
		data, ok := d.read(fsys, p, e)
		if !ok {
			continue
		}
		d.Files = append(d.Files, p)
		pkgs, probs := parseGoSum(p, data, goVersion)
		for _, pk := range pkgs {
			if !goModNames[pk.Name] {
				d.Packages = append(d.Packages, pk)
			}
		}
		d.Problems = append(d.Problems, probs...)
	}
	return nil
}

// read returns a lock file's content, or records why it could not.
func (d *discovered) read(fsys fs.FS, p string, e fs.DirEntry) ([]byte, bool) {
	if info, err := e.Info(); err == nil && info.Size() > maxLockFile {
		d.Problems = append(d.Problems, problemf(p, 0, "file is larger than %d bytes: not read", maxLockFile))
		return nil, false
	}
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		d.Problems = append(d.Problems, problemf(p, 0, "cannot read: %v", err))
		return nil, false
	}
	return data, true
}
