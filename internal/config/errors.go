package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem with the configuration: where the value came from, the
// key path it belongs to, and what is wrong with it. Its message never contains
// the value of a secret.
type Error struct {
	// File is the config file the value came from; empty when the value came
	// from the environment, from Go code, or when no file was read.
	File string
	// Line is the 1-based line in File; 0 when unknown (for example a
	// required key that is missing).
	Line int
	// Env is the environment variable that supplied the value; empty when
	// the value did not come from the environment.
	Env string
	// Path is the key path, such as "server.listen" or
	// "routes[2].rate_limit.limit"; empty for problems with the whole file.
	Path string
	// Msg says what is wrong and what was expected.
	Msg string
}

// Error renders the problem as "FILE:LINE: PATH: MSG", or as
// "environment NAME (PATH): MSG" when the value came from the environment.
// Parts that are unknown are left out.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Env != "":
		b.WriteString("environment ")
		b.WriteString(e.Env)
		if e.Path != "" {
			b.WriteString(" (" + e.Path + ")")
		}
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d", e.File, e.Line)
	case e.File != "":
		b.WriteString(e.File)
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d", e.Line)
	}
	if e.Env == "" && e.Path != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Path)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one load. Load, Parse and Validate return
// it (never empty) as their error.
type Errors []*Error

// Error renders every problem, one per line, sorted by line and then key path.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es.sortedCopy() {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the individual errors so errors.As can find an *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// As lets errors.As fill a target of type *Errors as well as Errors, so
// callers may write either form.
func (es Errors) As(target any) bool {
	if p, ok := target.(**Errors); ok {
		c := es
		*p = &c
		return true
	}
	return false
}

// sort orders the problems by line, then environment variable, then key path,
// then message, so output is stable.
func (es Errors) sort() {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Env, b.Env),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
}

// orNil returns es as an error, or nil when there are no problems, so callers
// never receive a non-nil error holding an empty list.
func (es Errors) orNil() error {
	if len(es) == 0 {
		return nil
	}
	es.sort()
	return es
}

// sortedCopy returns the problems sorted, leaving es as it is.
func (es Errors) sortedCopy() Errors {
	c := slices.Clone(es)
	c.sort()
	return c
}
