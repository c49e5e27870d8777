package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/clientip"
)

// This file checks a decoded Config. Each section checks itself in a
// validate method; validateTree walks the whole value, so a struct added
// later — in a list or a map too — only needs its own method:
//
//	func (r Route) validate(v *validator, path string) { … v.errorf(joinKey(path, "upstream"), …) }

// validator collects problems and knows where each key's value came from,
// so an error can name the file line or the environment variable.
type validator struct {
	file string
	st   *state
	errs Errors
}

// checker is implemented by config types that check their own values. path
// is the type's key path ("server", "routes[2]").
type checker interface {
	validate(v *validator, path string)
}

// Validate checks c as Load does and returns every problem as Errors, or nil.
// Use it for a Config built in Go.
func (c *Config) Validate() error {
	return validateConfig(c, "", newState()).orNil()
}

func validateConfig(c *Config, file string, st *state) Errors {
	v := &validator{file: file, st: st}
	v.walk(reflect.ValueOf(c), "", 0)
	return v.errs
}

func (v *validator) walk(rv reflect.Value, path string, depth int) {
	if depth > maxTypeDepth {
		return
	}
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Struct:
		if isScalarType(rv.Type()) {
			return
		}
		if rv.CanInterface() {
			if ch, ok := rv.Interface().(checker); ok {
				ch.validate(v, path)
			}
		}
		for _, f := range structFields(rv.Type()) {
			v.walk(rv.FieldByIndex(f.index), joinKey(path, f.name), depth+1)
		}
	case reflect.Slice:
		for i := range rv.Len() {
			v.walk(rv.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
	case reflect.Map:
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			v.walk(rv.MapIndex(k), joinKey(path, k.String()), depth+1)
		}
	}
}

// errorf reports a problem with the key at path, located where its value came
// from: the file line, the environment variable, or — for a default — the
// nearest enclosing key the file set. Keys that failed to decode are skipped:
// the decoder already reported them.
func (v *validator) errorf(path, format string, args ...any) {
	if v.st.bad[path] {
		return
	}
	e := &Error{File: v.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	for p := path; ; p = parentKey(p) {
		if o, ok := v.st.src[p]; ok {
			if o.env != "" {
				e.File, e.Env = "", o.env
			} else {
				e.Line = o.line
			}
			break
		}
		if p == "" {
			break
		}
	}
	v.errs = append(v.errs, e)
}

// set reports whether the file or the environment set the key at path.
func (v *validator) set(path string) bool {
	_, ok := v.st.src[path]
	return ok
}

// oneOf reports got unless it is in allowed.
func (v *validator) oneOf(path, got string, allowed ...string) {
	if !slices.Contains(allowed, got) {
		v.errorf(path, "must be one of %s; got %s", strings.Join(allowed, ", "), quoteValue(got))
	}
}

// positive reports a duration that is not > 0.
func (v *validator) positive(path string, d time.Duration) {
	if d <= 0 {
		v.errorf(path, "must be > 0, got %s", formatDuration(d))
	}
}

// atLeast reports n < lo.
func (v *validator) atLeast(path string, n, lo int64) {
	if n < lo {
		v.errorf(path, "must be >= %d, got %d", lo, n)
	}
}

func (c Config) validate(v *validator, _ string) {
	switch {
	case c.Version == 0 && !v.set("version"):
		v.errorf("version", "required; the file must start with \"version: %d\"", CurrentVersion)
	case c.Version != CurrentVersion:
		v.errorf("version", "unsupported version %d; this rampart reads version %d", c.Version, CurrentVersion)
	}
	v.oneOf("mode", c.Mode, "development", "production")
	c.validateRoutes(v)
}

func (s Server) validate(v *validator, path string) {
	listen := joinKey(path, "listen")
	if host, ok := checkHostPort(v, listen, s.Listen); ok && !s.InsecureHTTP && !s.TLS.Enabled() && !isLoopback(host) {
		what := fmt.Sprintf("%q is not a loopback address", s.Listen)
		if host == "" {
			what = fmt.Sprintf("%q listens on every network interface", s.Listen)
		}
		v.errorf(listen, "%s, and TLS is off, so credentials and tokens would cross the network in plain text; "+
			"set %s and %s, listen on 127.0.0.1, ::1 or localhost, or set %s: true if a proxy in front of rampart terminates TLS",
			what, joinKey(joinKey(path, "tls"), "cert_file"), joinKey(joinKey(path, "tls"), "key_file"), joinKey(path, "insecure_http"))
	}
	v.positive(joinKey(path, "read_header_timeout"), s.ReadHeaderTimeout)
	v.positive(joinKey(path, "shutdown_timeout"), s.ShutdownTimeout)
	for i, cidr := range s.TrustedProxies {
		if _, err := clientip.ParsePrefixes([]string{cidr}); err != nil {
			v.errorf(fmt.Sprintf("%s[%d]", joinKey(path, "trusted_proxies"), i), "%s is not a CIDR or IP address like \"10.0.0.0/8\" or \"192.0.2.7\"", quoteValue(cidr))
		}
	}
	if s.AdminListen == "" {
		return
	}
	admin := joinKey(path, "admin_listen")
	if host, ok := checkHostPort(v, admin, s.AdminListen); ok {
		switch {
		case s.AdminListen == s.Listen && !strings.HasSuffix(s.Listen, ":0"):
			v.errorf(admin, "%q is also server.listen; the admin listener needs its own address (or empty to turn it off)", s.AdminListen)
		case !s.InsecureHTTP && !s.TLS.Enabled() && !isLoopback(host):
			v.errorf(admin, "%q is not a loopback address, and TLS is off, so health and metrics would be served in plain text to the network; "+
				"listen on 127.0.0.1, set %s, or set %s: true if the network is trusted",
				s.AdminListen, joinKey(path, "tls"), joinKey(path, "insecure_http"))
		}
	}
}

func (a ACME) validate(v *validator, path string) {
	if !a.Enabled() {
		return
	}
	domains := joinKey(path, "domains")
	for i, d := range a.Domains {
		p := fmt.Sprintf("%s[%d]", domains, i)
		switch {
		case strings.HasPrefix(d, "*."):
			v.errorf(p, "%s is a wildcard; wildcard certificates need the DNS-01 challenge, which rampart does not perform", quoteValue(d))
		case net.ParseIP(d) != nil:
			v.errorf(p, "%s is an IP address; ACME here issues certificates for DNS names", quoteValue(d))
		case !validDNSName(d):
			v.errorf(p, "%s is not a DNS name", quoteValue(d))
		}
	}
	if a.Email != "" && (!strings.Contains(a.Email, "@") || strings.ContainsAny(a.Email, " \t\n")) {
		v.errorf(joinKey(path, "email"), "%s is not an email address", quoteValue(a.Email))
	}
	if u, err := url.Parse(a.CAURL); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		v.errorf(joinKey(path, "ca_url"), "must be the https URL of an ACME directory, got %s", quoteValue(a.CAURL))
	}
	if a.CARootFile != "" {
		if b, err := os.ReadFile(a.CARootFile); err != nil {
			v.errorf(joinKey(path, "ca_root_file"), "%v", err)
		} else if !x509.NewCertPool().AppendCertsFromPEM(b) {
			v.errorf(joinKey(path, "ca_root_file"), "no PEM certificates in %s", a.CARootFile)
		}
	}
}

