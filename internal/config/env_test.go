package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestConfigEnvNames(t *testing.T) {
	t.Parallel()
	got := map[string][]string{}
	seen := map[string]string{}
	for _, k := range configKeys() {
		if !k.leaf || strings.Contains(k.path, "[]") || strings.Contains(k.path, "*") {
			continue // keys inside lists and maps are not environment-overridable
		}
		if len(k.env) == 0 {
			t.Errorf("%s: scalar key has no environment variable", k.path)
		}
		got[k.path] = k.env
		for _, n := range k.env {
			if !strings.HasPrefix(n, "RAMPART_") || strings.ToUpper(n) != n {
				t.Errorf("%s: environment name %q must be RAMPART_ and upper case", k.path, n)
			}
			if other, dup := seen[n]; dup {
				t.Errorf("%s and %s share the environment variable %s", other, k.path, n)
			}
			seen[n] = k.path
		}
	}
	for path, want := range map[string][]string{
		"server.read_header_timeout": {"RAMPART_SERVER_READ_HEADER_TIMEOUT"},
		"server.listen":              {"RAMPART_SERVER_LISTEN", "RAMPART_LISTEN"},
		"storage.database_url":       {"RAMPART_STORAGE_DATABASE_URL", "RAMPART_DATABASE_URL"},
		"storage.data_dir":           {"RAMPART_STORAGE_DATA_DIR", "RAMPART_DATA_DIR"},
		"secrets.master_key":         {"RAMPART_SECRETS_MASTER_KEY", "RAMPART_MASTER_KEY"},
		"secrets.master_key_file":    {"RAMPART_SECRETS_MASTER_KEY_FILE", "RAMPART_MASTER_KEY_FILE"},
		"version":                    {"RAMPART_VERSION"},
	} {
		if !reflect.DeepEqual(got[path], want) {
			t.Errorf("%s: env = %v, want %v", path, got[path], want)
		}
	}
}

// validKey is a well-formed master key for tests (32 bytes of 0x01..0x20, base64).
const validKey = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="

