package depaudit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedFiles adds every committed fixture file matching the glob base to
// f's seed corpus.
func seedFiles(f *testing.F, base string) {
	f.Helper()
	matches, err := filepath.Glob(filepath.Join("testdata", "projects", "*", base))
	if err != nil {
		f.Fatal(err)
	}
	deeper, _ := filepath.Glob(filepath.Join("testdata", "projects", "*", "*", base))
	for _, m := range append(matches, deeper...) {
		data, err := os.ReadFile(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// checkParse is what every parser must hold to on any input: no panic,
// every package named and versioned, every problem located in the file.
func checkParse(t *testing.T, file string, pkgs []Package, probs []Problem) {
	t.Helper()
	for _, p := range pkgs {
		if p.Name == "" || p.Version == "" || p.File != file {
			t.Fatalf("bad package %+v", p)
		}
	}
	for _, p := range probs {
		if p.File != file && p.File != "" || p.Message == "" || p.Line < 0 {
			t.Fatalf("bad problem %+v", p)
		}
	}
}

func FuzzGoMod(f *testing.F) {
	seedFiles(f, "go.mod")
	f.Add([]byte("module m\n\ngo 1.21rc2\n\ntoolchain go1.22.3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, probs := parseGoMod("go.mod", data)
		checkParse(t, "go.mod", pkgs, probs)
	})
}

func FuzzGoSum(f *testing.F) {
	f.Add([]byte("golang.org/x/text v0.3.5 h1:AAAA=\ngolang.org/x/text v0.3.5/go.mod h1:BBBB=\n"))
	f.Add([]byte("bad line\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, probs := parseGoSum("go.sum", data, "")
		checkParse(t, "go.sum", pkgs, probs)
	})
}

func FuzzRequirements(f *testing.F) {
	seedFiles(f, "requirements*.txt")
	f.Add([]byte("a==1 \\\n --hash=sha256:00\n-e .\nb @ https://x/y.whl\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, probs := parseRequirements("requirements.txt", data)
		checkParse(t, "requirements.txt", pkgs, probs)
		for _, p := range pkgs {
			if p.Name != normalizePyPI(p.Name) || strings.ContainsAny(p.Version, " \t") {
				t.Fatalf("unnormalized package %+v", p)
			}
		}
	})
}

func FuzzPoetryLock(f *testing.F) {
	seedFiles(f, "poetry.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, probs := parsePoetryLock("poetry.lock", data)
		checkParse(t, "poetry.lock", pkgs, probs)
	})
}

func FuzzPipfileLock(f *testing.F) {
	seedFiles(f, "Pipfile.lock")
	f.Add([]byte(`{"default":{"a":{"version":"==1.0"}},"develop":{"b":{"version":"1.0"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, probs := parsePipfileLock("Pipfile.lock", data)
		checkParse(t, "Pipfile.lock", pkgs, probs)
	})
}

func FuzzPackageLock(f *testing.F) {
	seedFiles(f, "package-lock.json")
	f.Add([]byte(`{"lockfileVersion":2,"packages":{"node_modules/":{"version":"1.0.0"}},"dependencies":{"x":{"version":"1.0.0"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, probs := parsePackageLock("package-lock.json", data)
		checkParse(t, "package-lock.json", pkgs, probs)
	})
}
