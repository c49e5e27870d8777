package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// configRun runs rampart in process and returns its exit status and output.
func configRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func configFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestConfigCheckCommand runs `rampart config check` and asserts the exit
// status and the output. Not parallel: some cases set RAMPART_* variables.
func TestConfigCheckCommand(t *testing.T) {
	good := configFile(t, "good.yaml", "version: 1\nmode: production\n")
	bad := configFile(t, "bad.yaml", "version: 1\nmode: prod\nserver:\n  listn: x\n  read_header_timeout: fast\n")
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		code       int
		out, err   string
		outHas     []string
		outHasNot  []string
		errHasLine []string
	}{
		{name: "valid file", args: []string{"config", "check", good}, code: 0, out: good + ": OK\n"},
		{name: "file from --config", args: []string{"--config", good, "config", "check"}, code: 0, out: good + ": OK\n"},
		{name: "file from RAMPART_CONFIG", args: []string{"config", "check"}, env: map[string]string{"RAMPART_CONFIG": good}, code: 0, out: good + ": OK\n"},
		{name: "every problem, one per line", args: []string{"config", "check", bad}, code: 1, out: "",
			err: bad + `:2: mode: must be one of development, production; got "prod"` + "\n" +
				bad + `:4: server.listn: unknown key; did you mean "listen"?` + "\n" +
				bad + `:5: server.read_header_timeout: expected a duration like "15s", got "fast"` + "\n" +
				"rampart: " + bad + ": 3 problems\n"},
		{name: "environment overrides apply", args: []string{"config", "check", good},
			env: map[string]string{"RAMPART_LISTEN": "0.0.0.0:80"}, code: 1,
			errHasLine: []string{`environment RAMPART_LISTEN (server.listen): "0.0.0.0:80" is not a loopback address`}},
		{name: "environment can fix the file", args: []string{"config", "check", bad},
			env: map[string]string{"RAMPART_MODE": "development"}, code: 1,
			errHasLine: []string{"rampart: " + bad + ": 2 problems"}},
		{name: "near-miss variable warns", args: []string{"config", "check", good},
			env: map[string]string{"RAMPART_LISTN": "x"}, code: 0, out: good + ": OK\n",
			err: "warning: environment RAMPART_LISTN is not a rampart setting; did you mean RAMPART_LISTEN?\n"},
		{name: "missing file", args: []string{"config", "check", filepath.Join(t.TempDir(), "nope.yaml")}, code: 1,
			errHasLine: []string{": 1 problem"}},
		{name: "print", args: []string{"config", "check", good, "--print"},
			env: map[string]string{"RAMPART_MASTER_KEY": "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="}, code: 0,
			outHas:    []string{good + ": OK\n", "\nmode: production\n", "  master_key: '[REDACTED]'\n", "  read_header_timeout: 5s\n"},
			outHasNot: []string{"AQIDBAUGBwgJ"}},
		{name: "no file", args: []string{"config", "check"}, code: 2,
			err: "rampart: rampart config check: no config file given; pass FILE, --config FILE, or set RAMPART_CONFIG\n"},
		{name: "two files", args: []string{"config", "check", good, bad}, code: 2,
			err: "rampart: rampart config check: expected at most 1 argument, got 2 (see --help)\n"},
		{name: "file and a different --config", args: []string{"-c", bad, "config", "check", good}, code: 2,
			errHasLine: []string{"rampart: rampart config check: got FILE"}},
		{name: "unknown flag", args: []string{"config", "check", good, "--prnt"}, code: 2,
			err: "rampart: unknown flag: --prnt\n"},
		{name: "unknown subcommand", args: []string{"config", "chek"}, code: 2,
			err: "rampart: unknown command \"chek\" for \"rampart config\" (see --help)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("RAMPART_CONFIG", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, out, errOut := configRun(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			if tt.outHas == nil && out != tt.out {
				t.Errorf("stdout:\n%s\nwant:\n%s", out, tt.out)
			}
			for _, s := range tt.outHas {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tt.outHasNot {
				if strings.Contains(out+errOut, s) {
					t.Errorf("output shows %q:\n%s%s", s, out, errOut)
				}
			}
			if tt.errHasLine == nil && errOut != tt.err {
				t.Errorf("stderr:\n%s\nwant:\n%s", errOut, tt.err)
			}
			for _, s := range tt.errHasLine {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errOut)
				}
			}
		})
	}
}

// TestConfigDefaultsCommand prints the default file and checks that
// `config check` accepts it as it is.
func TestConfigDefaultsCommand(t *testing.T) {
	code, out, errOut := configRun(t, "config", "defaults")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if !strings.HasPrefix(out, "# rampart configuration") || !strings.Contains(out, "\nversion: 1\n") {
		t.Errorf("defaults output:\n%s", out)
	}
	path := configFile(t, "defaults.yaml", out)
	code, checked, errOut := configRun(t, "config", "check", path)
	if code != 0 || checked != path+": OK\n" {
		t.Errorf("config check of the defaults: exit %d\n%s%s", code, checked, errOut)
	}
	if code, _, _ := configRun(t, "config", "defaults", "extra"); code != 2 {
		t.Errorf("config defaults extra: exit %d, want 2", code)
	}
}