// TestConfigEnvOverrides sets one key per field type from the environment,
// over a file that sets it too: the environment must win.
func TestConfigEnvOverrides(t *testing.T) {
	t.Parallel()
	file := "version: 1\nmode: development\nserver:\n  listen: 127.0.0.1:1\n  insecure_http: false\n  read_header_timeout: 1s\n" +
		"storage:\n  max_open_conns: 1\n  data_dir: /file\npasswords:\n  argon2_iterations: 2\n  argon2_parallelism: 1\n"
	tests := []struct {
		name, env string
		want      func(c *Config)
	}{
		{"string", "RAMPART_MODE=production", func(c *Config) { c.Mode = "production" }},
		{"string, long name", "RAMPART_SERVER_LISTEN=127.0.0.1:9", func(c *Config) { c.Server.Listen = "127.0.0.1:9" }},
		{"string, short name", "RAMPART_LISTEN=127.0.0.1:9", func(c *Config) { c.Server.Listen = "127.0.0.1:9" }},
		{"string, short data dir", "RAMPART_DATA_DIR=/env", func(c *Config) { c.Storage.DataDir = "/env" }},
		{"bool", "RAMPART_SERVER_INSECURE_HTTP=TRUE", func(c *Config) { c.Server.InsecureHTTP = true }},
		{"duration", "RAMPART_SERVER_READ_HEADER_TIMEOUT=250ms", func(c *Config) { c.Server.ReadHeaderTimeout = 250 * time.Millisecond }},
		{"duration in days", "RAMPART_SERVER_SHUTDOWN_TIMEOUT=1d", func(c *Config) { c.Server.ShutdownTimeout = 24 * time.Hour }},
		{"int", "RAMPART_STORAGE_MAX_OPEN_CONNS=25", func(c *Config) { c.Storage.MaxOpenConns = 25 }},
		{"uint32", "RAMPART_PASSWORDS_ARGON2_ITERATIONS=3", func(c *Config) { c.Passwords.Argon2Time = 3 }},
		{"uint8", "RAMPART_PASSWORDS_ARGON2_PARALLELISM=4", func(c *Config) { c.Passwords.Argon2Threads = 4 }},
		{"secret", "RAMPART_MASTER_KEY=" + validKey, func(c *Config) { c.Secrets.MasterKey = validKey }},
		{"database url", "RAMPART_DATABASE_URL=postgres://db/rampart", func(c *Config) { c.Storage.DatabaseURL = "postgres://db/rampart" }},
		{"both names, same value", "RAMPART_LISTEN=127.0.0.1:9,RAMPART_SERVER_LISTEN=127.0.0.1:9", func(c *Config) { c.Server.Listen = "127.0.0.1:9" }},
		{"empty counts as unset", "RAMPART_MODE=", func(c *Config) {}},
		{"first of repeated names wins", "RAMPART_MODE=production,RAMPART_MODE=development", func(c *Config) { c.Mode = "production" }},
		{"other RAMPART_ variables are ignored", "RAMPART_CONFIG=x.yaml,RAMPART_FERNET_KEYS=k,RAMPART_TEST_POSTGRES_URL=y,RAMPART_REQUIRE_SERVICES=1", func(c *Config) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(testFile, []byte(file), strings.Split(tt.env, ","))
			if err != nil {
				t.Fatal(err)
			}
			want, err := Parse(testFile, []byte(file), nil)
			if err != nil {
				t.Fatal(err)
			}
			tt.want(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestConfigEnvErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"duration", []string{"RAMPART_SERVER_READ_HEADER_TIMEOUT=fast"},
			[]string{`environment RAMPART_SERVER_READ_HEADER_TIMEOUT (server.read_header_timeout): expected a duration like "15s", got "fast"`}},
		{"integer", []string{"RAMPART_STORAGE_MAX_OPEN_CONNS=ten"},
			[]string{`environment RAMPART_STORAGE_MAX_OPEN_CONNS (storage.max_open_conns): expected an integer, got "ten"`}},
		{"bool", []string{"RAMPART_SERVER_INSECURE_HTTP=yes"},
			[]string{`environment RAMPART_SERVER_INSECURE_HTTP (server.insecure_http): expected true or false, got "yes"`}},
		{"alias conflict", []string{"RAMPART_LISTEN=127.0.0.1:1", "RAMPART_SERVER_LISTEN=127.0.0.1:2"},
			[]string{`environment RAMPART_LISTEN (server.listen): conflicts with RAMPART_SERVER_LISTEN, which is set to a different value; unset one of them`}},
		{"validation names the variable", []string{"RAMPART_LISTEN=0.0.0.0:80"},
			[]string{`environment RAMPART_LISTEN (server.listen): "0.0.0.0:80" is not a loopback address, and TLS is off, so credentials and tokens would cross the network in plain text; set server.tls.cert_file and server.tls.key_file, listen on 127.0.0.1, ::1 or localhost, or set server.insecure_http: true if a proxy in front of rampart terminates TLS`}},
		{"validation of an enum", []string{"RAMPART_LOGGING_FORMAT=xml"},
			[]string{`environment RAMPART_LOGGING_FORMAT (logging.format): must be one of json, text; got "xml"`}},
		{"env fixes a file problem", []string{"RAMPART_MODE=production"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file := "version: 1\n"
			if tt.want == nil {
				file += "mode: prod\n"
			}
			wantLines(t, parseErrs(t, file, tt.env...), tt.want)
		})
	}
}

func TestConfigEnvWithoutFile(t *testing.T) {
	t.Parallel()
	c, err := Load("", []string{"RAMPART_LISTEN=[::1]:9000", "RAMPART_LOGGING_LEVEL=debug"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Listen != "[::1]:9000" || c.Logging.Level != "debug" {
		t.Errorf("got %+v", c)
	}
}

// TestConfigEnvShapes covers lists of scalars (comma-separated), pointers,
// and the keys the environment cannot reach (inside lists and maps).
func TestConfigEnvShapes(t *testing.T) {
	t.Parallel()
	var r testRoot
	st := newState()
	errs := applyEnv(&r, []string{
		"RAMPART_TAGS= a, b ,,c",
		"RAMPART_OPTIONAL=7",
		"RAMPART_LIMITS_WINDOW=2m",
		"RAMPART_LEVEL=low",
		"RAMPART_OWNER=ops",
		"RAMPART_ROUTES=ignored",
		"RAMPART_ROUTES_0_NAME=ignored",
	}, st)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if !reflect.DeepEqual(r.Tags, []string{"a", "b", "c"}) || r.Optional == nil || *r.Optional != 7 ||
		r.Limits == nil || r.Limits.Window != 2*time.Minute || r.Level != 1 || r.Owner != "ops" || r.Routes != nil {
		t.Errorf("got %+v", r)
	}
	if st.src["tags"].env != "RAMPART_TAGS" {
		t.Errorf("origin of tags = %+v", st.src["tags"])
	}

	errs = applyEnv(&r, []string{"RAMPART_TAGS=a,b", "RAMPART_RATIO=x"}, newState())
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	wantLines(t, got, []string{`environment RAMPART_RATIO (ratio): expected a number, got "x"`})

	type ints struct {
		Ports []int `yaml:"ports"`
	}
	var p ints
	errs = applyEnv(&p, []string{"RAMPART_PORTS=80,x,443"}, newState())
	if len(errs) != 1 || errs[0].Error() != `environment RAMPART_PORTS (ports[1]): expected an integer, got "x"` || p.Ports != nil {
		t.Errorf("got %v, %v", errs, p.Ports)
	}
}

func TestConfigEnvWarnings(t *testing.T) {
	t.Parallel()
	got := EnvWarnings([]string{
		"RAMPART_LISTN=x",
		"RAMPART_server_listen=x",
		"RAMPART_SERVER_READHEADER_TIMEOUT=1s",
		"RAMPART_LISTEN=ok",
		"RAMPART_CONFIG=rampart.yaml",
		"RAMPART_FERNET_KEYS=k",
		"RAMPART_TEST_POSTGRES_URL=x",
		"RAMPART_REQUIRE_SERVICES=1",
		"PATH=/bin",
	})
	wantLines(t, got, []string{
		"environment RAMPART_LISTN is not a rampart setting; did you mean RAMPART_LISTEN?",
		"environment RAMPART_SERVER_READHEADER_TIMEOUT is not a rampart setting; did you mean RAMPART_SERVER_READ_HEADER_TIMEOUT?",
		"environment RAMPART_server_listen is not a rampart setting; did you mean RAMPART_SERVER_LISTEN?",
	})
}
