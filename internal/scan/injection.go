package scan

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// injectionCheck (--active only) sends a quote in every parameter and
// string body field and looks for database errors, and puts a loopback
// canary URL in every URL-like parameter to catch server-side fetches.
type injectionCheck struct{}

func (injectionCheck) Name() string { return "injection" }

func ruleSQLi() Rule {
	return newRule("injection-sql-error", "SQL error provoked by a quote (SQL injection)", SeverityHigh,
		API8Misconfig, 89,
		"Pass every value as a bound parameter (cursor.execute(\"... WHERE id = ?\", (id,)); database/sql placeholders); never build SQL with string formatting.")
}

func ruleSSRF() Rule {
	return newRule("injection-ssrf", "Server-side request forgery: a supplied URL was fetched", SeverityHigh,
		API7SSRF, 918,
		"Do not fetch client-supplied URLs; if you must, allow-list schemes and hosts, resolve and refuse private, loopback and link-local addresses, and disable redirects.")
}

func (injectionCheck) Rules() []Rule { return []Rule{ruleSQLi(), ruleSSRF()} }

// sqlQuote is the payload: a lone quote and a double quote break any
// string-built query.
const sqlQuote = "rampart'scan\""

func (c injectionCheck) Run(ctx context.Context, s *session) ([]Finding, error) {
	if !s.opts.Active {
		return nil, nil
	}
	var out []Finding
	sigs := sqlSignatures()
	hit := map[string]bool{}
	baseErr := map[string]bool{} // op.key() -> its baseline already shows a database error
	baseShowsError := func(op Operation) bool {
		v, done := baseErr[op.key()]
		if !done {
			base := s.authed(op)
			if base == nil {
				base = s.anon(op)
			}
			v = base != nil && matchSQL(sigs, base.body) != ""
			baseErr[op.key()] = v
		}
		return v
	}
	report := func(op Operation, where string, ex *exchange) {
		if hit[op.key()] {
			return
		}
		m := matchSQL(sigs, ex.body)
		if m == "" || baseShowsError(op) {
			return
		}
		hit[op.key()] = true
		out = append(out, newFinding(ruleSQLi(), ex.location(), fmt.Sprintf("A quote in %s produced a database error (%q).", where, m), ex.evidence()))
	}
	can, err := newCanary()
	if err != nil {
		return nil, err
	}
	defer can.close()
	ssrfOps := map[string]Operation{}
	ssrfWhere := map[string]string{}
	n := 0
	for _, op := range s.ops {
		for _, p := range op.Params {
			vals := map[string]string{p.Name: sqlQuote}
			ex, err := s.c.do(ctx, c.Name(), probe{method: op.Method, path: op.target(vals), body: op.Body, header: authHeader(s.opts.Auth)})
			if err != nil {
				return out, err
			}
			report(op, "parameter "+p.Name, ex)
			if p.URLLike || p.In == "query" && urlLikeName(p.Name) {
				n++
				tok := fmt.Sprintf("%d", n)
				ssrfOps[tok], ssrfWhere[tok] = op, "parameter "+p.Name
				if _, err := s.c.do(ctx, c.Name(), probe{method: op.Method, path: op.target(map[string]string{p.Name: can.url(tok)}), body: op.Body, header: authHeader(s.opts.Auth)}); err != nil {
					return out, err
				}
			}
		}
		var body map[string]any
		if op.Body == nil || json.Unmarshal(op.Body, &body) != nil {
			continue
		}
		for k, v := range body {
			str, isStr := v.(string)
			if !isStr {
				continue
			}
			payloads := []string{sqlQuote}
			urlish := urlLikeName(k) || strings.HasPrefix(str, "http://") || strings.HasPrefix(str, "https://")
			if urlish {
				n++
				tok := fmt.Sprintf("%d", n)
				ssrfOps[tok], ssrfWhere[tok] = op, "body field "+k
				payloads = append(payloads, can.url(tok))
			}
			for _, pl := range payloads {
				mod := map[string]any{}
				for kk, vv := range body {
					mod[kk] = vv
				}
				mod[k] = pl
				b, _ := json.Marshal(mod)
				ex, err := s.c.do(ctx, c.Name(), probe{method: op.Method, path: op.target(nil), body: b, header: authHeader(s.opts.Auth)})
				if err != nil {
					return out, err
				}
				if pl == sqlQuote {
					report(op, "body field "+k, ex)
				}
			}
		}
	}
	tokens := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		tokens = append(tokens, fmt.Sprint(i))
	}
	hits := can.wait(ctx, tokens, 2*time.Second)
	for _, tok := range tokens { // in the order the probes were sent
		from, ok := hits[tok]
		if !ok {
			continue
		}
		op := ssrfOps[tok]
		out = append(out, newFinding(ruleSSRF(), op.key(), fmt.Sprintf("Putting the canary URL %s in %s made the server fetch it (from %s).", can.url(tok), ssrfWhere[tok], from),
			Evidence{Request: fmt.Sprintf("%s %s with %s = %s", op.Method, op.Path, ssrfWhere[tok], can.url(tok)), Response: "canary listener: GET " + canaryPrefix + tok + " from " + from}))
	}
	return out, nil
}

// sqlSignatures are database error messages of SQLite, PostgreSQL, MySQL,
// SQL Server and Oracle. A quote may appear escaped (\") inside JSON.
func sqlSignatures() []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, p := range []string{
		`You have an error in your SQL syntax`, `SQLSTATE\[\w+\]`, `sqlite3\.OperationalError`, `SQLITE_ERROR`,
		`unrecognized token: \\?"`, `near \\?"[^"]{0,40}\\?": syntax error`, `unterminated quoted string`, `syntax error at or near`,
		`Unclosed quotation mark after the character string`, `\bORA-\d{5}\b`, `quoted string not properly terminated`,
		`PSQLException`, `java\.sql\.SQLException`, `Incorrect syntax near`, `pg_query\(\)`, `psycopg2\.errors\.`,
		`OperationalError\) near`, `mysql_fetch_`, `Microsoft OLE DB Provider for SQL Server`,
	} {
		out = append(out, regexp.MustCompile(p))
	}
	return out
}

// matchSQL returns the first SQL error signature found in body (untrusted
// input; see FuzzMatchSQL), or "".
func matchSQL(sigs []*regexp.Regexp, body []byte) string {
	if len(body) > 256<<10 {
		body = body[:256<<10]
	}
	for _, re := range sigs {
		if m := re.Find(body); m != nil {
			return clip(m, 120)
		}
	}
	return ""
}
