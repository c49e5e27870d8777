package scan

import (
	"github.com/rampart-sec/rampart/internal/sarif"

	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// sampleReport is a fixed report with one finding of each severity.
func sampleReport() *Report {
	r := &Report{Schema: SchemaVersion, Target: "http://127.0.0.1:5000", StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		DurationMS: 1234, Operations: 3, OperationsFrom: "--openapi",
		Requests: RequestCounts{Total: 42, Limit: 2000, ByCheck: map[string]int{"baseline": 6, "authn": 30, "headers": 0, "ratelimit": 6}},
		Notes:    []string{}}
	add := func(rule Rule, loc, detail string, ev Evidence) {
		r.Findings = append(r.Findings, newFinding(rule, loc, detail, ev))
	}
	add(ruleWeakSecret(), "--auth token", `The HS256 signature verifies with the secret "secret".`, Evidence{Request: "offline: the JWT supplied with --auth", Response: "header: {\"alg\":\"HS256\"}\nclaims: user"})
	add(ruleNoExp(), "--auth token", "The token has no exp claim.", Evidence{Request: "offline"})
	add(ruleCSP(), "GET /api/data", "The response has no Content-Security-Policy.", Evidence{Request: "GET /api/data HTTP/1.1\nHost: 127.0.0.1:5000\nAuthorization: Bearer eyJhbG…[redacted]", Response: "HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"data\":\"<b>This is secure data</b>\"}"})
	info := newFinding(rulePlainHTTP(), "127.0.0.1:5000", "Plain HTTP on loopback.", Evidence{})
	info.Severity = SeverityInfo
	r.Findings = append(r.Findings, info)
	sortFindings(r.Findings)
	for _, f := range r.Findings {
		r.Summary.add(f.Severity)
	}
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update if intended):\n%s", name, got)
	}
}

// TestJSONReport: the JSON report keeps its documented schema (golden).
func TestJSONReport(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.golden.json", b.Bytes())
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema", "target", "started_at", "duration_ms", "active", "operations", "operations_from", "requests", "summary", "notes", "findings"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON report lacks %q", k)
		}
	}
	f := m["findings"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "check", "title", "severity", "owasp", "cwe", "fix", "location", "detail", "evidence"} {
		if _, ok := f[k]; !ok {
			t.Errorf("finding lacks %q", k)
		}
	}
}

// TestTextReport: grouped by severity, colour only when asked (golden).
func TestTextReport(t *testing.T) {
	var plain, colour bytes.Buffer
	r := sampleReport()
	if err := r.WriteText(&plain, false); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.golden.txt", plain.Bytes())
	if strings.Contains(plain.String(), "\x1b[") {
		t.Error("plain text report has ANSI escapes")
	}
	if err := r.WriteText(&colour, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(colour.String(), "\x1b[1;31m") {
		t.Error("colour report has no red for high")
	}
	s := plain.String()
	if h, m := strings.Index(s, "HIGH (1)"), strings.Index(s, "MEDIUM (1)"); h < 0 || m < h {
		t.Errorf("severity groups out of order:\n%s", s)
	}
}

// sarifSchema compiles testdata/sarif-schema-2.1.0.json (the OASIS SARIF
// 2.1.0 schema, rtm.5).
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestSARIFValidates: the SARIF log of a real scan validates against the
// SARIF 2.1.0 schema, and a broken one does not (the test can fail).
func TestSARIFValidates(t *testing.T) {
	t.Parallel()
	a, srv := newTutorialAPI(t, false)
	r := scanT(t, Options{Target: srv.URL, OpenAPI: tutorialSpec(t), Auth: "Bearer " + a.token(t, "alice")})
	var b bytes.Buffer
	if err := r.WriteSARIF(&b, "test"); err != nil {
		t.Fatal(err)
	}
	sch := sarifSchema(t)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("SARIF does not validate: %v", err)
	}
	var log sarif.Log
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	res := log.Runs[0].Results
	if len(res) != len(r.Findings) || len(res) == 0 {
		t.Fatalf("%d results for %d findings", len(res), len(r.Findings))
	}
	rules := log.Runs[0].Tool.Driver.Rules
	for _, x := range res {
		if x.RuleIndex == nil || rules[*x.RuleIndex].ID != x.RuleID {
			t.Errorf("result %s points at rule %v", x.RuleID, x.RuleIndex)
			continue
		}
		if !strings.HasPrefix(x.Locations[0].PhysicalLocation.ArtifactLocation.URI, srv.URL) {
			t.Errorf("result %s located at %s", x.RuleID, x.Locations[0].PhysicalLocation.ArtifactLocation.URI)
		}
	}
	broken := bytes.Replace(b.Bytes(), []byte(`"level": "error"`), []byte(`"level": "fatal"`), 1)
	inst, _ = jsonschema.UnmarshalJSON(bytes.NewReader(broken))
	if sch.Validate(inst) == nil {
		t.Fatal("a SARIF log with level \"fatal\" validated: the schema check cannot fail")
	}
}

// TestHTMLSelfContained: the page loads nothing from anywhere and escapes
// what the target sent.
func TestHTMLSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, bad := range []string{"src=", "href=", "url(", "@import", "<script", "<b>This is secure data</b>"} {
		if strings.Contains(s, bad) {
			t.Errorf("HTML report contains %q", bad)
		}
	}
	for _, want := range []string{"<svg", "Fix.", "authn-jwt-weak-secret", "API2:2023", "CWE-1391", "Authorization: Bearer eyJhbG…[redacted]"} {
		if !strings.Contains(s, want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
}

// TestDocsListEveryRule: docs/scan.md documents every rule the scanner can
// report.
func TestDocsListEveryRule(t *testing.T) {
	b, err := os.ReadFile("../../docs/scan.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range AllRules() {
		if !strings.Contains(string(b), "`"+r.ID+"`") {
			t.Errorf("docs/scan.md does not document %s", r.ID)
		}
	}
}
