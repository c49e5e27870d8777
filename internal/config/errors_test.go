package config

import (
	"errors"
	"fmt"
	"testing"
)

func TestConfigErrorRendering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  Error
		want string
	}{
		{"file line path", Error{File: "rampart.yaml", Line: 14, Path: "server.listen", Msg: "expected a string, got a sequence"},
			"rampart.yaml:14: server.listen: expected a string, got a sequence"},
		{"list index", Error{File: "r.yaml", Line: 3, Path: "routes[2].rate_limit.limit", Msg: "m"}, "r.yaml:3: routes[2].rate_limit.limit: m"},
		{"file without line", Error{File: "rampart.yaml", Path: "version", Msg: "required"}, "rampart.yaml: version: required"},
		{"whole file", Error{File: "rampart.yaml", Line: 2, Msg: "invalid YAML"}, "rampart.yaml:2: invalid YAML"},
		{"environment", Error{Env: "RAMPART_LISTEN", Path: "server.listen", Msg: "m"}, "environment RAMPART_LISTEN (server.listen): m"},
		{"go value", Error{Path: "mode", Msg: "m"}, "mode: m"},
		{"line without file", Error{Line: 7, Path: "mode", Msg: "m"}, "line 7: mode: m"},
		{"message only", Error{Msg: "m"}, "m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestConfigErrorsSortedOnePerLine(t *testing.T) {
	t.Parallel()
	errs := Errors{
		{File: "f", Line: 9, Path: "b", Msg: "m"},
		{File: "f", Line: 2, Path: "z", Msg: "m"},
		{File: "f", Line: 2, Path: "a", Msg: "m"},
		{File: "f", Path: "version", Msg: "required"},
	}
	want := "f: version: required\nf:2: a: m\nf:2: z: m\nf:9: b: m"
	if got := errs.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if errs[0].Line != 9 {
		t.Error("Error() reordered the receiver")
	}
}

func TestConfigErrorsAs(t *testing.T) {
	t.Parallel()
	_, err := Parse(testFile, []byte("version: 2\n"), nil)
	wrapped := fmt.Errorf("loading: %w", err)

	var list Errors
	if !errors.As(wrapped, &list) || len(list) != 1 {
		t.Fatalf("errors.As(Errors) = %v, %v", list, err)
	}
	var ptr *Errors
	if !errors.As(wrapped, &ptr) || len(*ptr) != 1 {
		t.Fatalf("errors.As(*Errors) failed: %v", err)
	}
	var one *Error
	if !errors.As(wrapped, &one) || one.Path != "version" {
		t.Fatalf("errors.As(*Error) = %+v", one)
	}
	if err := Default().Validate(); err != nil {
		t.Fatalf("Validate of defaults returned %#v; want untyped nil", err)
	}
}
