package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestConfigRedactedGolden(t *testing.T) {
	t.Parallel()
	c := Default()
	c.Mode = "production"
	c.Server.ReadHeaderTimeout = 90 * time.Minute
	c.Storage.DatabaseURL = "postgres://rampart:dbpassword@db:5432/rampart?sslmode=verify-full"
	c.Secrets.MasterKey = Secret(validKey)
	out, err := c.Redacted()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "redacted.golden", out)
}

// TestConfigRedactedRoundTrip parses what Redacted renders (without secrets)
// back into the same Config.
func TestConfigRedactedRoundTrip(t *testing.T) {
	t.Parallel()
	c := Default()
	c.Server.Listen = "[::1]:9000"
	c.Server.ShutdownTimeout = 36 * time.Hour
	c.Storage.DatabaseURL = "sqlite:///var/lib/rampart/db"
	c.Logging.Level = "debug"
	out, err := c.Redacted()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("redacted.yaml", out, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("round trip changed the config:\n got  %+v\n want %+v", back, c)
	}
}

func TestConfigRedactedShapes(t *testing.T) {
	t.Parallel()
	seven := 7
	r := testRoot{
		Routes:         []testRoute{{Name: "a", Match: testMatch{Methods: []string{"GET"}}, RateLimit: &testLimit{Limit: 1, Window: time.Minute}}},
		Authenticators: map[string]testAuth{"z": {Type: "basic", ClientSecret: "shh"}, "a": {Type: "jwt"}},
		Optional:       &seven,
		Level:          2,
		testCommon:     testCommon{Owner: "ops"},
	}
	n, err := encodeValue(reflect.ValueOf(r), 0)
	if err != nil {
		t.Fatal(err)
	}
	var back testRoot
	out, err := renderNode(n)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "redacted_shapes.golden", out)
	if errs, _ := decodeFile("x", out, &back, newState()); len(errs) > 0 {
		t.Fatalf("%v\n%s", errs, out)
	}
	r.Authenticators["z"] = testAuth{Type: "basic", ClientSecret: redactedText}
	r.Tags = []string{} // rendered as [], read back as an empty list
	if !reflect.DeepEqual(back, r) {
		t.Errorf("got  %+v\nwant %+v", back, r)
	}
}

// TestConfigDefaultFile checks that `rampart config defaults` prints exactly
// Default(), sets every key, and passes validation.
func TestConfigDefaultFile(t *testing.T) {
	t.Parallel()
	c, st, errs := load("defaults.yaml", DefaultFile(), true, nil)
	if len(errs) > 0 {
		t.Fatalf("the default file does not load:\n%v", errs)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("the default file differs from Default():\n file    %+v\n Default %+v", c, Default())
	}
	for _, k := range configKeys() {
		if strings.Contains(k.path, "[]") || strings.Contains(k.path, "*") {
			continue // inside routes: and authenticators:, which are empty by default
		}
		if _, ok := st.src[k.path]; !ok {
			t.Errorf("the default file does not set %s", k.path)
		}
	}
}
