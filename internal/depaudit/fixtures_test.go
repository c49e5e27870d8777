package depaudit

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fixedClock is the report time of every test audit.
func fixedClock() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

// auditFixture audits testdata/projects/name against the fixture database.
func auditFixture(t *testing.T, name string) *Report {
	t.Helper()
	db, err := LoadDB(filepath.Join("testdata", "osvdb"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Audit(context.Background(), filepath.Join("testdata", "projects", name), Options{Source: db, Offline: true, Now: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// hit is what a test expects to find: "file name version id fixed,fixed".
func hits(rep *Report) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, strings.Join([]string{f.File, f.Name, f.Version, f.ID, strings.Join(f.Fixed, ",")}, " "))
	}
	return out
}

func TestFixtureProjects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		project string
		want    []string // every finding, exactly
		clean   []string // "name version" pins that must not be reported
	}{
		{
			project: "gosvc",
			want: []string{
				"go.mod stdlib v1.22.1 GO-9999-0009 1.22.5",
				"go.mod example.com/vulna v1.1.9 GO-9999-0001 1.2.0",
				"go.mod example.com/pseudo-old v0.5.0-0.20200101000000-abcdefabcdef GO-9999-0002 0.5.0",
				"go.mod example.com/incompat-hit v2.3.0+incompatible GO-9999-0003 2.3.1+incompatible",
				"go.mod example.com/lastaff-hit v1.4.0 GO-9999-0004 ",
				"go.mod example.com/intro-at v1.3.0 GO-9999-0005 1.5.0",
				"go.mod example.com/branches v1.3.1 GO-9999-0006 1.3.2",
				"go.mod example.com/replacement v1.1.0 GO-9999-0007 1.2.0",
			},
			clean: []string{
				"example.com/atfix v1.2.0",                                    // at the fix (fixed is exclusive)
				"example.com/pseudo-new v0.5.1-0.20210101000000-abcdefabcdef", // pseudo-version after the fix
				"example.com/incompat-ok v2.3.1+incompatible",
				"example.com/lastaff-ok v1.4.1",   // just past last_affected
				"example.com/intro-below v1.2.9",  // just before introduced
				"example.com/branches-gap v1.2.7", // between two affected branches
			},
		},
		{
			project: "pysvc",
			want: []string{
				"pipenv/Pipfile.lock epochpkg 1.9 PYSEC-9999-3 2.0",
				"pipenv/Pipfile.lock flask 2.3.1 PYSEC-9999-1 2.3.2",
				"poetry/poetry.lock requests 2.30.0 GHSA-fxpy-0002-0002 2.31.0",
				"poetry/poetry.lock localpkg 1.4.9+local PYSEC-9999-4 1.5.0",
				"requirements.txt flask 2.2.4 PYSEC-9999-1 2.2.5",
				"requirements.txt prepkg 3.0.0rc1 PYSEC-9999-5 3.0.0",
				"requirements.txt lastpy 1.2 PYSEC-9999-6 ",
				"requirements.txt listpkg 0.9.2 PYSEC-9999-7 ",
				"requirements.txt my-package 1.0.0 GHSA-fxpy-0008-0008 1.0.1",
			},
			clean: []string{
				"requests 2.31.0",        // the fixed version itself (< boundary)
				"epochpkg 1!1.0",         // epoch 1 sorts after every epoch-0 version
				"localpkg 1.5.0+ubuntu1", // a local version of the fix
				"prepkg 3.0.0.post1",     // a post-release of the fix
				"lastpy 1.2.1",           // just past last_affected
				"listpkg 0.9.3",          // not in the versions list
				"flask 2.3.2",            // at the second branch's fix
			},
		},
		{
			project: "nodesvc",
			want: []string{
				"legacy/package-lock.json express 4.17.1 GHSA-fxnp-0004-0004 4.19.2",
				"legacy/package-lock.json lodash 4.17.15 GHSA-fxnp-0001-0001 4.17.21",
				"package-lock.json lodash 4.17.20 GHSA-fxnp-0001-0001 4.17.21",
				"package-lock.json express 4.19.1 GHSA-fxnp-0004-0004 4.19.2",
				"package-lock.json pre-npm 2.0.0-rc.1 GHSA-fxnp-0002-0002 2.0.0",
				"package-lock.json @scope/pkg 1.0.0 GHSA-fxnp-0005-0005 1.0.1",
			},
			clean: []string{
				"express 4.19.2",         // nested copy at the fix
				"beta-npm 1.0.0-beta.1",  // pre-release before "introduced: 1.0.0"
				"meta-npm 1.2.3+build.5", // build metadata of the fix
				"lodash 4.17.21",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.project, func(t *testing.T) {
			t.Parallel()
			rep := auditFixture(t, tt.project)
			got := hits(rep)
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings:\n got  %q\n want %q", got, tt.want)
			}
			for _, c := range tt.clean {
				name, ver, _ := strings.Cut(c, " ")
				if !slices.ContainsFunc(rep.Packages, func(p Package) bool { return p.Name == name && p.Version == ver }) {
					t.Errorf("%s %s was not read from the lock files, so the test proves nothing", name, ver)
				}
				for _, f := range rep.Findings {
					if f.Name == name && f.Version == ver {
						t.Errorf("%s %s reported as affected by %s", name, ver, f.ID)
					}
				}
			}
			if rep.Incomplete() {
				t.Errorf("fixture %s reported fatal problems: %v", tt.project, rep.Problems)
			}
		})
	}
}