// validDNSName reports whether name is a syntactically valid DNS name of
// letters, digits and hyphens with at least one character per label.
func validDNSName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// checkHostPort reports addr unless it is host:port with a numeric port, and
// returns the host.
func checkHostPort(v *validator, path, addr string) (string, bool) {
	if addr == "" {
		v.errorf(path, "required; for example \"127.0.0.1:8080\"")
		return "", false
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		v.errorf(path, "must be host:port like \"127.0.0.1:8080\" or \"[::1]:8080\", got %s", quoteValue(addr))
		return "", false
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		v.errorf(path, "port must be a number from 0 (any free port) to 65535, got %s", quoteValue(port))
		return "", false
	}
	return host, true
}

// isLoopback reports whether host is localhost or a loopback IP address
// (127.0.0.0/8, ::1, and IPv4-mapped forms of them).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Zone() == "" && addr.Unmap().IsLoopback()
}

func (s Storage) validate(v *validator, path string) {
	if strings.TrimSpace(s.DataDir) == "" {
		v.errorf(joinKey(path, "data_dir"), "required; the directory for the SQLite database and the master key file")
	}
	if msg := checkDatabaseURL(s.DatabaseURL); msg != "" {
		v.errorf(joinKey(path, "database_url"), "%s", msg)
	}
	v.positive(joinKey(path, "busy_timeout"), s.BusyTimeout)
	v.positive(joinKey(path, "connect_timeout"), s.ConnectTimeout)
	v.atLeast(joinKey(path, "max_open_conns"), int64(s.MaxOpenConns), 1)
	if s.RedisURL != "" {
		if u, err := url.Parse(s.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			v.errorf(joinKey(path, "redis_url"), `must be a URL like "redis://127.0.0.1:6379/0" or "rediss://:PASSWORD@redis.internal:6380/0"`)
		}
	}
	if s.RedisPrefix == "" {
		v.errorf(joinKey(path, "redis_prefix"), `required; for example "rampart:"`)
	}
	if s.RedisTimeout < 5*time.Millisecond || s.RedisTimeout > 5*time.Second {
		v.errorf(joinKey(path, "redis_timeout"), "must be between 5ms and 5s, got %s", formatDuration(s.RedisTimeout))
	}
}

var schemeRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// checkDatabaseURL returns what is wrong with a database URL, or "". The
// URL may hold a password, so the message never repeats it.
func checkDatabaseURL(s string) string {
	if s == "" {
		return ""
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !schemeRe.MatchString(scheme) {
		return `must be a URL like "sqlite://./rampart-data/rampart.db" or "postgres://rampart@db.internal:5432/rampart"`
	}
	switch strings.ToLower(scheme) {
	case "sqlite":
		if p, _, _ := strings.Cut(rest, "?"); p == "" {
			return `a sqlite:// URL needs a file path, like "sqlite://./rampart-data/rampart.db"`
		}
	case "postgres", "postgresql":
		if _, err := url.Parse(s); err != nil {
			return "is not a valid postgres:// URL (check the host, port and the escaping of the password)"
		}
	default:
		return fmt.Sprintf("unsupported scheme %s; expected sqlite:// or postgres://", quoteValue(scheme))
	}
	return ""
}

func (s Secrets) validate(v *validator, path string) {
	if s.MasterKey == "" {
		return
	}
	if _, err := DecodeKey32(s.MasterKey.Reveal()); err != nil {
		v.errorf(joinKey(path, "master_key"), "%v; generate one with `openssl rand -base64 32`", err)
	}
}

// OWASP's argon2id table (Password Storage Cheat Sheet): every row has
// memory × iterations ≥ 35840 KiB, and the least memory is 7 MiB (×5).
const (
	owaspMinMemoryKiB = 7168
	owaspMinWork      = 35840
)

func (p Passwords) validate(v *validator, path string) {
	mem, iter := joinKey(path, "argon2_memory_kib"), joinKey(path, "argon2_iterations")
	if p.Argon2MemoryKiB < owaspMinMemoryKiB {
		v.errorf(mem, "%d KiB is weaker than OWASP's minimum of %d KiB (7 MiB with 5 iterations)", p.Argon2MemoryKiB, owaspMinMemoryKiB)
	}
	v.atLeast(iter, int64(p.Argon2Time), 1)
	v.atLeast(joinKey(path, "argon2_parallelism"), int64(p.Argon2Threads), 1)
	work := uint64(p.Argon2MemoryKiB) * uint64(p.Argon2Time)
	if p.Argon2MemoryKiB >= owaspMinMemoryKiB && p.Argon2Time >= 1 && work < owaspMinWork {
		at := mem
		if v.set(iter) && !v.set(mem) {
			at = iter
		}
		v.errorf(at, "argon2_memory_kib × argon2_iterations = %d × %d = %d is weaker than OWASP's minimum of %d "+
			"(for example 19456 KiB × 2, 12288 × 3, 9216 × 4 or 7168 × 5)", p.Argon2MemoryKiB, p.Argon2Time, work, owaspMinWork)
	}
}

func (is Issuer) validate(v *validator, path string) {
	p := func(k string) string { return joinKey(path, k) }
	if u, err := url.Parse(is.URL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		v.errorf(p("url"), "must be an absolute http(s) URL without query or fragment, like \"https://auth.example.com\"; got %s", quoteValue(is.URL))
	} else if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		v.errorf(p("url"), "%s is plain http on a non-loopback host; tokens and codes would cross the network in the clear: use https", quoteValue(is.URL))
	}
	v.oneOf(p("signing_alg"), is.SigningAlg, "ES256", "RS256", "EdDSA")
	between := func(k string, d, lo, hi time.Duration) {
		if d < lo || d > hi {
			v.errorf(p(k), "must be between %s and %s, got %s", formatDuration(lo), formatDuration(hi), formatDuration(d))
		}
	}
	between("access_token_ttl", is.AccessTokenTTL, time.Minute, 24*time.Hour)
	between("refresh_token_ttl", is.RefreshTokenTTL, time.Hour, 365*24*time.Hour)
	between("id_token_ttl", is.IDTokenTTL, time.Minute, 24*time.Hour)
	between("authorization_code_ttl", is.AuthorizationCodeTTL, 10*time.Second, 10*time.Minute)
	between("key_rotation_overlap", is.KeyRotationOverlap, 5*time.Minute, 30*24*time.Hour)
}

func (l Login) validate(v *validator, path string) {
	v.atLeast(joinKey(path, "max_failures"), int64(l.MaxFailures), 1)
	v.atLeast(joinKey(path, "ip_max_failures"), int64(l.IPMaxFailures), 1)
	v.positive(joinKey(path, "lockout"), l.Lockout)
	v.positive(joinKey(path, "failure_window"), l.FailureWindow)
	if l.LockoutMax < l.Lockout {
		v.errorf(joinKey(path, "lockout_max"), "must be >= login.lockout (%s), got %s", formatDuration(l.Lockout), formatDuration(l.LockoutMax))
	}
}

