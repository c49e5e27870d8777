package depaudit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/testenv"
)

// vulndbVersion is the golang.org/x/vulndb module version the tests read:
// pinned, so that the advisories they expect stay put. scripts/audit-self.sh
// takes the newest instead.
const vulndbVersion = "v0.0.0-20261105234957-e22db6528018"

// goCmd returns the go command of the toolchain running the tests.
func goCmd() string { return filepath.Join(runtime.GOROOT(), "bin", "go") }

// goModDownload fetches a module through the module proxy (GOPROXY) as CI
// does and returns its directory.
func goModDownload(t *testing.T, mod string) string {
	t.Helper()
	cmd := exec.Command(goCmd(), "mod", "download", "-json", mod)
	cmd.Dir = t.TempDir()
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		testenv.Unavailable(t, fmt.Sprintf("go mod download %s: %v: %s%s", mod, err, stderr.String(), out.String()))
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out.Bytes(), &info); err != nil || info.Dir == "" {
		testenv.Unavailable(t, fmt.Sprintf("go mod download %s: %v %s", mod, err, info.Error))
	}
	return info.Dir
}

// writeGoProject writes a module that pins golang.org/x/text at version
// and calls the vulnerable language.Parse.
func writeGoProject(t *testing.T, version string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/uses\n\ngo 1.22\n\nrequire golang.org/x/text " + version + "\n",
		"main.go": `package main

import (
	"fmt"
	"os"

	"golang.org/x/text/language"
)

func main() { fmt.Println(language.Parse(os.Args[1])) }
`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestRealGoVulnDB audits pinned golang.org/x/text versions against the real
// Go vulnerability database, fetched as the module golang.org/x/vulndb.
func TestRealGoVulnDB(t *testing.T) {
	if testing.Short() {
		t.Skip("downloads golang.org/x/vulndb")
	}
	db, err := LoadDB(goModDownload(t, "golang.org/x/vulndb@"+vulndbVersion))
	if err != nil {
		t.Fatal(err)
	}
	if db.Len() < 4000 {
		t.Fatalf("read %d advisories from the Go vulnerability database, want thousands", db.Len())
	}
	ctx := context.Background()
	tests := []struct {
		version string
		want    []string // "id fixed"
		not     []string
	}{
		{"v0.3.5", []string{"GO-2021-0113 0.3.7", "GO-2022-1059 0.3.8", "GO-2026-5970 0.39.0", "GO-2026-6629 0.41.0"}, []string{"GO-2020-0015"}},
		{"v0.3.7", []string{"GO-2022-1059 0.3.8", "GO-2026-5970 0.39.0", "GO-2026-6629 0.41.0"}, []string{"GO-2020-0015", "GO-2021-0113"}},
		{"v0.3.8-0.20220124021120-d1c84af989ab", []string{"GO-2022-1059 0.3.8"}, []string{"GO-2021-0113"}},
		{"v0.41.0", nil, []string{"GO-2021-0113", "GO-2022-1059", "GO-2026-5970", "GO-2026-6629"}},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			rep, err := Audit(ctx, writeGoProject(t, tt.version), Options{Source: db, Offline: true})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Findings {
				if f.Name == "golang.org/x/text" {
					got = append(got, f.ID+" "+strings.Join(f.Fixed, ","))
				}
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("golang.org/x/text %s: %q not reported; got %q", tt.version, w, got)
				}
			}
			for _, n := range tt.not {
				if slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, n+" ") }) {
					t.Errorf("golang.org/x/text %s: %s reported, but the version is not affected", tt.version, n)
				}
			}
		})
	}

	t.Run("reachability", func(t *testing.T) {
		dir := writeGoProject(t, "v0.3.5")
		tidy := exec.Command(goCmd(), "mod", "tidy")
		tidy.Dir = dir
		if out, err := tidy.CombinedOutput(); err != nil {
			testenv.Unavailable(t, fmt.Sprintf("go mod tidy: %v: %s", err, out))
		}
		rep, err := Audit(ctx, dir, Options{Source: db, Offline: true})
		if err != nil {
			t.Fatal(err)
		}
		govulnDB, err := GoVulnDBURL(goModDownload(t, "golang.org/x/vulndb@"+vulndbVersion))
		if err != nil {
			t.Fatal(err)
		}
		AnnotateReachability(ctx, rep, govulnDB, os.Environ())
		got := map[string]string{}
		for _, f := range rep.Findings {
			got[f.ID] = f.Reachability
		}
		// language.Parse is called; GO-2022-1059 is in the same package.
		if got["GO-2021-0113"] != ReachCalled {
			t.Errorf("GO-2021-0113 reachability = %q, want %q (problems: %v)", got["GO-2021-0113"], ReachCalled, rep.Problems)
		}
	})
}
