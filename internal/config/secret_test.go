package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// secretValue is a distinctive wrong-length key: any error that mentions it
// leaks the secret.
const secretValue = "SUPERSECRETVALUE0123456789abcdefSUPER"

// TestConfigSecretNeverInErrors puts a secret wherever a mistake could make
// an error repeat it.
func TestConfigSecretNeverInErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		env      []string
	}{
		{"wrong length in the file", "version: 1\nsecrets:\n  master_key: " + secretValue + "\n", nil},
		{"wrong length in the environment", "version: 1\n", []string{"RAMPART_MASTER_KEY=" + secretValue}},
		{"long name conflicts with the short one", "version: 1\n", []string{"RAMPART_MASTER_KEY=" + secretValue, "RAMPART_SECRETS_MASTER_KEY=" + secretValue + "x"}},
		{"secret in place of the section", "version: 1\nsecrets: " + secretValue + "\n", nil},
		{"secret in a list", "version: 1\nsecrets:\n  master_key: [" + secretValue + "]\n", nil},
		{"secret as a mapping", "version: 1\nsecrets:\n  master_key: {k: " + secretValue + "}\n", nil},
		{"unterminated quote", "version: 1\nsecrets:\n  master_key: \"" + secretValue + "\n", nil},
		{"secret beside a tag", "version: 1\nsecrets:\n  master_key: !!binary " + secretValue + "\n", nil},
		{"secret with a bad byte", "version: 1\nsecrets:\n  master_key: " + secretValue + "\xff\n", nil},
		{"secret with a control character", "version: 1\nsecrets:\n  master_key: " + secretValue + "\x01\n", nil},
		{"secret and other problems", "version: 1\nmode: x\nsecrets:\n  master_key: " + secretValue + "\nlogging: {level: x}\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(testFile, []byte(tt.in), tt.env)
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), "SUPERSECRET") {
				t.Errorf("error leaks the secret:\n%v", err)
			}
		})
	}
}

func TestConfigSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	c := Default()
	c.Secrets.MasterKey = Secret(validKey)
	c.Storage.DatabaseURL = "postgres://rampart:" + "dbpassword" + "@db:5432/rampart?sslmode=verify-full"

	out, err := c.Redacted()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "key", c.Secrets.MasterKey, "secrets", c.Secrets)
	js, _ := json.Marshal(c)
	ym, _ := yaml.Marshal(c)
	for name, s := range map[string]string{
		"Redacted":  string(out),
		"%v":        fmt.Sprintf("%v", c),
		"%+v":       fmt.Sprintf("%+v", c),
		"%#v":       fmt.Sprintf("%#v", c),
		"%s secret": fmt.Sprintf("%s", c.Secrets.MasterKey),
		"slog":      logs.String(),
		"json":      string(js),
		"yaml":      string(ym),
	} {
		if strings.Contains(s, validKey[:12]) {
			t.Errorf("%s shows the master key:\n%s", name, s)
		}
	}
	if strings.Contains(string(out), "dbpassword") {
		t.Errorf("Redacted shows the database password:\n%s", out)
	}
	if !strings.Contains(string(out), "master_key: '[REDACTED]'") {
		t.Errorf("Redacted does not mark the key as set:\n%s", out)
	}
}
