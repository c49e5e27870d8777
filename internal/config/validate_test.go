package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestConfigDefaultIsValid(t *testing.T) {
	t.Parallel()
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default() does not validate:\n%v", err)
	}
	if _, err := Load("", nil); err != nil {
		t.Fatalf("Load without a file:\n%v", err)
	}
}

// TestConfigValidate has one case per rule, on a Config built in Go, with
// the exact message.
func TestConfigValidate(t *testing.T) {
	t.Parallel()
	const notLoopback = `, and TLS is off, so credentials and tokens would cross the network in plain text; ` +
		`set server.tls.cert_file and server.tls.key_file, listen on 127.0.0.1, ::1 or localhost, or set server.insecure_http: true if a proxy in front of rampart terminates TLS`
	tests := []struct {
		name   string
		change func(c *Config)
		want   []string
	}{
		{"version missing", func(c *Config) { c.Version = 0 }, []string{`version: required; the file must start with "version: 1"`}},
		{"issuer url plain http on a public host", func(c *Config) { c.Issuer.URL = "http://auth.example.com" },
			[]string{`issuer.url: "http://auth.example.com" is plain http on a non-loopback host; tokens and codes would cross the network in the clear: use https`}},
		{"issuer url relative", func(c *Config) { c.Issuer.URL = "/auth" },
			[]string{`issuer.url: must be an absolute http(s) URL without query or fragment, like "https://auth.example.com"; got "/auth"`}},
		{"issuer alg", func(c *Config) { c.Issuer.SigningAlg = "HS256" },
			[]string{`issuer.signing_alg: must be one of ES256, RS256, EdDSA; got "HS256"`}},
		{"access token ttl too long", func(c *Config) { c.Issuer.AccessTokenTTL = 48 * time.Hour },
			[]string{`issuer.access_token_ttl: must be between 1m and 24h, got 48h`}},
		{"code ttl over RFC limit", func(c *Config) { c.Issuer.AuthorizationCodeTTL = time.Hour },
			[]string{`issuer.authorization_code_ttl: must be between 10s and 10m, got 1h`}},
		{"rotation overlap under JWKS cache", func(c *Config) { c.Issuer.KeyRotationOverlap = time.Minute },
			[]string{`issuer.key_rotation_overlap: must be between 5m and 720h, got 1m`}},
		{"login max failures", func(c *Config) { c.Login.MaxFailures = 0 }, []string{`login.max_failures: must be >= 1, got 0`}},
		{"login lockout max below lockout", func(c *Config) { c.Login.LockoutMax = time.Second },
			[]string{`login.lockout_max: must be >= login.lockout (1m), got 1s`}},
		{"admin listen same as listen", func(c *Config) { c.Server.AdminListen = c.Server.Listen },
			[]string{`server.admin_listen: "127.0.0.1:8080" is also server.listen; the admin listener needs its own address (or empty to turn it off)`}},
		{"admin listen public without tls", func(c *Config) { c.Server.AdminListen = "0.0.0.0:9180" },
			[]string{`server.admin_listen: "0.0.0.0:9180" is not a loopback address, and TLS is off, so health and metrics would be served in plain text to the network; listen on 127.0.0.1, set server.tls, or set server.insecure_http: true if the network is trusted`}},
		{"admin listen bad", func(c *Config) { c.Server.AdminListen = "9180" },
			[]string{`server.admin_listen: must be host:port like "127.0.0.1:8080" or "[::1]:8080", got "9180"`}},
		{"admin listen off", func(c *Config) { c.Server.AdminListen = "" }, nil},
		{"acme and cert files", func(c *Config) {
			c.Server.TLS.ACME.Domains = []string{"api.example.com"}
			c.Server.TLS.CertFile, c.Server.TLS.KeyFile = "a.pem", "b.pem"
		}, []string{`server.tls.acme: set either cert_file and key_file or acme, not both`}},
		{"acme bad domains, email and CA", func(c *Config) {
			c.Server.TLS.ACME.Domains = []string{"*.example.com", "192.0.2.1", "bad_name.example.com", "api.example.com"}
			c.Server.TLS.ACME.Email = "ops at example.com"
			c.Server.TLS.ACME.CAURL = "http://acme.example.com/directory"
			c.Server.TLS.ACME.CARootFile = "/nonexistent/root.pem"
		}, []string{
			`server.tls.acme.ca_root_file: open /nonexistent/root.pem: no such file or directory`,
			`server.tls.acme.ca_url: must be the https URL of an ACME directory, got "http://acme.example.com/directory"`,
			`server.tls.acme.domains[0]: "*.example.com" is a wildcard; wildcard certificates need the DNS-01 challenge, which rampart does not perform`,
			`server.tls.acme.domains[1]: "192.0.2.1" is an IP address; ACME here issues certificates for DNS names`,
			`server.tls.acme.domains[2]: "bad_name.example.com" is not a DNS name`,
			`server.tls.acme.email: "ops at example.com" is not an email address`,
		}},
		{"acme lets a public listener be", func(c *Config) {
			c.Server.TLS.ACME.Domains = []string{"api.example.com"}
			c.Server.Listen, c.Server.AdminListen = ":443", "0.0.0.0:9180"
		}, nil},
		{"acme still checks client_ca_file and redirect_http_from", func(c *Config) {
			c.Server.TLS.ACME.Domains = []string{"api.example.com"}
			c.Server.TLS.ClientCAFile = "/nonexistent/ca.pem"
			c.Server.TLS.RedirectHTTPFrom = "80"
		}, []string{
			`server.tls.client_ca_file: open /nonexistent/ca.pem: no such file or directory`,
			`server.tls.redirect_http_from: must be host:port like "127.0.0.1:8080" or "[::1]:8080", got "80"`,
		}},
		{"redis url and timeout", func(c *Config) {
			c.Storage.RedisURL = "http://:hunter2@127.0.0.1:6379"
			c.Storage.RedisTimeout = time.Minute
			c.Storage.RedisPrefix = ""
		}, []string{
			`storage.redis_prefix: required; for example "rampart:"`,
			`storage.redis_timeout: must be between 5ms and 5s, got 1m`,
			`storage.redis_url: must be a URL like "redis://127.0.0.1:6379/0" or "rediss://:PASSWORD@redis.internal:6380/0"`,
		}},
		{"redis url fine", func(c *Config) { c.Storage.RedisURL = "rediss://:pw@redis.internal:6380/2" }, nil},
		{"trusted proxies", func(c *Config) {
			c.Server.TrustedProxies = []string{"10.0.0.0/8", "192.0.2.7", "::1", "10.0.0.0/33", "lb.internal", "fe80::1%eth0"}
		},
			[]string{
				`server.trusted_proxies[3]: "10.0.0.0/33" is not a CIDR or IP address like "10.0.0.0/8" or "192.0.2.7"`,
				`server.trusted_proxies[4]: "lb.internal" is not a CIDR or IP address like "10.0.0.0/8" or "192.0.2.7"`,
				`server.trusted_proxies[5]: "fe80::1%eth0" is not a CIDR or IP address like "10.0.0.0/8" or "192.0.2.7"`,
			}},
		{"version unsupported", func(c *Config) { c.Version = 2 }, []string{`version: unsupported version 2; this rampart reads version 1`}},
		{"mode", func(c *Config) { c.Mode = "prod" }, []string{`mode: must be one of development, production; got "prod"`}},
		{"listen empty", func(c *Config) { c.Server.Listen = "" }, []string{`server.listen: required; for example "127.0.0.1:8080"`}},
		{"listen without port", func(c *Config) { c.Server.Listen = "127.0.0.1" },
			[]string{`server.listen: must be host:port like "127.0.0.1:8080" or "[::1]:8080", got "127.0.0.1"`}},
		{"listen named port", func(c *Config) { c.Server.Listen = "localhost:http" },
			[]string{`server.listen: port must be a number from 0 (any free port) to 65535, got "http"`}},
		{"listen port out of range", func(c *Config) { c.Server.Listen = "127.0.0.1:70000" },
			[]string{`server.listen: port must be a number from 0 (any free port) to 65535, got "70000"`}},
		{"listen on all interfaces", func(c *Config) { c.Server.Listen = ":8080" },
			[]string{`server.listen: ":8080" listens on every network interface` + notLoopback}},
		{"listen on a public address", func(c *Config) { c.Server.Listen = "0.0.0.0:8080" },
			[]string{`server.listen: "0.0.0.0:8080" is not a loopback address` + notLoopback}},
		{"listen on a host name", func(c *Config) { c.Server.Listen = "api.example.com:443" },
			[]string{`server.listen: "api.example.com:443" is not a loopback address` + notLoopback}},
		{"listen on IPv6 with a zone", func(c *Config) { c.Server.Listen = "[fe80::1%eth0]:8080" },
			[]string{`server.listen: "[fe80::1%eth0]:8080" is not a loopback address` + notLoopback}},
		{"insecure_http allows it", func(c *Config) { c.Server.Listen = "0.0.0.0:8080"; c.Server.InsecureHTTP = true }, nil},
		{"loopback forms", func(c *Config) { c.Server.Listen = "127.1.2.3:8080" }, nil},
		{"loopback IPv6", func(c *Config) { c.Server.Listen = "[::1]:8080" }, nil},
		{"loopback IPv4-mapped", func(c *Config) { c.Server.Listen = "[::ffff:127.0.0.1]:8080" }, nil},
		{"localhost", func(c *Config) { c.Server.Listen = "LocalHost:8080" }, nil},
		{"negative duration", func(c *Config) { c.Server.ReadHeaderTimeout = -5 * time.Second },
			[]string{`server.read_header_timeout: must be > 0, got -5s`}},
		{"zero durations", func(c *Config) {
			c.Server.ShutdownTimeout = 0
			c.Storage.BusyTimeout = 0
			c.Storage.ConnectTimeout = 0
		}, []string{
			`server.shutdown_timeout: must be > 0, got 0s`,
			`storage.busy_timeout: must be > 0, got 0s`,
			`storage.connect_timeout: must be > 0, got 0s`,
		}},
		{"data dir", func(c *Config) { c.Storage.DataDir = " " },
			[]string{`storage.data_dir: required; the directory for the SQLite database and the master key file`}},
		{"database scheme", func(c *Config) { c.Storage.DatabaseURL = "mysql://root:pw@db/rampart" },
			[]string{`storage.database_url: unsupported scheme "mysql"; expected sqlite:// or postgres://`}},
		{"database not a URL", func(c *Config) { c.Storage.DatabaseURL = "./rampart.db" },
			[]string{`storage.database_url: must be a URL like "sqlite://./rampart-data/rampart.db" or "postgres://rampart@db.internal:5432/rampart"`}},
		{"sqlite without path", func(c *Config) { c.Storage.DatabaseURL = "sqlite://" },
			[]string{`storage.database_url: a sqlite:// URL needs a file path, like "sqlite://./rampart-data/rampart.db"`}},
		{"postgres URL broken, password not echoed", func(c *Config) { c.Storage.DatabaseURL = "postgres://u:pw%zz@db/x" },
			[]string{`storage.database_url: is not a valid postgres:// URL (check the host, port and the escaping of the password)`}},
		{"database URLs accepted", func(c *Config) { c.Storage.DatabaseURL = "postgresql://u:p@db:5432/x?sslmode=verify-full" }, nil},
		{"sqlite URL accepted", func(c *Config) { c.Storage.DatabaseURL = "SQLITE:///var/lib/rampart/r.db" }, nil},
		{"max open conns", func(c *Config) { c.Storage.MaxOpenConns = 0 }, []string{`storage.max_open_conns: must be >= 1, got 0`}},
		{"master key length", func(c *Config) { c.Secrets.MasterKey = "c2hvcnQ=" },
			[]string{"secrets.master_key: key has the wrong length: got 5 bytes, want 32; generate one with `openssl rand -base64 32`"}},
		{"master key encoding", func(c *Config) { c.Secrets.MasterKey = "not a key!" },
			[]string{"secrets.master_key: key is neither base64 nor 64 hex characters; generate one with `openssl rand -base64 32`"}},
		{"master key accepted", func(c *Config) { c.Secrets.MasterKey = validKey }, nil},
		{"argon2 memory", func(c *Config) { c.Passwords.Argon2MemoryKiB = 4096; c.Passwords.Argon2Time = 10 },
			[]string{`passwords.argon2_memory_kib: 4096 KiB is weaker than OWASP's minimum of 7168 KiB (7 MiB with 5 iterations)`}},
		{"argon2 work", func(c *Config) { c.Passwords.Argon2Time = 1 },
			[]string{`passwords.argon2_memory_kib: argon2_memory_kib × argon2_iterations = 19456 × 1 = 19456 is weaker than OWASP's minimum of 35840 (for example 19456 KiB × 2, 12288 × 3, 9216 × 4 or 7168 × 5)`}},
		{"argon2 OWASP rows accepted", func(c *Config) { c.Passwords.Argon2MemoryKiB = 7168; c.Passwords.Argon2Time = 5 }, nil},
		{"argon2 OWASP first row", func(c *Config) { c.Passwords.Argon2MemoryKiB = 47104; c.Passwords.Argon2Time = 1 }, nil},
		{"argon2 zeros", func(c *Config) { c.Passwords.Argon2Time = 0; c.Passwords.Argon2Threads = 0 }, []string{
			`passwords.argon2_iterations: must be >= 1, got 0`,
			`passwords.argon2_parallelism: must be >= 1, got 0`,
		}},
		{"log format", func(c *Config) { c.Logging.Format = "xml" }, []string{`logging.format: must be one of json, text; got "xml"`}},
		{"log level", func(c *Config) { c.Logging.Level = "trace" }, []string{`logging.level: must be one of debug, info, warn, error; got "trace"`}},
		{"access log target", func(c *Config) { c.Logging.AccessLog = "syslog" }, []string{`logging.access_log: must be one of stdout, stderr, file, off; got "syslog"`}},
		{"access log file missing", func(c *Config) { c.Logging.AccessLog = "file" }, []string{`logging.access_log_file: required when access_log is file`}},
		{"access log file unused", func(c *Config) { c.Logging.AccessLogFile = "/tmp/a.log" }, []string{`logging.access_log_file: set, but access_log is "stdout"; set access_log: file to write it`}},
		{"access log age", func(c *Config) { c.Logging.AccessLogMaxAge = time.Hour }, []string{`logging.access_log_max_age: must be whole days ("30d", "720h") or 0, got 1h`}},
		{"otlp endpoint", func(c *Config) { c.Tracing.OTLPEndpoint = "collector:4318" }, []string{`tracing.otlp_endpoint: must be an http:// or https:// URL like "http://otel-collector:4318", got "collector:4318"`}},
		{"otlp credentials", func(c *Config) { c.Tracing.OTLPEndpoint = "https://u:p@collector" }, []string{`tracing.otlp_endpoint: must not carry credentials in the URL`}},
		{"sample ratio", func(c *Config) { c.Tracing.SampleRatio = 1.5 }, []string{`tracing.sample_ratio: must be between 0 and 1, got 1.5`}},
		{"detection window", func(c *Config) { c.Detection.Window = 0 }, []string{`detection.window: must be > 0, got 0s`}},
		{"auto block without ip", func(c *Config) { c.Detection.AutoBlock, c.Detection.IPFailures = true, 0 }, []string{`detection.auto_block: blocks IPs, but ip_failures is 0 (IP detection off); set ip_failures`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Default()
			tt.change(c)
			wantLines(t, errLines(t, c.Validate()), tt.want)
		})
	}
}

