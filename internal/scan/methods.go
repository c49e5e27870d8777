package scan

import (
	"context"
	"fmt"
	"net/http"
	"slices"
)

// methodsCheck sends TRACE, TRACK and a made-up method, and (active only)
// the undocumented state-changing methods of documented paths.
type methodsCheck struct{}

func (methodsCheck) Name() string { return "methods" }

func ruleTrace() Rule {
	return newRule("methods-trace", "TRACE/TRACK enabled", SeverityMedium,
		API8Misconfig, 693,
		"Disable TRACE and TRACK: answer 405 (nginx/Apache: TraceEnable off; most frameworks do by default).")
}

func ruleUnexpectedMethod() Rule {
	return newRule("methods-unexpected", "Unexpected HTTP method accepted", SeverityLow,
		API8Misconfig, 749,
		"Route on method and path together and answer 405 Method Not Allowed for every method an operation does not document.")
}

func (methodsCheck) Rules() []Rule { return []Rule{ruleTrace(), ruleUnexpectedMethod()} }

func (c methodsCheck) Run(ctx context.Context, s *session) ([]Finding, error) {
	var out []Finding
	path := s.target.RequestURI()
	for _, m := range []string{http.MethodTrace, "TRACK"} {
		h := http.Header{"X-Rampart-Scan": {"trace-probe"}}
		ex, err := s.c.do(ctx, c.Name(), probe{method: m, path: path, header: h})
		if err != nil {
			return out, err
		}
		if ex.ok() {
			out = append(out, newFinding(ruleTrace(), ex.location(), fmt.Sprintf("%s answered %d; a TRACE echo exposes request headers (cookies, tokens) to scripts.", m, ex.status), ex.evidence()))
			break
		}
	}
	// A made-up method must never succeed.
	var first *Operation
	for i := range s.ops {
		if s.ops[i].Method == http.MethodGet {
			first = &s.ops[i]
			break
		}
	}
	if first != nil {
		ex, err := s.c.do(ctx, c.Name(), probe{method: "RAMPARTSCAN", path: first.target(nil), header: authHeader(s.opts.Auth)})
		if err != nil {
			return out, err
		}
		if ex.ok() {
			out = append(out, newFinding(ruleUnexpectedMethod(), ex.location(), "A made-up method RAMPARTSCAN was answered with success: the handler ignores the method.", ex.evidence()))
		}
	}
	if !s.opts.Active {
		return out, nil
	}
	byPath := map[string][]string{}
	var order []string
	for _, op := range s.ops {
		if !op.Documented {
			continue
		}
		if _, ok := byPath[op.Path]; !ok {
			order = append(order, op.Path)
		}
		byPath[op.Path] = append(byPath[op.Path], op.Method)
	}
	tried := 0
	agg := &affected{rule: ruleUnexpectedMethod()}
	agg.rule.Severity = SeverityMedium
	for _, path := range order {
		if tried >= 10 {
			break
		}
		documented := byPath[path]
		op := Operation{Path: path}
		for _, o := range s.ops {
			if o.Path == path {
				op.Params = o.Params
				break
			}
		}
		for _, m := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if slices.Contains(documented, m) {
				continue
			}
			tried++
			ex, err := s.c.do(ctx, c.Name(), probe{method: m, path: op.target(nil), header: authHeader(s.opts.Auth), body: []byte("{}")})
			if err != nil {
				return out, err
			}
			if ex.ok() {
				agg.add(ex, fmt.Sprintf("%s is not documented for %s but was answered %d.", m, path, ex.status))
			}
		}
	}
	if f, ok := agg.finding(); ok {
		out = append(out, f)
	}
	return out, nil
}