func TestFixtureSeverity(t *testing.T) {
	t.Parallel()
	rep := auditFixture(t, "pysvc")
	want := map[string]string{
		"flask":      "high",           // database label "HIGH"
		"requests":   "medium (6.1)",   // CVSS 3.1 vector
		"prepkg":     "medium",         // GitHub's "MODERATE"
		"my-package": "critical (9.3)", // CVSS 4.0 vector
		"lastpy":     "unknown",
	}
	for _, f := range rep.Findings {
		if w, ok := want[f.Name]; ok && severityText(f.Severity) != w {
			t.Errorf("%s %s: severity %s, want %s", f.Name, f.ID, severityText(f.Severity), w)
		}
	}
	for _, f := range rep.Findings {
		if f.ID == "GHSA-fxpy-0002-0002" && !slices.Equal(f.Aliases, []string{"CVE-9999-1002"}) {
			t.Errorf("aliases = %v", f.Aliases)
		}
	}
	if !rep.Fails(LevelCritical) {
		t.Error("Fails(critical) = false with a critical finding")
	}
}

func TestFailsCountsUnknownSeverity(t *testing.T) {
	t.Parallel()
	rep := &Report{Findings: []Finding{{ID: "GO-1", Severity: Rating{}}}}
	if !rep.Fails(LevelCritical) {
		t.Error("an unrated finding must fail every level")
	}
	rep = &Report{Findings: []Finding{{ID: "X", Severity: Rating{Level: LevelMedium}}}}
	if rep.Fails(LevelHigh) || !rep.Fails(LevelMedium) || !rep.Fails(LevelLow) {
		t.Error("a medium finding must fail low and medium only")
	}
	rep.Findings = append(rep.Findings, Finding{ID: "GO-2"}, Finding{ID: "Y", Severity: Rating{Level: LevelLow}})
	for level, want := range map[Level]int{LevelCritical: 1, LevelHigh: 1, LevelMedium: 2, LevelLow: 3} {
		if got := rep.CountFailing(level); got != want {
			t.Errorf("CountFailing(%s) = %d, want %d", level, got, want)
		}
	}
}

func TestFixtureWarnings(t *testing.T) {
	t.Parallel()
	for project, want := range map[string][]string{
		"pysvc":   {"requirements.txt:11: django >=4.0 is a range", "pipenv/Pipfile.lock:17: gitdep has no version"},
		"gosvc":   {"go.mod:19: example.com/local is replaced by a local directory"},
		"nodesvc": {"package-lock.json:37: gitdep@git+ssh"},
	} {
		rep := auditFixture(t, project)
		for _, w := range want {
			if !slices.ContainsFunc(rep.Problems, func(p Problem) bool { return strings.HasPrefix(p.String(), w) && !p.Fatal }) {
				t.Errorf("%s: no warning starting %q in %v", project, w, rep.Problems)
			}
		}
	}
}

// TestMalformedFilesNameFileAndLine: each broken file is a fatal problem at
// the right line, and the rest of the project is still audited.
func TestMalformedFilesNameFileAndLine(t *testing.T) {
	t.Parallel()
	rep := auditFixture(t, "bad")
	want := []string{
		"package-lock.json:7: malformed JSON",
		"requirements.txt:3: malformed requirement",
		"gomod/go.mod:7: malformed go.mod",
		"poetry/poetry.lock:5: malformed poetry.lock",
	}
	for _, w := range want {
		if !slices.ContainsFunc(rep.Problems, func(p Problem) bool { return strings.HasPrefix(p.String(), w) && p.Fatal }) {
			t.Errorf("no fatal problem starting %q in %v", w, rep.Problems)
		}
	}
	if !rep.Incomplete() {
		t.Error("Incomplete() = false with unparseable files")
	}
	// requirements.txt line 4, after the bad line 3, is still audited.
	if got := hits(rep); !slices.Equal(got, []string{"requirements.txt flask 2.2.4 PYSEC-9999-1 2.2.5"}) {
		t.Errorf("findings = %q", got)
	}
}

func TestDiscoverySkipsTestdataAndNodeModules(t *testing.T) {
	t.Parallel()
	db, err := LoadDB(filepath.Join("testdata", "osvdb"))
	if err != nil {
		t.Fatal(err)
	}
	// Auditing the package directory itself must not descend into
	// testdata: the fixtures are not this package's dependencies.
	rep, err := Audit(context.Background(), ".", Options{Source: db, Now: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 0 {
		t.Errorf("read %v below testdata", rep.Files)
	}
}
