package config

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. It must never panic, every
// problem must be a located *Error with a message, a Config that parses must
// render and parse back, and the secret set in the environment must never
// show up in an error.
//
// The seed corpus is testdata/fuzz/FuzzParse/; seeds are kept small because
// the fuzzer minimizes every input that finds new coverage, and minimizing a
// large one stalls fuzzing (run with -fuzzminimizetime 5s to bound it).
func FuzzParse(f *testing.F) {
	environ := []string{"RAMPART_MASTER_KEY=" + secretValue, "RAMPART_SECRETS_MASTER_KEY=" + secretValue + "x"}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data, nil)
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error is %T, want a non-empty Errors: %v", err, err)
			}
			for _, e := range errs {
				if e.Msg == "" || e.File != "fuzz.yaml" && e.Env == "" {
					t.Fatalf("badly formed problem %#v", e)
				}
			}
		} else {
			out, err := c.Redacted()
			if err != nil {
				t.Fatalf("Redacted: %v", err)
			}
			if c.Secrets.MasterKey == "" && !strings.Contains(string(out), "xxxxx") {
				if _, err := Parse("redacted.yaml", out, nil); err != nil {
					t.Fatalf("rendered config does not parse: %v\n%s", err, out)
				}
			}
		}
		if _, err := Parse("fuzz.yaml", data, environ); err != nil && strings.Contains(err.Error(), secretValue) {
			t.Fatalf("error shows the secret: %v", err)
		}
	})
}