func (l Logging) validate(v *validator, path string) {
	v.oneOf(joinKey(path, "format"), l.Format, "json", "text")
	v.oneOf(joinKey(path, "level"), l.Level, "debug", "info", "warn", "error")
	v.oneOf(joinKey(path, "access_log"), l.AccessLog, "stdout", "stderr", "file", "off")
	switch {
	case l.AccessLog == "file" && l.AccessLogFile == "":
		v.errorf(joinKey(path, "access_log_file"), "required when access_log is file")
	case l.AccessLog != "file" && l.AccessLogFile != "":
		v.errorf(joinKey(path, "access_log_file"), "set, but access_log is %q; set access_log: file to write it", l.AccessLog)
	}
	v.atLeast(joinKey(path, "access_log_max_size_mb"), int64(l.AccessLogMaxSizeMB), 1)
	v.atLeast(joinKey(path, "access_log_max_backups"), int64(l.AccessLogMaxBackups), 0)
	if l.AccessLogMaxAge < 0 || l.AccessLogMaxAge%(24*time.Hour) != 0 {
		v.errorf(joinKey(path, "access_log_max_age"), "must be whole days (\"30d\", \"720h\") or 0, got %s", formatDuration(l.AccessLogMaxAge))
	}
}

func (t Tracing) validate(v *validator, path string) {
	if t.OTLPEndpoint != "" {
		if u, err := url.Parse(t.OTLPEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.errorf(joinKey(path, "otlp_endpoint"), "must be an http:// or https:// URL like \"http://otel-collector:4318\", got %s", quoteValue(t.OTLPEndpoint))
		} else if u.User != nil {
			v.errorf(joinKey(path, "otlp_endpoint"), "must not carry credentials in the URL")
		}
	}
	if t.SampleRatio < 0 || t.SampleRatio > 1 {
		v.errorf(joinKey(path, "sample_ratio"), "must be between 0 and 1, got %v", t.SampleRatio)
	}
}

func (d Detection) validate(v *validator, path string) {
	v.positive(joinKey(path, "window"), d.Window)
	v.atLeast(joinKey(path, "ip_failures"), int64(d.IPFailures), 0)
	v.atLeast(joinKey(path, "account_failures"), int64(d.AccountFailures), 0)
	if d.AutoBlock {
		v.positive(joinKey(path, "block_for"), d.BlockFor)
		if d.IPFailures == 0 {
			v.errorf(joinKey(path, "auto_block"), "blocks IPs, but ip_failures is 0 (IP detection off); set ip_failures")
		}
	}
}

func (t TLS) validate(v *validator, path string) {
	cert, key := joinKey(path, "cert_file"), joinKey(path, "key_file")
	switch {
	case t.ACME.Enabled():
		if t.CertFile != "" || t.KeyFile != "" {
			v.errorf(joinKey(path, "acme"), "set either cert_file and key_file or acme, not both")
		}
	case t.CertFile == "" && t.KeyFile == "":
		if t.ClientCAFile != "" {
			v.errorf(joinKey(path, "client_ca_file"), "client certificates need TLS: set cert_file and key_file (or acme) too")
		}
		if t.RedirectHTTPFrom != "" {
			v.errorf(joinKey(path, "redirect_http_from"), "redirecting to HTTPS needs TLS: set cert_file and key_file (or acme) too")
		}
		return
	case t.CertFile == "":
		v.errorf(cert, "required when key_file is set")
		return
	case t.KeyFile == "":
		v.errorf(key, "required when cert_file is set")
		return
	}
	if t.CertFile != "" && !t.ACME.Enabled() {
		if _, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile); err != nil {
			v.errorf(cert, "cannot load the certificate and key: %s", redactTLSError(err))
		}
	}
	if t.RedirectHTTPFrom != "" {
		checkHostPort(v, joinKey(path, "redirect_http_from"), t.RedirectHTTPFrom)
	}
	if t.ClientCAFile != "" {
		if b, err := os.ReadFile(t.ClientCAFile); err != nil {
			v.errorf(joinKey(path, "client_ca_file"), "%v", err)
		} else if !x509.NewCertPool().AppendCertsFromPEM(b) {
			v.errorf(joinKey(path, "client_ca_file"), "no PEM certificates in %s", t.ClientCAFile)
		}
	}
}

// redactTLSError keeps crypto/tls's reason but never key material.
func redactTLSError(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "-----BEGIN"); i >= 0 {
		msg = msg[:i]
	}
	return msg
}
