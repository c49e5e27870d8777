// Package config is rampart's typed configuration: one YAML file plus
// RAMPART_* environment overrides, with secure defaults and validation that
// reports every problem at once with the file, key path and expectation.
package config

import (
	"log/slog"
	"net"
	"path/filepath"
	"time"
)

// CurrentVersion is the config file format this rampart understands.
const CurrentVersion = 1

// Config is the whole configuration. Its zero value is not usable; start from
// Default (Load does).
type Config struct {
	// Version is the file format version; the file must say `version: 1`.
	Version int `yaml:"version"`
	// Mode is "development" (default) or "production". Production mode turns
	// risky conveniences (such as an auto-generated master key file) into loud warnings.
	Mode string `yaml:"mode"`
	// Server is the main HTTP listener.
	Server Server `yaml:"server"`
	// Storage is where durable state lives.
	Storage Storage `yaml:"storage"`
	// Secrets holds the master key that encrypts secrets at rest.
	Secrets Secrets `yaml:"secrets"`
	// Passwords holds the argon2id parameters for new password hashes.
	Passwords Passwords `yaml:"passwords"`
	// Issuer configures rampart as a token issuer and OAuth 2.1 / OpenID Connect server.
	Issuer Issuer `yaml:"issuer"`
	// Login configures first-party login and its brute-force protection.
	Login Login `yaml:"login"`
	// Logging configures rampart's own log output and the access log.
	Logging Logging `yaml:"logging"`
	// Tracing exports OpenTelemetry traces. Default off.
	Tracing Tracing `yaml:"tracing"`
	// Detection watches authentication failures for brute force and
	// credential stuffing.
	Detection Detection `yaml:"detection"`
	// Audit configures the audit trail of security events and its sinks.
	Audit Audit `yaml:"audit"`
	// Authenticators are named ways to recognise credentials, used by routes.
	Authenticators map[string]Authenticator `yaml:"authenticators"`
	// Routes are the APIs rampart guards. A request that matches no route gets 404.
	Routes []Route `yaml:"routes"`
}

// Issuer configures the token service.
type Issuer struct {
	// URL is the iss claim of every token and the base of the discovery
	// documents. It must be https unless its host is loopback. Default
	// http://127.0.0.1:8080.
	URL string `yaml:"url" env:"RAMPART_ISSUER_URL"`
	// SigningAlg is the algorithm of new signing keys: ES256 (default), RS256 or EdDSA.
	SigningAlg string `yaml:"signing_alg"`
	// AccessTokenTTL is the lifetime of access tokens. Default 15m.
	AccessTokenTTL time.Duration `yaml:"access_token_ttl"`
	// RefreshTokenTTL is the lifetime of refresh tokens. Default 720h (30 days).
	RefreshTokenTTL time.Duration `yaml:"refresh_token_ttl"`
	// IDTokenTTL is the lifetime of OpenID Connect ID tokens. Default 1h.
	IDTokenTTL time.Duration `yaml:"id_token_ttl"`
	// AuthorizationCodeTTL is how long an authorization code may wait to be
	// exchanged. Default 1m; at most 10m (RFC 6749 section 4.1.2).
	AuthorizationCodeTTL time.Duration `yaml:"authorization_code_ttl"`
	// DefaultAudience is the aud of tokens whose request names no resource and
	// whose client has no audience of its own. Default: the issuer URL.
	DefaultAudience string `yaml:"default_audience"`
	// KeyRotationOverlap is how long a new signing key is published before it
	// signs, so every cached JWKS has it first. Default 1h; at least 5m (the JWKS cache lifetime).
	KeyRotationOverlap time.Duration `yaml:"key_rotation_overlap"`
}

// Login configures POST /auth/login, the authorization server's login page
// and HTTP Basic authentication: how repeated failures lock an account.
type Login struct {
	// MaxFailures is how many consecutive failures lock the account. Default 5.
	MaxFailures int `yaml:"max_failures"`
	// IPMaxFailures is how many failures from one client IP, across all
	// accounts, lock that IP out of logging in. Default 20.
	IPMaxFailures int `yaml:"ip_max_failures"`
	// Lockout is the first lock's length; each further failure doubles it. Default 1m.
	Lockout time.Duration `yaml:"lockout"`
	// LockoutMax caps a lock's length. Default 1h.
	LockoutMax time.Duration `yaml:"lockout_max"`
	// FailureWindow forgets a run of failures after this long without one. Default 1h.
	FailureWindow time.Duration `yaml:"failure_window"`
}

