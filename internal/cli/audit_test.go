package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// auditFixtures is the depaudit fixture tree: projects and an OSV database.
const auditFixtures = "../depaudit/testdata"

func TestAuditDepsExitCodes(t *testing.T) {
	t.Parallel()
	db := filepath.Join(auditFixtures, "osvdb")
	project := func(name string) string { return filepath.Join(auditFixtures, "projects", name) }
	clean := t.TempDir()
	if err := os.WriteFile(filepath.Join(clean, "requirements.txt"), []byte("requests==2.31.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		out  string // substring of stdout
		err  string // substring of stderr
	}{
		{"clean", []string{"audit", "deps", "--offline", "--db", db, clean}, 0, "no known vulnerabilities", ""},
		{"findings", []string{"audit", "deps", "--offline", "--db", db, project("nodesvc")}, 1, "GHSA-fxnp-0001-0001", "at or above low"},
		// nodesvc's worst rated finding is critical, but pre-npm's advisory
		// is unrated: it fails every level.
		{"unrated fails critical", []string{"audit", "deps", "--offline", "--db", db, "--fail-on", "critical", project("nodesvc")}, 1, "", "at or above critical"},
		{"incomplete fails below threshold", []string{"audit", "deps", "--offline", "--db", db, "--fail-on", "critical", project("bad")}, 1, "", "incomplete"},
		{"malformed file", []string{"audit", "deps", "--offline", "--db", db, project("bad")}, 1, "requirements.txt:3: malformed requirement", ""},
		{"bad format", []string{"audit", "deps", "--format", "xml", "--offline", "--db", db, clean}, 2, "", "--format"},
		{"bad level", []string{"audit", "deps", "--fail-on", "severe", "--offline", "--db", db, clean}, 2, "", "--fail-on"},
		{"offline needs db", []string{"audit", "deps", "--offline", clean}, 2, "", "--db"},
		{"two dirs", []string{"audit", "deps", clean, clean}, 2, "", "at most 1 argument"},
		{"unknown flag", []string{"audit", "deps", "--nope"}, 2, "", "unknown flag"},
		{"no subcommand", []string{"audit"}, 2, "", "subcommand"},
		{"missing dir", []string{"audit", "deps", "--offline", "--db", db, filepath.Join(clean, "nope")}, 1, "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, "", tt.args...)
			if r.code != tt.code || !strings.Contains(r.out, tt.out) || !strings.Contains(r.err, tt.err) {
				t.Errorf("rampart %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(tt.args, " "), r.code, tt.code, r.out, r.err)
			}
		})
	}
}

func TestAuditDepsBelowThresholdPasses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// requests 2.30.0 has one advisory, rated medium (CVSS 6.1).
	if err := os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("requests==2.30.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(auditFixtures, "osvdb")
	if r := run(t, "", "audit", "deps", "--offline", "--db", db, "--fail-on", "high", dir); r.code != 0 || !strings.Contains(r.out, "medium (6.1)") {
		t.Errorf("--fail-on high with a medium finding: exit %d\n%s%s", r.code, r.out, r.err)
	}
	if r := run(t, "", "audit", "deps", "--offline", "--db", db, "--fail-on", "medium", dir); r.code != 1 {
		t.Errorf("--fail-on medium with a medium finding: exit %d", r.code)
	}
}

func TestAuditDepsFormats(t *testing.T) {
	t.Parallel()
	db := filepath.Join(auditFixtures, "osvdb")
	dir := filepath.Join(auditFixtures, "projects", "pysvc")
	for _, format := range []string{"json", "sarif"} {
		r := run(t, "", "audit", "deps", "--offline", "--db", db, "--format", format, dir)
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
			t.Errorf("--format %s: not JSON: %v\n%s", format, err, r.out)
		}
	}
	r := run(t, "", "audit", "deps", "--offline", "--db", db, "--format", "html", dir)
	if !strings.HasPrefix(r.out, "<!doctype html>") || !strings.Contains(r.out, "PYSEC-9999-1") {
		t.Errorf("--format html: %.300s", r.out)
	}
}
