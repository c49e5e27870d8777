package scan

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// errorsCheck looks for stack traces, framework debug pages and verbose
// errors in every response, provokes errors with harmless malformed values,
// and asks for debug and leak paths (/debug, /actuator, /.env, /.git, the
// Werkzeug console that debug=True exposes).
type errorsCheck struct{}

func (errorsCheck) Name() string { return "errors" }

func ruleDebugger() Rule {
	return newRule("errors-debug-mode", "Framework debugger or debug page exposed", SeverityHigh,
		API8Misconfig, 489,
		"Never run with debug on outside a developer's machine (Flask: app.run(debug=False), FLASK_DEBUG unset, serve with gunicorn; Django: DEBUG = False). The Werkzeug debugger runs arbitrary Python for anyone who reaches it.")
}

func ruleStackTrace() Rule {
	return newRule("errors-stack-trace", "Stack trace in response", SeverityMedium,
		API8Misconfig, 209,
		"Catch errors at one boundary that logs the exception with a request id and answers a generic problem+json body (RFC 9457) with that id; never send tracebacks to clients.")
}

func ruleVerboseError() Rule {
	return newRule("errors-verbose", "Verbose error message", SeverityLow,
		API8Misconfig, 209,
		"Answer errors with a short public message and an id; keep exception names, SQL and file paths in the server log.")
}

func ruleExposedPath() Rule {
	return newRule("errors-exposed-path", "Debug, management or secret file exposed", SeverityHigh,
		API8Misconfig, 538,
		"Do not serve these paths: keep .env and .git out of the web root, bind /debug and /actuator to a management port reachable only from operators, or remove them.")
}

func (errorsCheck) Rules() []Rule {
	return []Rule{ruleDebugger(), ruleStackTrace(), ruleVerboseError(), ruleExposedPath()}
}

// leakPath is a path to ask for, the rule and severity a hit is reported
// under, and how to recognise a real hit.
type leakPath struct {
	path string
	rule Rule
	sev  Severity
	what string
	// match recognises the body; a 2xx with another body is not a hit.
	match func(body string) bool
}

func leakPaths() []leakPath {
	contains := func(subs ...string) func(string) bool {
		return func(b string) bool {
			for _, s := range subs {
				if strings.Contains(b, s) {
					return true
				}
			}
			return false
		}
	}
	exposed, debugger := ruleExposedPath(), ruleDebugger()
	return []leakPath{
		{"/.env", exposed, SeverityHigh, "an environment file (secrets)", envFile},
		{"/.git/HEAD", exposed, SeverityHigh, "the git repository (source and history)", func(b string) bool { return strings.HasPrefix(b, "ref: refs/") || isHexLine(b) }},
		{"/console", debugger, SeverityHigh, "the Werkzeug interactive console", contains("Werkzeug", "Interactive Console")},
		{"/?__debugger__=yes&cmd=resource&f=debugger.js", debugger, SeverityHigh, "the Werkzeug debugger's resources (debug=True)", contains("__debugger__", "EVALEX")},
		{"/actuator/env", exposed, SeverityHigh, "Spring Boot actuator environment (secrets)", contains("propertySources", "activeProfiles")},
		{"/actuator", exposed, SeverityMedium, "Spring Boot actuator index", contains(`"_links"`)},
		{"/debug/pprof/", exposed, SeverityMedium, "Go pprof profiles", contains("profiles", "goroutine")},
		{"/debug/vars", exposed, SeverityMedium, "Go expvar variables", contains("memstats", "cmdline")},
		{"/debug", exposed, SeverityMedium, "a debug endpoint", contains("debug", "Debug", "DEBUG")},
		{"/server-status", exposed, SeverityMedium, "Apache server status", contains("Apache Server Status")},
		{"/phpinfo.php", exposed, SeverityMedium, "phpinfo()", contains("phpinfo()", "PHP Version")},
	}
}

// envFile recognises KEY=value lines, the shape of a .env file.
func envFile(b string) bool {
	if strings.Contains(strings.ToLower(b), "<html") {
		return false
	}
	n := 0
	for _, line := range strings.Split(b, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, _, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t{}\"<") {
			return false
		}
		n++
	}
	return n > 0
}

