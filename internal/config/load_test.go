package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestConfigLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(good, []byte("version: 1\nlogging: {level: warn}\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	c, err := Load(good, []string{"RAMPART_LOGGING_FORMAT=text"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Logging.Level != "warn" || c.Logging.Format != "text" || c.Server.Listen != "127.0.0.1:8080" {
		t.Errorf("got %+v", c.Logging)
	}

	c, err = Load("", nil)
	if err != nil || !reflect.DeepEqual(c, Default()) {
		t.Errorf("Load without a file = %+v, %v; want Default()", c, err)
	}

	missing := filepath.Join(dir, "missing.yaml")
	c, err = Load(missing, nil)
	got := errLines(t, err)
	if c != nil || len(got) != 1 || !strings.HasPrefix(got[0], missing+": cannot read the file: ") {
		t.Errorf("Load(missing) = %v, %q", c, got)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\nmode: prod\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Load(bad, nil)
	wantLines(t, errLines(t, err), []string{bad + `:2: mode: must be one of development, production; got "prod"`})
	if c != nil {
		t.Errorf("Load returned a config with its errors: %+v", c)
	}
}
