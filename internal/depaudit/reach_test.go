package depaudit

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

func goFinding(file, name, id string, aliases ...string) Finding {
	return Finding{Package: Package{Name: name, Ecosystem: Go, File: file}, ID: id, Aliases: aliases}
}

// A finding from OSV.dev can carry a GHSA id with the GO- id govulncheck
// reports among its aliases: it matches on either.
func TestAnnotateReachabilityMatchesAliases(t *testing.T) {
	rep := &Report{Root: "/src", Findings: []Finding{
		goFinding("go.mod", "example.com/a", "GO-2024-0001"),
		goFinding("go.mod", "example.com/b", "GHSA-xxxx-yyyy-zzzz", "CVE-2024-0002", "GO-2024-0002"),
		goFinding("go.mod", "example.com/c", "GHSA-aaaa-bbbb-cccc", "CVE-2024-0003"),
	}}
	reach := func(_ context.Context, dir, _ string, _ []string) (map[string]string, error) {
		if dir != filepath.FromSlash("/src") {
			t.Errorf("dir = %q", dir)
		}
		return map[string]string{
			"example.com/a\x00GO-2024-0001": ReachCalled,
			"example.com/b\x00GO-2024-0002": ReachImported,
		}, nil
	}
	annotateReachability(context.Background(), rep, "db", nil, reach)
	for i, want := range []string{ReachCalled, ReachImported, ReachNotInBuild} {
		if got := rep.Findings[i].Reachability; got != want {
			t.Errorf("%s: reachability %q, want %q", rep.Findings[i].ID, got, want)
		}
	}
}

// Modules are analysed in directory order: the problems of several failing
// modules come in a stable order.
func TestAnnotateReachabilityProblemOrder(t *testing.T) {
	dirs := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for range 20 {
		rep := &Report{Root: "/src"}
		for i := len(dirs) - 1; i >= 0; i-- {
			rep.Findings = append(rep.Findings, goFinding(dirs[i]+"/go.mod", "example.com/m", "GO-2024-0001"))
		}
		annotateReachability(context.Background(), rep, "db", nil, func(context.Context, string, string, []string) (map[string]string, error) {
			return nil, errors.New("no go command")
		})
		if len(rep.Problems) != len(dirs) {
			t.Fatalf("problems = %v", rep.Problems)
		}
		for i, p := range rep.Problems {
			if want := dirs[i] + "/go.mod"; p.File != want {
				t.Fatalf("problem %d is about %s, want %s: %s", i, p.File, want, fmt.Sprint(rep.Problems))
			}
		}
	}
}