// Server is the HTTP listener.
type Server struct {
	// Listen is the host:port of the main listener. Default 127.0.0.1:8080.
	// Without TLS only loopback addresses are allowed unless InsecureHTTP is set.
	Listen string `yaml:"listen" env:"RAMPART_LISTEN"`
	// AdminListen is the host:port of the admin listener, which serves
	// /healthz, /readyz and /metrics apart from the API traffic. Default
	// 127.0.0.1:9180; empty turns it off. The same loopback rule as Listen applies.
	AdminListen string `yaml:"admin_listen" env:"RAMPART_ADMIN_LISTEN"`
	// InsecureHTTP allows plain HTTP on a non-loopback address. Default false.
	InsecureHTTP bool `yaml:"insecure_http"`
	// ReadHeaderTimeout bounds how long a client may take to send headers. Default 5s.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// ShutdownTimeout is how long in-flight requests may drain on shutdown. Default 15s.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// TrustedProxies are the CIDRs of proxies in front of rampart whose
	// X-Forwarded-For and Forwarded headers are believed when deciding the
	// client IP. Default empty: the socket peer is the client.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// TLS serves HTTPS from a certificate and key file, or from certificates
	// obtained by ACME. Default off.
	TLS TLS `yaml:"tls"`
}

// TLS is the listener's certificate. TLS 1.2 is the minimum, with only AEAD
// cipher suites; TLS 1.3 is preferred.
type TLS struct {
	// CertFile is a PEM certificate chain (leaf first). Default empty: no TLS.
	CertFile string `yaml:"cert_file" env:"RAMPART_TLS_CERT_FILE"`
	// KeyFile is the PEM private key of the certificate.
	KeyFile string `yaml:"key_file" env:"RAMPART_TLS_KEY_FILE"`
	// ClientCAFile is a PEM bundle of CAs whose client certificates the
	// listener verifies (when a client offers one), for mtls authenticators.
	ClientCAFile string `yaml:"client_ca_file" env:"RAMPART_TLS_CLIENT_CA_FILE"`
	// RedirectHTTPFrom is a host:port where plain HTTP requests are
	// redirected (308) to HTTPS. Default empty: no redirect listener. With
	// ACME it also answers HTTP-01 challenges.
	RedirectHTTPFrom string `yaml:"redirect_http_from"`
	// ACME obtains and renews the certificate automatically (Let's Encrypt or
	// any RFC 8555 CA) instead of CertFile and KeyFile. Default off.
	ACME ACME `yaml:"acme"`
}

// ACME obtains certificates from an RFC 8555 certificate authority.
type ACME struct {
	// Domains are the names the certificate covers. Empty turns ACME off.
	Domains []string `yaml:"domains"`
	// Email is the account contact for expiry notices. Default empty.
	Email string `yaml:"email" env:"RAMPART_SERVER_TLS_ACME_EMAIL"`
	// CAURL is the CA's directory URL. Default Let's Encrypt production.
	CAURL string `yaml:"ca_url" env:"RAMPART_SERVER_TLS_ACME_CA_URL"`
	// CARootFile is a PEM bundle trusted for the CA's own HTTPS endpoint,
	// for private CAs. Default empty: the system roots.
	CARootFile string `yaml:"ca_root_file"`
	// StorageDir keeps the account key and certificates. Default DATA_DIR/acme.
	StorageDir string `yaml:"storage_dir"`
}

// LetsEncryptDirectory is the default ACME directory: Let's Encrypt production.
const LetsEncryptDirectory = "https://acme-v02.api.letsencrypt.org/directory"

// Enabled reports whether ACME is configured.
func (a ACME) Enabled() bool { return len(a.Domains) > 0 }

// Enabled reports whether a certificate is configured, from files or ACME.
func (t TLS) Enabled() bool { return t.CertFile != "" || t.ACME.Enabled() }

