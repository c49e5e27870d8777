package depaudit

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden report files under testdata/golden")

// TestReportGolden renders the Python fixture's audit in every format and
// compares it with testdata/golden/report.FORMAT (go test -update rewrites
// them).
func TestReportGolden(t *testing.T) {
	rep := auditFixture(t, "pysvc")
	rep.Root = "pysvc"
	rep.Source = "local OSV database testdata/osvdb (25 advisories)"
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, rep, format); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", "report."+format)
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s report differs from %s (go test -update rewrites it):\n%s", format, golden, buf.String())
			}
		})
	}
}

func TestSARIFShape(t *testing.T) {
	t.Parallel()
	rep := auditFixture(t, "bad")
	var buf bytes.Buffer
	if err := Write(&buf, rep, "sarif"); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string         `json:"id"`
						Properties map[string]any `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
						Region           struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
			Invocations []struct {
				ExecutionSuccessful bool `json:"executionSuccessful"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("version %q, %d runs", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	if len(run.Results) != 1 || run.Results[0].RuleID != "PYSEC-9999-1" || run.Results[0].Level != "error" {
		t.Fatalf("results = %+v", run.Results)
	}
	loc := run.Results[0].Locations[0].PhysicalLocation
	if loc.ArtifactLocation.URI != "requirements.txt" || loc.Region.StartLine != 4 {
		t.Errorf("location = %+v", loc)
	}
	if run.Tool.Driver.Rules[0].Properties["security-severity"] != "8.0" {
		t.Errorf("rule properties = %v", run.Tool.Driver.Rules[0].Properties)
	}
	if run.Invocations[0].ExecutionSuccessful {
		t.Error("an incomplete audit reported executionSuccessful")
	}
}

// TestHTMLEscapes: names and summaries from lock files and advisories are
// untrusted and must not become markup.
func TestHTMLEscapes(t *testing.T) {
	t.Parallel()
	rep := &Report{Root: "<x>", Findings: []Finding{{
		Package: Package{Name: `<script>alert(1)</script>`, Ecosystem: Npm, Version: "1.0.0", File: "package-lock.json"},
		ID:      "X-1", Summary: `"><img src=x onerror=alert(1)>`, URL: "javascript:alert(1)",
	}}}
	var buf bytes.Buffer
	if err := Write(&buf, rep, "html"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"<script>alert", "<img src=x", `href="javascript:`} {
		if strings.Contains(out, bad) {
			t.Errorf("HTML report contains %q", bad)
		}
	}
}