// TestConfigValidateLocations checks that validation problems point at the
// line that set the value, the environment variable, or the enclosing key.
func TestConfigValidateLocations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		env      []string
		want     []string
	}{
		{"missing version", "mode: development\n", nil,
			[]string{`rampart.yaml: version: required; the file must start with "version: 1"`}},
		{"empty file", "", nil,
			[]string{`rampart.yaml: version: required; the file must start with "version: 1"`}},
		{"explicit version 0", "version: 0\n", nil,
			[]string{`rampart.yaml:1: version: unsupported version 0; this rampart reads version 1`}},
		{"value's own line", "version: 1\nlogging:\n  format: json\n  level: loud\n", nil,
			[]string{`rampart.yaml:4: logging.level: must be one of debug, info, warn, error; got "loud"`}},
		{"default inside a set section points at the section", "version: 1\npasswords:\n  argon2_iterations: 1\n", nil,
			[]string{`rampart.yaml:3: passwords.argon2_iterations: argon2_memory_kib × argon2_iterations = 19456 × 1 = 19456 is weaker than OWASP's minimum of 35840 (for example 19456 KiB × 2, 12288 × 3, 9216 × 4 or 7168 × 5)`}},
		{"default outside the file has no line", "version: 1\n", []string{"RAMPART_PASSWORDS_ARGON2_MEMORY_KIB=8192"},
			[]string{`environment RAMPART_PASSWORDS_ARGON2_MEMORY_KIB (passwords.argon2_memory_kib): argon2_memory_kib × argon2_iterations = 8192 × 2 = 16384 is weaker than OWASP's minimum of 35840 (for example 19456 KiB × 2, 12288 × 3, 9216 × 4 or 7168 × 5)`}},
		{"not reported twice", "version: 1\nserver:\n  read_header_timeout: soon\n", nil,
			[]string{`rampart.yaml:3: server.read_header_timeout: expected a duration like "15s", got "soon"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantLines(t, parseErrs(t, tt.in, tt.env...), tt.want)
		})
	}
}

// TestConfigManyProblems reports every problem of a file with many kinds of
// mistake in one go, sorted by line.
func TestConfigManyProblems(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/many_problems.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse("many_problems.yaml", data, []string{
		"RAMPART_DATA_DIR=/srv/a", "RAMPART_STORAGE_DATA_DIR=/srv/b", "RAMPART_LOGGING_LEVEL=loud",
	})
	got := errLines(t, err)
	if len(got) < 10 {
		t.Errorf("got %d problems, want at least 10", len(got))
	}
	golden(t, "many_problems.golden", []byte(strings.Join(got, "\n")+"\n"))
}