// Storage is where durable state lives.
type Storage struct {
	// DataDir holds the SQLite database and the master key file. Default ./rampart-data.
	DataDir string `yaml:"data_dir" env:"RAMPART_DATA_DIR"`
	// DatabaseURL is sqlite://PATH or postgres://… . Empty means
	// sqlite://DATA_DIR/rampart.db.
	DatabaseURL string `yaml:"database_url" env:"RAMPART_DATABASE_URL"`
	// BusyTimeout is how long SQLite waits on a locked database. Default 5s.
	BusyTimeout time.Duration `yaml:"busy_timeout"`
	// ConnectTimeout bounds connecting to PostgreSQL. Default 5s.
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	// MaxOpenConns caps the connection pool (PostgreSQL). Default 10.
	MaxOpenConns int `yaml:"max_open_conns"`
	// RedisURL is redis://[:PASSWORD@]HOST:PORT/DB (rediss:// for TLS). With
	// it, rate limits and revocations are shared by every node. Default
	// empty: in memory, one node.
	RedisURL string `yaml:"redis_url" env:"RAMPART_REDIS_URL"`
	// RedisPrefix starts every key and channel rampart uses in Redis, so
	// several deployments can share one Redis. Default "rampart:".
	RedisPrefix string `yaml:"redis_prefix"`
	// RedisTimeout bounds each Redis command; a request never waits on a
	// dead Redis longer than this. Default 500ms.
	RedisTimeout time.Duration `yaml:"redis_timeout"`
}

// Secrets configures encryption of recoverable secrets at rest.
type Secrets struct {
	// MasterKey is the 32-byte master key, base64 or hex. Prefer setting it
	// through RAMPART_MASTER_KEY; never commit it. Default empty: use MasterKeyFile.
	MasterKey Secret `yaml:"master_key" env:"RAMPART_MASTER_KEY"`
	// MasterKeyFile is read when MasterKey is empty; it is created with mode 0600
	// on first start of a new database. Default DATA_DIR/master.key.
	MasterKeyFile string `yaml:"master_key_file" env:"RAMPART_MASTER_KEY_FILE"`
}

// Passwords are the argon2id parameters for new password hashes. The defaults
// are OWASP's recommendation (19 MiB, 2 iterations, 1 thread); weaker settings
// than OWASP's table allows are rejected.
type Passwords struct {
	// Argon2MemoryKiB is the memory cost in KiB. Default 19456 (19 MiB);
	// at least 7168.
	Argon2MemoryKiB uint32 `yaml:"argon2_memory_kib"`
	// Argon2Time is the number of iterations. Default 2; at least 1, and
	// Argon2MemoryKiB × Argon2Time must be at least 35840.
	Argon2Time uint32 `yaml:"argon2_iterations"`
	// Argon2Threads is the degree of parallelism. Default 1; at least 1.
	Argon2Threads uint8 `yaml:"argon2_parallelism"`
}

// Logging configures rampart's own log output (stderr) and the access log.
type Logging struct {
	// Format is "json" (default) or "text".
	Format string `yaml:"format"`
	// Level is "debug", "info" (default), "warn" or "error".
	Level string `yaml:"level"`
	// AccessLog is where the access log (one ECS JSON line per request)
	// goes: "stdout" (default), "stderr", "file" (AccessLogFile, rotated) or "off".
	AccessLog string `yaml:"access_log"`
	// AccessLogFile is the access log's path when AccessLog is "file".
	AccessLogFile string `yaml:"access_log_file"`
	// AccessLogMaxSizeMB rotates the file when it reaches this size. Default 100.
	AccessLogMaxSizeMB int `yaml:"access_log_max_size_mb"`
	// AccessLogMaxBackups is how many rotated files are kept. Default 10; 0 keeps all.
	AccessLogMaxBackups int `yaml:"access_log_max_backups"`
	// AccessLogMaxAge removes rotated files older than this (whole days).
	// Default 30d; 0 keeps them whatever their age.
	AccessLogMaxAge time.Duration `yaml:"access_log_max_age"`
	// AccessLogCompress gzips rotated files. Default false.
	AccessLogCompress bool `yaml:"access_log_compress"`
}

// Tracing exports OpenTelemetry traces over OTLP/HTTP. W3C traceparent
// headers are accepted and passed to upstreams whether or not it is on.
type Tracing struct {
	// OTLPEndpoint is the collector's OTLP/HTTP URL, such as
	// http://otel-collector:4318 (/v1/traces is added when the URL has no
	// path). Default empty: tracing off.
	OTLPEndpoint string `yaml:"otlp_endpoint"`
	// ServiceName is the service.name of rampart's spans. Default "rampart".
	ServiceName string `yaml:"service_name"`
	// SampleRatio is the share of new traces sampled, 0 to 1; requests
	// whose caller sampled them are always sampled. Default 1.
	SampleRatio float64 `yaml:"sample_ratio"`
}

