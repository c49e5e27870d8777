package depaudit

import (
	"fmt"
	"strings"

	npmsemver "github.com/Masterminds/semver/v3"
	pep440 "github.com/aquasecurity/go-pep440-version"
	"golang.org/x/mod/semver"
)

// versionOrder compares versions by one ecosystem's rules. Compare returns
// -1, 0 or +1, or an error naming the version it cannot parse.
type versionOrder interface {
	Compare(a, b string) (int, error)
}

// orderFor returns the ordering OSV uses for e's ECOSYSTEM and SEMVER ranges.
func orderFor(e Ecosystem) (versionOrder, error) {
	switch e {
	case Go:
		return goOrder{}, nil
	case PyPI:
		return pep440Order{}, nil
	case Npm:
		return npmOrder{}, nil
	}
	return nil, fmt.Errorf("no version ordering for ecosystem %q", e)
}

// goOrder orders Go module versions with golang.org/x/mod/semver, the same
// rules the go command applies: pseudo-versions are pre-releases of the next
// patch, and build metadata such as "+incompatible" is ignored. OSV writes Go
// versions without the leading "v"; either spelling is accepted.
type goOrder struct{}

func (goOrder) Compare(a, b string) (int, error) {
	va, vb := goCanonical(a), goCanonical(b)
	if !semver.IsValid(va) {
		return 0, fmt.Errorf("invalid Go module version %q", a)
	}
	if !semver.IsValid(vb) {
		return 0, fmt.Errorf("invalid Go module version %q", b)
	}
	return semver.Compare(va, vb), nil
}

// goCanonical adds the "v" that go.mod versions carry and OSV's omit.
func goCanonical(v string) string {
	if strings.HasPrefix(v, "v") {
		return v
	}
	return "v" + v
}

// pep440Order orders PyPI versions by PEP 440 (epochs, pre/post/dev
// releases, local versions) using github.com/aquasecurity/go-pep440-version.
type pep440Order struct{}

func (pep440Order) Compare(a, b string) (int, error) {
	va, err := pep440.Parse(a)
	if err != nil {
		return 0, fmt.Errorf("invalid PEP 440 version %q", a)
	}
	vb, err := pep440.Parse(b)
	if err != nil {
		return 0, fmt.Errorf("invalid PEP 440 version %q", b)
	}
	return sign(va.Compare(vb)), nil
}

// npmOrder orders npm versions by SemVer 2.0.0 precedence using
// github.com/Masterminds/semver/v3, which is what node-semver's compare()
// does too. Installed versions must be strict SemVer (npm writes nothing
// else into a lock file); advisory versions may be loose ("1.2"), as some
// databases write them.
//
// node-semver's range matching (satisfies) hides pre-releases from a range
// unless a comparator names the same major.minor.patch with a pre-release;
// Masterminds' constraints do something similar. OSV ranges are not
// node-semver ranges but ordered events, so neither rule applies: a
// pre-release such as 2.0.0-rc.1 precedes a fix in 2.0.0 and is reported as
// affected, as the OSV schema and the OSV API do.
type npmOrder struct{}

func (npmOrder) Compare(a, b string) (int, error) {
	va, err := npmsemver.NewVersion(a)
	if err != nil {
		return 0, fmt.Errorf("invalid npm version %q", a)
	}
	vb, err := npmsemver.NewVersion(b)
	if err != nil {
		return 0, fmt.Errorf("invalid npm version %q", b)
	}
	return va.Compare(vb), nil
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
