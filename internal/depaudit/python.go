package depaudit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	pep440 "github.com/aquasecurity/go-pep440-version"
	"github.com/pelletier/go-toml/v2"
)

// pyName matches a PEP 508 distribution name and its optional extras.
var pyName = regexp.MustCompile(`^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*`)

// parseRequirements reads a pip requirements file. Only exact pins
// ("name==1.2.3", "name===1.2.3") can be audited; a requirement with a
// range or without a version is reported as a warning, an editable or URL
// requirement likewise. A line that is not a requirement is a fatal problem
// naming the line; the other lines are still read.
func parseRequirements(file string, data []byte) ([]Package, []Problem) {
	var pkgs []Package
	var probs []Problem
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	n, start := 0, 0
	var logical strings.Builder
	for sc.Scan() {
		n++
		line := sc.Text()
		if logical.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(line, `\`) {
			logical.WriteString(strings.TrimSuffix(line, `\`))
			logical.WriteByte(' ')
			continue
		}
		logical.WriteString(line)
		text := logical.String()
		logical.Reset()
		p, prob := parseRequirementLine(file, start, text)
		if p != nil {
			pkgs = append(pkgs, *p)
		}
		if prob != nil {
			probs = append(probs, *prob)
		}
	}
	if err := sc.Err(); err != nil {
		probs = append(probs, problemf(file, n+1, "reading requirements: %v", err))
	}
	return pkgs, probs
}

// parseRequirementLine parses one logical requirements line.
func parseRequirementLine(file string, line int, text string) (*Package, *Problem) {
	if i := commentStart(text); i >= 0 {
		text = text[:i]
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	if strings.HasPrefix(text, "-") {
		if strings.HasPrefix(text, "-e") || strings.HasPrefix(text, "--editable") {
			w := warnf(file, line, "editable requirement %q: not audited", text)
			return nil, &w
		}
		return nil, nil // -r, -c, --index-url and other options
	}
	// Per-requirement options (--hash=...) follow the requirement.
	if i := strings.Index(text, " --"); i >= 0 {
		text = strings.TrimSpace(text[:i])
	}
	// Environment markers follow a semicolon.
	if i := strings.IndexByte(text, ';'); i >= 0 {
		text = strings.TrimSpace(text[:i])
	}
	m := pyName.FindStringSubmatchIndex(text)
	if m == nil {
		if strings.Contains(text, "://") || strings.HasPrefix(text, ".") || strings.HasPrefix(text, "/") {
			w := warnf(file, line, "requirement %q is a URL or path: not audited", text)
			return nil, &w
		}
		p := problemf(file, line, "malformed requirement %q: no package name", text)
		return nil, &p
	}
	name := text[m[2]:m[3]]
	spec := strings.TrimSpace(text[m[1]:])
	if strings.HasPrefix(spec, "@") {
		w := warnf(file, line, "%s is a direct URL reference: not audited", name)
		return nil, &w
	}
	spec = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(spec, "("), ")"))
	if spec == "" {
		w := warnf(file, line, "%s is not pinned: not audited (pin it with ==, or audit a lock file)", name)
		return nil, &w
	}
	clauses := strings.Split(spec, ",")
	var pinned string
	for _, c := range clauses {
		c = strings.TrimSpace(c)
		op := strings.TrimRight(c[:len(c)-len(strings.TrimLeft(c, "=<>!~"))], " ")
		ver := strings.TrimSpace(c[len(op):])
		if !slices.Contains([]string{"==", "===", "!=", "<=", ">=", "<", ">", "~="}, op) || ver == "" {
			p := problemf(file, line, "malformed requirement %q: bad version specifier %q", text, c)
			return nil, &p
		}
		if (op == "==" || op == "===") && !strings.HasSuffix(ver, ".*") {
			pinned = ver
		}
	}
	if pinned == "" || len(clauses) > 1 && !allPins(clauses) {
		w := warnf(file, line, "%s %s is a range, not a pin: not audited (pin it with ==, or audit a lock file)", name, spec)
		return nil, &w
	}
	if _, err := pep440.Parse(pinned); err != nil {
		p := problemf(file, line, "malformed requirement %q: %q is not a PEP 440 version", text, pinned)
		return nil, &p
	}
	return &Package{Name: normalizePyPI(name), Ecosystem: PyPI, Version: pinned, File: file, Line: line}, nil
}

func allPins(clauses []string) bool {
	for _, c := range clauses {
		if !strings.HasPrefix(strings.TrimSpace(c), "==") {
			return false
		}
	}
	return true
}

// commentStart returns where a "#" comment begins (at the start of the line
// or after whitespace, as pip reads it), or -1.
func commentStart(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			return i
		}
	}
	return -1
}

// parsePoetryLock reads poetry.lock: one [[package]] table per locked
// distribution.
func parsePoetryLock(file string, data []byte) ([]Package, []Problem) {
	var lock struct {
		Package []struct {
			Name    string `toml:"name"`
			Version string `toml:"version"`
		} `toml:"package"`
	}
	if err := toml.Unmarshal(data, &lock); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, _ := de.Position()
			return nil, []Problem{problemf(file, row, "malformed poetry.lock: %v", err)}
		}
		return nil, []Problem{problemf(file, 0, "malformed poetry.lock: %v", err)}
	}
	var pkgs []Package
	var probs []Problem
	off := 0
	for _, p := range lock.Package {
		line := 0
		if i := bytes.Index(data[off:], []byte(fmt.Sprintf("name = %q", p.Name))); i >= 0 {
			off += i
			line = lineAt(data, int64(off))
		}
		if p.Name == "" || p.Version == "" {
			probs = append(probs, problemf(file, line, "malformed poetry.lock: [[package]] without name or version"))
			continue
		}
		if _, err := pep440.Parse(p.Version); err != nil {
			probs = append(probs, problemf(file, line, "%s: %q is not a PEP 440 version", p.Name, p.Version))
			continue
		}
		pkgs = append(pkgs, Package{Name: normalizePyPI(p.Name), Ecosystem: PyPI, Version: p.Version, File: file, Line: line})
	}
	return pkgs, probs
}

// parsePipfileLock reads Pipfile.lock: its "default" and "develop" maps of
// name to {"version": "==1.2.3"}. Entries without a version (VCS or path
// dependencies) are warnings.
func parsePipfileLock(file string, data []byte) ([]Package, []Problem) {
	type dep struct {
		Version string `json:"version"`
	}
	var lock struct {
		Default map[string]dep `json:"default"`
		Develop map[string]dep `json:"develop"`
	}
	if p := decodeJSON(file, data, &lock); p != nil {
		return nil, []Problem{*p}
	}
	var pkgs []Package
	var probs []Problem
	for _, section := range []struct {
		name string
		deps map[string]dep
	}{{"default", lock.Default}, {"develop", lock.Develop}} {
		_, from := keyLine(data, section.name, 0)
		names := make([]string, 0, len(section.deps))
		for n := range section.deps {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			line, _ := keyLine(data, n, from)
			v := section.deps[n].Version
			if v == "" {
				probs = append(probs, warnf(file, line, "%s has no version (VCS or path dependency): not audited", n))
				continue
			}
			ver, ok := strings.CutPrefix(v, "==")
			if !ok {
				probs = append(probs, warnf(file, line, "%s %s is not a pin: not audited", n, v))
				continue
			}
			if _, err := pep440.Parse(ver); err != nil {
				probs = append(probs, problemf(file, line, "%s: %q is not a PEP 440 version", n, ver))
				continue
			}
			pkgs = append(pkgs, Package{Name: normalizePyPI(n), Ecosystem: PyPI, Version: ver, File: file, Line: line})
		}
	}
	return pkgs, probs
}
