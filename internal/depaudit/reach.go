package depaudit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/vuln/scan"
)

// Reachability levels, from govulncheck's findings.
const (
	ReachCalled   = "called"   // a vulnerable symbol is called
	ReachImported = "imported" // a vulnerable package is imported, no vulnerable symbol called
	ReachRequired = "required" // the module is required, no vulnerable package imported
	// ReachNotInBuild: govulncheck does not report the finding at all (go.mod
	// lists a module that no package of the module builds).
	ReachNotInBuild = "not in the build"
)

// GoReachability runs govulncheck through golang.org/x/vuln's public scan
// API over the Go module in moduleDir (its ./... packages, at symbol
// level), with advisories from db: a "file://" URL of a directory of Go OSV
// files or an https URL of a database in the Go vulnerability database's
// format. It needs the go command and the module's source and
// dependencies (it runs `go list` and type-checks). The result maps
// "module\x00advisory id" to the deepest level govulncheck reached.
func GoReachability(ctx context.Context, moduleDir, db string, env []string) (map[string]string, error) {
	var out, stderr bytes.Buffer
	cmd := scan.Command(ctx, "-C", moduleDir, "-db", db, "-format", "json", "-scan", "symbol", "./...")
	cmd.Stdin = strings.NewReader("")
	cmd.Stdout = &out
	cmd.Stderr = &stderr
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("govulncheck %s: %w", moduleDir, err)
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("govulncheck %s: %w: %s", moduleDir, err, strings.TrimSpace(stderr.String()))
	}
	return parseGovulncheckJSON(&out)
}

// parseGovulncheckJSON reads govulncheck's -format json stream (a sequence
// of objects; the "finding" ones carry a trace whose first frame names the
// module and, when reached, the package and function).
func parseGovulncheckJSON(r io.Reader) (map[string]string, error) {
	rank := map[string]int{ReachRequired: 1, ReachImported: 2, ReachCalled: 3}
	res := map[string]string{}
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Finding *struct {
				OSV   string `json:"osv"`
				Trace []struct {
					Module   string `json:"module"`
					Package  string `json:"package"`
					Function string `json:"function"`
				} `json:"trace"`
			} `json:"finding"`
		}
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			return res, nil
		} else if err != nil {
			return nil, fmt.Errorf("reading govulncheck output: %w", err)
		}
		if msg.Finding == nil || len(msg.Finding.Trace) == 0 {
			continue
		}
		fr := msg.Finding.Trace[0]
		lvl := ReachRequired
		switch {
		case fr.Function != "":
			lvl = ReachCalled
		case fr.Package != "":
			lvl = ReachImported
		}
		k := fr.Module + "\x00" + msg.Finding.OSV
		if rank[lvl] > rank[res[k]] {
			res[k] = lvl
		}
	}
}

// AnnotateReachability runs GoReachability for every go.mod in the report
// that has findings and records the result on its Go findings. A Go
// finding that govulncheck does not report at all is marked
// ReachNotInBuild: go.mod can list modules that no package of the module builds.
// Failures become problems (not fatal: the findings stand either way).
func AnnotateReachability(ctx context.Context, rep *Report, db string, env []string) {
	annotateReachability(ctx, rep, db, env, GoReachability)
}

// annotateReachability is AnnotateReachability with reach in place of
// GoReachability. Modules are analysed in directory order, so problems are
// reported in a stable order. govulncheck names advisories by their GO- id:
// a finding from another database (GHSA-… with the GO- id among its
// aliases) matches on any of its ids.
func annotateReachability(ctx context.Context, rep *Report, db string, env []string,
	reach func(ctx context.Context, moduleDir, db string, env []string) (map[string]string, error)) {
	dirs := map[string]bool{}
	for _, f := range rep.Findings {
		if f.Ecosystem == Go && path.Base(f.File) == "go.mod" {
			dirs[path.Dir(f.File)] = true
		}
	}
	for _, dir := range slices.Sorted(maps.Keys(dirs)) {
		levels, err := reach(ctx, filepath.Join(rep.Root, filepath.FromSlash(dir)), db, env)
		if err != nil {
			rep.Problems = append(rep.Problems, warnf(path.Join(dir, "go.mod"), 0, "reachability not analysed: %v", err))
			continue
		}
		for i := range rep.Findings {
			f := &rep.Findings[i]
			if f.Ecosystem != Go || path.Dir(f.File) != dir || path.Base(f.File) != "go.mod" {
				continue
			}
			f.Reachability = ReachNotInBuild
			for _, id := range append([]string{f.ID}, f.Aliases...) {
				if lvl, ok := levels[f.Name+"\x00"+id]; ok {
					f.Reachability = lvl
					break
				}
			}
		}
	}
}

// DefaultGoVulnDB is the Go vulnerability database govulncheck reads online.
const DefaultGoVulnDB = "https://vuln.go.dev"

// GoVulnDBURL returns the -db argument govulncheck needs for the offline
// database directory dir: its data/osv folder for a golang.org/x/vulndb
// tree, else dir itself, as an absolute file:// URL.
func GoVulnDBURL(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(filepath.Join(abs, "data", "osv")); err == nil && fi.IsDir() {
		abs = filepath.Join(abs, "data", "osv")
	}
	return "file://" + filepath.ToSlash(abs), nil
}