// Detection configures the brute-force detector: failed logins and refused
// credentials counted per client IP and per account over a sliding window,
// in Redis (shared by every node) when storage.redis_url is set, else in
// the node's memory.
type Detection struct {
	// Window is the sliding window. Default 5m.
	Window time.Duration `yaml:"window"`
	// IPFailures is the failures from one client IP (an IPv6 /64), across
	// accounts, that make a detection. Default 20; 0 turns it off.
	IPFailures int `yaml:"ip_failures"`
	// AccountFailures is the failures against one account, from anywhere,
	// that make a detection. Default 10; 0 turns it off.
	AccountFailures int `yaml:"account_failures"`
	// AutoBlock refuses every request from a detected IP (403) for BlockFor.
	// Default false: detect, log and count only.
	AutoBlock bool `yaml:"auto_block"`
	// BlockFor is how long an auto-blocked IP stays blocked. Default 15m.
	BlockFor time.Duration `yaml:"block_for"`
}

// Default returns the configuration used when a key is not set.
func Default() *Config {
	return &Config{
		Version: CurrentVersion,
		Mode:    "development",
		Server: Server{
			Listen:            "127.0.0.1:8080",
			AdminListen:       "127.0.0.1:9180",
			TrustedProxies:    []string{},
			TLS:               TLS{ACME: ACME{Domains: []string{}, CAURL: LetsEncryptDirectory}},
			ReadHeaderTimeout: 5 * time.Second,
			ShutdownTimeout:   15 * time.Second,
		},
		Storage: Storage{
			DataDir:        "./rampart-data",
			BusyTimeout:    5 * time.Second,
			ConnectTimeout: 5 * time.Second,
			MaxOpenConns:   10,
			RedisPrefix:    "rampart:",
			RedisTimeout:   500 * time.Millisecond,
		},
		Passwords: Passwords{Argon2MemoryKiB: 19456, Argon2Time: 2, Argon2Threads: 1},
		Issuer: Issuer{
			URL:                  "http://127.0.0.1:8080",
			SigningAlg:           "ES256",
			AccessTokenTTL:       15 * time.Minute,
			RefreshTokenTTL:      720 * time.Hour,
			IDTokenTTL:           time.Hour,
			AuthorizationCodeTTL: time.Minute,
			KeyRotationOverlap:   time.Hour,
		},
		Login: Login{MaxFailures: 5, IPMaxFailures: 20, Lockout: time.Minute, LockoutMax: time.Hour, FailureWindow: time.Hour},
		Logging: Logging{Format: "json", Level: "info", AccessLog: "stdout", AccessLogMaxSizeMB: 100, AccessLogMaxBackups: 10,
			AccessLogMaxAge: 30 * 24 * time.Hour},
		Tracing:        Tracing{ServiceName: "rampart", SampleRatio: 1},
		Detection:      Detection{Window: 5 * time.Minute, IPFailures: 20, AccountFailures: 10, BlockFor: 15 * time.Minute},
		Audit:          Audit{Sinks: []AuditSink{}, QueueSize: 1024},
		Authenticators: map[string]Authenticator{},
		Routes:         []Route{},
	}
}

// ResolvedDatabaseURL is DatabaseURL, or the SQLite file in DataDir when empty.
func (s Storage) ResolvedDatabaseURL() string {
	if s.DatabaseURL != "" {
		return s.DatabaseURL
	}
	return "sqlite://" + filepath.ToSlash(filepath.Join(s.DataDir, "rampart.db"))
}

// ResolvedMasterKeyFile is MasterKeyFile, or DATA_DIR/master.key when empty.
func (c *Config) ResolvedMasterKeyFile() string {
	if c.Secrets.MasterKeyFile != "" {
		return c.Secrets.MasterKeyFile
	}
	return filepath.Join(c.Storage.DataDir, "master.key")
}

// Secret is a string that never prints itself: fmt, slog and JSON see "[REDACTED]".
type Secret string

// String implements fmt.Stringer.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[REDACTED]"
}

// GoString implements fmt.GoStringer so %#v redacts too.
func (s Secret) GoString() string { return `config.Secret("` + s.String() + `")` }

// MarshalJSON redacts the secret.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// MarshalText redacts the secret for encoders that use encoding.TextMarshaler
// (yaml.v3 among them).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue implements slog.LogValuer so logging a Secret logs "[REDACTED]".
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Reveal returns the secret itself. Call it only where the value is used.
func (s Secret) Reveal() string { return string(s) }

// AdminTLS reports whether the admin listener serves HTTPS: when TLS is
// configured and the admin address is not loopback. On loopback it serves
// plain HTTP, so probes work before an ACME certificate exists.
func (s Server) AdminTLS() bool {
	host, _, err := net.SplitHostPort(s.AdminListen)
	return s.TLS.Enabled() && (err != nil || !isLoopback(host))
}
