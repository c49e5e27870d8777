package depaudit

import "fmt"

// Ecosystem names a package ecosystem as the OSV schema spells it.
type Ecosystem string

// The ecosystems depaudit reads lock files for.
const (
	Go   Ecosystem = "Go"
	PyPI Ecosystem = "PyPI"
	Npm  Ecosystem = "npm"
)

// Package is one pinned dependency found in a lock or manifest file.
type Package struct {
	// Name is the package name as the ecosystem's advisories spell it: the
	// module path for Go, the PEP 503 normalized name for PyPI, the package
	// name (with its @scope) for npm.
	Name string `json:"name"`
	// Ecosystem is the package's ecosystem.
	Ecosystem Ecosystem `json:"ecosystem"`
	// Version is the installed version exactly as the file pins it (Go
	// versions keep their leading "v").
	Version string `json:"version"`
	// File is the path of the file that pins the package, relative to the
	// audited directory, with forward slashes.
	File string `json:"file"`
	// Line is the 1-based line of the pin in File, or 0 when unknown.
	Line int `json:"line,omitempty"`
	// Indirect reports whether the dependency is not a direct one, when the
	// file says so.
	Indirect bool `json:"indirect,omitempty"`
}

// key identifies a package version regardless of where it was found.
func (p Package) key() string {
	return string(p.Ecosystem) + "\x00" + p.Name + "\x00" + p.Version
}

// Problem is something that kept part of the audit from running: a file that
// could not be parsed, a pin that cannot be audited, a registry that failed.
type Problem struct {
	// File is the file concerned, relative to the audited directory; empty
	// for problems not tied to a file.
	File string `json:"file,omitempty"`
	// Line is the 1-based line, or 0 when unknown.
	Line int `json:"line,omitempty"`
	// Message says what went wrong.
	Message string `json:"message"`
	// Fatal reports whether the problem makes the audit incomplete (a file
	// that could not be read or parsed, a vulnerability source that failed),
	// as opposed to a warning such as an unpinned requirement.
	Fatal bool `json:"fatal"`
}

// problemf returns a fatal problem at file:line.
func problemf(file string, line int, format string, args ...any) Problem {
	return Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...), Fatal: true}
}

// warnf returns a non-fatal problem at file:line.
func warnf(file string, line int, format string, args ...any) Problem {
	return Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)}
}

// String formats p as "file:line: message".
func (p Problem) String() string {
	switch {
	case p.File != "" && p.Line > 0:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	case p.File != "":
		return fmt.Sprintf("%s: %s", p.File, p.Message)
	default:
		return p.Message
	}
}
