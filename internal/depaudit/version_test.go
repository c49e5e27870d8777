package depaudit

import "testing"

func TestVersionOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		eco  Ecosystem
		a, b string
		want int
	}{
		// Go: pseudo-versions are pre-releases of the next patch; build
		// metadata (+incompatible) is ignored; the "v" is optional.
		{Go, "v0.5.0-0.20200101000000-abcdefabcdef", "0.5.0", -1},
		{Go, "v0.5.1-0.20210101000000-abcdefabcdef", "0.5.0", 1},
		{Go, "v2.3.0+incompatible", "2.3.1+incompatible", -1},
		{Go, "v2.3.1+incompatible", "2.3.1", 0},
		{Go, "v1.22.1", "1.22.1", 0},
		{Go, "v1.22.0-rc.2", "1.22.0", -1},
		// PyPI: PEP 440.
		{PyPI, "1!1.0", "2.0", 1},
		{PyPI, "1.5.0+ubuntu1", "1.5.0", 1},
		{PyPI, "1.4.9+local", "1.5.0", -1},
		{PyPI, "3.0.0rc1", "3.0.0", -1},
		{PyPI, "3.0.0.post1", "3.0.0", 1},
		{PyPI, "3.0.0.dev1", "3.0.0a1", -1},
		{PyPI, "1.0", "1.0.0", 0},
		{PyPI, "1.0.0", "1.0", 0},
		{PyPI, "2.10", "2.9", 1},
		// npm: SemVer 2.0.0 precedence.
		{Npm, "2.0.0-rc.1", "2.0.0", -1},
		{Npm, "1.0.0-beta.1", "1.0.0", -1},
		{Npm, "1.0.0-beta.2", "1.0.0-beta.10", -1},
		{Npm, "1.2.3+build.5", "1.2.3", 0},
		{Npm, "4.19.2", "4.19.10", -1},
	}
	for _, tt := range tests {
		t.Run(string(tt.eco)+"/"+tt.a+"_vs_"+tt.b, func(t *testing.T) {
			o, err := orderFor(tt.eco)
			if err != nil {
				t.Fatal(err)
			}
			got, err := o.Compare(tt.a, tt.b)
			if err != nil {
				t.Fatalf("Compare(%q, %q): %v", tt.a, tt.b, err)
			}
			if got != tt.want {
				t.Errorf("Compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestVersionOrderRejectsGarbage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		eco Ecosystem
		v   string
	}{{Go, "latest"}, {PyPI, "not a version"}, {Npm, "git+ssh://x"}} {
		o, _ := orderFor(tt.eco)
		if _, err := o.Compare(tt.v, "1.0.0"); err == nil {
			t.Errorf("%s: Compare(%q) accepted garbage", tt.eco, tt.v)
		}
	}
}

func TestInRange(t *testing.T) {
	t.Parallel()
	ev := func(kind, v string) Event {
		switch kind {
		case "i":
			return Event{Introduced: v}
		case "f":
			return Event{Fixed: v}
		}
		return Event{LastAffected: v}
	}
	twoBranches := []Event{ev("i", "0"), ev("f", "1.2.5"), ev("i", "1.3.0"), ev("f", "1.3.2")}
	lastAff := []Event{ev("i", "1.0.0"), ev("l", "1.4.0"), ev("i", "2.0.0"), ev("f", "2.1.0")}
	// Events out of order must still be read in version order.
	shuffled := []Event{ev("f", "1.3.2"), ev("i", "1.3.0"), ev("f", "1.2.5"), ev("i", "0")}
	tests := []struct {
		name      string
		events    []Event
		v         string
		hit       bool
		wantFixed string
	}{
		{"below first fix", twoBranches, "1.2.4", true, "1.2.5"},
		{"at first fix", twoBranches, "1.2.5", false, ""},
		{"between branches", twoBranches, "1.2.9", false, ""},
		{"at second introduced", twoBranches, "1.3.0", true, "1.3.2"},
		{"at second fix", twoBranches, "1.3.2", false, ""},
		{"above all", twoBranches, "9.0.0", false, ""},
		{"shuffled events", shuffled, "1.3.1", true, "1.3.2"},
		{"before introduced", lastAff, "0.9.9", false, ""},
		{"at last_affected", lastAff, "1.4.0", true, ""},
		{"just after last_affected", lastAff, "1.4.1", false, ""},
		{"second branch", lastAff, "2.0.5", true, "2.1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hit, fixed, err := inRange(npmOrder{}, tt.events, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if hit != tt.hit || fixed != tt.wantFixed {
				t.Errorf("inRange(%s) = %v, %q; want %v, %q", tt.v, hit, fixed, tt.hit, tt.wantFixed)
			}
		})
	}
}

func TestNormalizePyPI(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"My_Package":         "my-package",
		"zope.interface":     "zope-interface",
		"Typing__Extensions": "typing-extensions",
		"a-_.b":              "a-b",
	} {
		if got := normalizePyPI(in); got != want {
			t.Errorf("normalizePyPI(%q) = %q, want %q", in, got, want)
		}
	}
}