func isHexLine(b string) bool {
	b = strings.TrimSpace(b)
	if len(b) != 40 {
		return false
	}
	for _, r := range b {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

func (c errorsCheck) Run(ctx context.Context, s *session) ([]Finding, error) {
	var exs []*exchange
	if s.first != nil {
		exs = append(exs, s.first)
	}
	if s.missing != nil {
		exs = append(exs, s.missing)
	}
	exs = append(exs, s.responses()...)
	// Provoke errors: each GET operation with its parameters of the wrong
	// type, and a JSON content type with a body that is not JSON on the
	// target URL (harmless: both must be refused with a 4xx).
	var budgetErr error
	for _, op := range s.ops {
		if op.Method != http.MethodGet || len(op.Params) == 0 {
			continue
		}
		vals := map[string]string{}
		for _, p := range op.Params {
			vals[p.Name] = "rampart-scan-%%"
		}
		ex, err := s.c.do(ctx, c.Name(), probe{method: http.MethodGet, path: op.target(vals), header: authHeader(s.opts.Auth)})
		if err != nil {
			if errors.Is(err, ErrBudget) || ctx.Err() != nil {
				budgetErr = err
				break
			}
			s.note("errors: %v", err) // one failed probe (a timeout) does not end the check
			continue
		}
		exs = append(exs, ex)
	}
	var out []Finding
	seen := map[string]bool{}
	sigs := signatures()
	for _, ex := range exs {
		sig := classifyBody(sigs, ex.body)
		if sig.kind == bodyPlain {
			continue
		}
		var r Rule
		switch sig.kind {
		case bodyDebugger:
			r = ruleDebugger()
		case bodyTrace:
			r = ruleStackTrace()
		default:
			r = ruleVerboseError()
		}
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		out = append(out, newFinding(r, ex.location(), fmt.Sprintf("The response contains %s (%q).", sig.what, sig.match), ex.evidence()))
	}
	if budgetErr != nil {
		return out, budgetErr
	}
	for _, lp := range leakPaths() {
		ex, err := s.c.do(ctx, c.Name(), probe{method: http.MethodGet, path: lp.path})
		if err != nil {
			if errors.Is(err, ErrBudget) || ctx.Err() != nil {
				return out, err
			}
			continue
		}
		if !ex.ok() || s.isMissing(ex) || !lp.match(string(ex.body)) {
			continue
		}
		if lp.rule.ID == ruleDebugger().ID { // reported once, body scans included
			if seen[lp.rule.ID] {
				continue
			}
			seen[lp.rule.ID] = true
		}
		f := newFinding(lp.rule, ex.location(), fmt.Sprintf("%s answers with %s.", lp.path, lp.what), ex.evidence())
		f.Severity = lp.sev
		out = append(out, f)
	}
	return out, nil
}

// bodyKind is what classifyBody recognised.
type bodyKind int

const (
	bodyPlain bodyKind = iota
	bodyVerbose
	bodyTrace
	bodyDebugger
)

// bodySignature is classifyBody's verdict: the kind, a description, and the
// matched text.
type bodySignature struct {
	kind  bodyKind
	what  string
	match string
}

// signature is one pattern classifyBody looks for.
type signature struct {
	kind bodyKind
	what string
	re   *regexp.Regexp
}

func signatures() []signature {
	return []signature{
		{bodyDebugger, "the Werkzeug debugger (Flask debug=True)", regexp.MustCompile(`Werkzeug Debugger|The debugger caught an exception in your WSGI application`)},
		{bodyDebugger, "Django's debug page (DEBUG = True)", regexp.MustCompile(`You're seeing this error because you have <code>DEBUG = True</code>`)},
		{bodyDebugger, "a Rails or Laravel debug page", regexp.MustCompile(`Action Controller: Exception caught|Whoops! There was an error\.`)},
		{bodyTrace, "a Python traceback", regexp.MustCompile(`Traceback \(most recent call last\):|File "[^"]+", line \d+, in `)},
		{bodyTrace, "a Java stack trace", regexp.MustCompile(`\bat (?:[\w$]+\.)+[\w$<>]+\([\w$]+\.(?:java|kt|scala):\d+\)`)},
		{bodyTrace, "a Node.js stack trace", regexp.MustCompile(`\bat (?:[\w$.<>\[\] ]+ \()?(?:/|[A-Za-z]:\\|node:)[^\s()]+\.[cm]?js:\d+:\d+\)?`)},
		{bodyTrace, "a Go panic trace", regexp.MustCompile(`goroutine \d+ \[running\]:`)},
		{bodyTrace, "a .NET stack trace", regexp.MustCompile(`(?:Stack Trace:|\bat [\w.]+\(.*\) in .+:line \d+)`)},
		{bodyTrace, "a PHP error", regexp.MustCompile(`(?:Fatal error|Warning|Parse error)</b>?:.* on line <b>?\d+`)},
		{bodyVerbose, "Spring's Whitelabel error page", regexp.MustCompile(`Whitelabel Error Page`)},
		{bodyVerbose, "an exception class name", regexp.MustCompile(`\b(?:[a-z_][a-z0-9_]*\.){1,}[A-Z]\w*(?:Exception|Error)\b`)},
	}
}

// classifyBody recognises debug pages, stack traces and verbose errors in a
// response body (untrusted input; see FuzzClassifyBody) with sigs (from
// signatures). Only the first 256 KiB are examined.
func classifyBody(sigs []signature, body []byte) bodySignature {
	if len(body) > 256<<10 {
		body = body[:256<<10]
	}
	best := bodySignature{}
	for _, sig := range sigs {
		if sig.kind <= best.kind {
			continue
		}
		if m := sig.re.Find(body); m != nil {
			best = bodySignature{kind: sig.kind, what: sig.what, match: clip(m, 120)}
		}
	}
	return best
}
