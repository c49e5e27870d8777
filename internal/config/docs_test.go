package config

import (
	"os"
	"strings"
	"testing"
)

// TestConfigDocsCoverEveryKey fails when docs/config.md does not mention a
// key path (as `path`) or one of its environment variables. Keys inside
// lists are written "routes[].name", inside maps "authenticators.*.type".
func TestConfigDocsCoverEveryKey(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, k := range configKeys() {
		if !strings.Contains(doc, "`"+k.path+"`") {
			t.Errorf("docs/config.md does not document the key `%s`", k.path)
		}
		for _, env := range k.env {
			if !strings.Contains(doc, env) {
				t.Errorf("docs/config.md does not name %s, the environment variable for %s", env, k.path)
			}
		}
	}
}
