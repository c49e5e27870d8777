package depaudit

import (
	"bufio"
	"bytes"
	"errors"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// stdlibModule is the name the Go vulnerability database gives the
// standard library.
const stdlibModule = "stdlib"

// parseGoMod reads a go.mod file: every required module (after replace
// directives) and the standard library at the Go version the file asks for
// (its toolchain line, else its go line, which is the minimum a build may
// use; a newer toolchain may be what actually builds it).
func parseGoMod(file string, data []byte) ([]Package, []Problem) {
	f, err := modfile.Parse(file, data, nil)
	if err != nil {
		var list modfile.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			return nil, []Problem{problemf(file, list[0].Pos.Line, "malformed go.mod: %v", list[0].Err)}
		}
		return nil, []Problem{problemf(file, 0, "malformed go.mod: %v", err)}
	}
	var probs []Problem
	replaced := map[module.Version]module.Version{} // old (Version "" = all) → new
	local := map[module.Version]bool{}
	for _, r := range f.Replace {
		if modfile.IsDirectoryPath(r.New.Path) || r.New.Version == "" {
			local[r.Old] = true
			continue
		}
		replaced[r.Old] = r.New
	}
	var pkgs []Package
	for _, r := range f.Require {
		mv := r.Mod
		line := 0
		if r.Syntax != nil {
			line = r.Syntax.Start.Line
		}
		if local[mv] || local[module.Version{Path: mv.Path}] {
			probs = append(probs, warnf(file, line, "%s is replaced by a local directory: not audited", mv.Path))
			continue
		}
		if n, ok := replaced[mv]; ok {
			mv = n
		} else if n, ok := replaced[module.Version{Path: mv.Path}]; ok {
			mv = n
		}
		pkgs = append(pkgs, Package{Name: mv.Path, Ecosystem: Go, Version: mv.Version, File: file, Line: line, Indirect: r.Indirect})
	}
	if v, line := goToolchainVersion(f); v != "" {
		pkgs = append(pkgs, Package{Name: stdlibModule, Ecosystem: Go, Version: v, File: file, Line: line})
	}
	return pkgs, probs
}

// goToolchainVersion returns the Go release a go.mod file names, as a
// semantic version ("go 1.22" → "v1.22.0", "go1.21rc2" → "v1.21.0-rc.2").
func goToolchainVersion(f *modfile.File) (string, int) {
	raw, line := "", 0
	if f.Toolchain != nil && f.Toolchain.Name != "default" {
		raw = strings.TrimPrefix(f.Toolchain.Name, "go")
		if f.Toolchain.Syntax != nil {
			line = f.Toolchain.Syntax.Start.Line
		}
	} else if f.Go != nil {
		raw = f.Go.Version
		if f.Go.Syntax != nil {
			line = f.Go.Syntax.Start.Line
		}
	}
	if raw == "" {
		return "", 0
	}
	// Strip a toolchain suffix such as "1.22.1-custom".
	if i := strings.IndexAny(raw, "-+ "); i >= 0 {
		raw = raw[:i]
	}
	pre := ""
	for _, tag := range []string{"rc", "beta"} {
		if i := strings.Index(raw, tag); i >= 0 {
			pre = "-" + tag + "." + raw[i+len(tag):]
			raw = raw[:i]
		}
	}
	parts := strings.Split(raw, ".")
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	v := "v" + strings.Join(parts, ".") + pre
	if !semver.IsValid(v) {
		return "", 0
	}
	return v, line
}

// parseGoSum reads a go.sum file. Since Go 1.17 go.mod lists every module a
// build needs and go.sum only verifies them, so go.sum adds packages only
// for modules whose go.mod says an older go version (or none): then the
// highest version with a module hash (not only a go.mod hash) is taken.
// Every line is still checked, so a malformed go.sum is reported.
func parseGoSum(file string, data []byte, goModGoVersion string) ([]Package, []Problem) {
	type pin struct {
		v    string
		line int
	}
	best := map[string]pin{}
	var order []string
	var probs []Problem
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 3 || !strings.HasPrefix(fields[2], "h1:") {
			probs = append(probs, problemf(file, n, "malformed go.sum line: want \"module version h1:hash\""))
			continue
		}
		path, ver := fields[0], fields[1]
		if strings.HasSuffix(ver, "/go.mod") {
			continue
		}
		if err := module.Check(path, ver); err != nil {
			probs = append(probs, problemf(file, n, "malformed go.sum line: %v", err))
			continue
		}
		old, ok := best[path]
		if !ok {
			order = append(order, path)
		}
		if !ok || semver.Compare(ver, old.v) > 0 {
			best[path] = pin{ver, n}
		}
	}
	if err := sc.Err(); err != nil {
		probs = append(probs, problemf(file, n+1, "reading go.sum: %v", err))
	}
	if goModGoVersion != "" && semver.Compare(goModGoVersion, "v1.17.0") >= 0 {
		return nil, probs
	}
	var pkgs []Package
	for _, p := range order {
		pkgs = append(pkgs, Package{Name: p, Ecosystem: Go, Version: best[p].v, File: file, Line: best[p].line, Indirect: true})
	}
	return pkgs, probs
}
