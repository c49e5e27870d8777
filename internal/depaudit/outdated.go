package depaudit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Registry looks up the newest release of a package in one ecosystem.
type Registry interface {
	// Latest returns the newest release of the package named name. It
	// returns an error wrapping ErrNotAsked when configuration says not to
	// ask (a private Go module, GOPROXY=off).
	Latest(ctx context.Context, name string) (string, error)
	// Describe names the registry in a few words.
	Describe() string
}

// ErrNotAsked marks a lookup that configuration ruled out.
var ErrNotAsked = errors.New("not asked")

// Outdated is a package with a newer release than the one pinned.
type Outdated struct {
	Package
	// Latest is the newest release the registry reports.
	Latest string `json:"latest"`
}

// lookupConcurrency bounds simultaneous registry requests.
const lookupConcurrency = 8

// checkOutdated asks each package's registry for its newest release. A
// lookup that fails is a non-fatal problem: knowing a package is behind is
// advice, knowing it is vulnerable is the audit.
func checkOutdated(ctx context.Context, regs map[Ecosystem]Registry, pkgs []Package) ([]Outdated, []Problem) {
	type result struct {
		latest string
		err    error
	}
	uniq := map[string]int{}
	var todo []Package
	for _, p := range pkgs {
		if _, ok := regs[p.Ecosystem]; !ok || p.Name == stdlibModule {
			continue
		}
		k := string(p.Ecosystem) + "\x00" + p.Name
		if _, ok := uniq[k]; !ok {
			uniq[k] = len(todo)
			todo = append(todo, p)
		}
	}
	results := make([]result, len(todo))
	sem := make(chan struct{}, lookupConcurrency)
	var wg sync.WaitGroup
	for i, p := range todo {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			v, err := regs[p.Ecosystem].Latest(ctx, p.Name)
			results[i] = result{v, err}
		}()
	}
	wg.Wait()

	var out []Outdated
	var probs []Problem
	for i, p := range todo {
		r := results[i]
		if r.err != nil {
			if !errors.Is(r.err, ErrNotAsked) {
				probs = append(probs, warnf("", 0, "newest version of %s %s: %v", p.Ecosystem, p.Name, r.err))
			}
			continue
		}
		for _, q := range pkgs {
			if q.Ecosystem != p.Ecosystem || q.Name != p.Name {
				continue
			}
			order, err := orderFor(q.Ecosystem)
			if err != nil {
				continue
			}
			c, err := order.Compare(r.latest, q.Version)
			if err != nil {
				probs = append(probs, warnf(q.File, q.Line, "comparing %s %s with newest %s: %v", q.Name, q.Version, r.latest, err))
				continue
			}
			if c > 0 {
				out = append(out, Outdated{Package: q, Latest: r.latest})
			}
		}
	}
	slices.SortFunc(out, func(a, b Outdated) int { return comparePackages(a.Package, b.Package) })
	return out, probs
}

// comparePackages orders packages by file, line, then name.
func comparePackages(a, b Package) int {
	switch {
	case a.File != b.File:
		return cmpString(a.File, b.File)
	case a.Line != b.Line:
		return a.Line - b.Line
	case a.Name != b.Name:
		return cmpString(a.Name, b.Name)
	}
	return cmpString(a.Version, b.Version)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// notAskedf returns an error wrapping ErrNotAsked.
func notAskedf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNotAsked}, args...)...)
}
