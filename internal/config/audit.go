package config

import (
	"net/url"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/audit"
)

// Audit configures the audit trail of security events. Events are always
// stored in the database (the source of truth, a hash chain that `rampart
// audit verify` checks); sinks receive best-effort copies.
type Audit struct {
	// Sinks receive a copy of every recorded event, asynchronously: a slow or
	// dead sink never delays a request. Default: none.
	Sinks []AuditSink `yaml:"sinks"`
	// QueueSize bounds the events waiting for each sink; when it is full,
	// events are dropped for that sink (counted and logged). Default 1024.
	QueueSize int `yaml:"queue_size"`
	// Retention is how long events are kept in the database: rampart serve
	// deletes older ones once a day (rampart audit prune does it by hand),
	// and the chain still verifies from the last one deleted. At least 1d.
	// Default 0: keep every event.
	Retention time.Duration `yaml:"retention"`
}

// AuditSink is one destination for copies of audit events.
type AuditSink struct {
	// Type is file (JSON lines), syslog (RFC 5424) or webhook (HTTP POST).
	Type string `yaml:"type"`
	// Path is the file a file sink appends to (created with mode 0600).
	Path string `yaml:"path"`
	// Address is a syslog sink's server: udp://HOST:PORT or tcp://HOST:PORT.
	Address string `yaml:"address"`
	// Facility is a syslog sink's facility name. Default auth.
	Facility string `yaml:"facility"`
	// URL is where a webhook sink POSTs each event as JSON: https, or http
	// to a loopback host.
	URL string `yaml:"url"`
	// Headers are added to each webhook request. Put no secret here; use
	// secret_header and secret_file.
	Headers map[string]string `yaml:"headers"`
	// SecretHeader names a webhook header (e.g. Authorization) whose value is
	// read from SecretFile, so the secret never sits in this file.
	SecretHeader string `yaml:"secret_header"`
	// SecretFile holds the value of SecretHeader.
	SecretFile string `yaml:"secret_file"`
}

func (s *AuditSink) setDefaults() { s.Facility = "auth" }

func (a Audit) validate(v *validator, path string) {
	v.atLeast(joinKey(path, "queue_size"), int64(a.QueueSize), 1)
	if a.Retention != 0 && a.Retention < 24*time.Hour {
		v.errorf(joinKey(path, "retention"), "must be 0 (keep every event) or at least 1d, got %s", formatDuration(a.Retention))
	}
}

func (s AuditSink) validate(v *validator, path string) {
	v.oneOf(joinKey(path, "type"), s.Type, "file", "syslog", "webhook")
	need := func(key, val string) {
		if val == "" {
			v.errorf(joinKey(path, key), "required for a %s sink", s.Type)
		}
	}
	switch s.Type {
	case "file":
		need("path", s.Path)
	case "syslog":
		need("address", s.Address)
		if s.Address != "" {
			if _, _, err := audit.ParseSyslogAddress(s.Address); err != nil {
				v.errorf(joinKey(path, "address"), "%v", err)
			}
		}
		if _, ok := audit.Facility(s.Facility); !ok {
			v.errorf(joinKey(path, "facility"), "must be one of %s; got %s", strings.Join(audit.FacilityNames(), ", "), quoteValue(s.Facility))
		}
	case "webhook":
		need("url", s.URL)
		if s.URL != "" {
			u, err := url.Parse(s.URL)
			switch {
			case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
				v.errorf(joinKey(path, "url"), "want an https:// URL")
			case u.Scheme == "http" && !isLoopback(u.Hostname()):
				v.errorf(joinKey(path, "url"), "plain http is allowed to a loopback host only; use https")
			case u.User != nil:
				v.errorf(joinKey(path, "url"), "must not carry credentials; use secret_header and secret_file")
			}
		}
		if (s.SecretHeader == "") != (s.SecretFile == "") {
			v.errorf(joinKey(path, "secret_file"), "secret_header and secret_file go together")
		}
		for k := range s.Headers {
			if lk := strings.ToLower(k); lk == "authorization" || lk == "cookie" || strings.Contains(lk, "token") || strings.Contains(lk, "key") {
				v.errorf(joinKey(path, "headers"), "%s looks like a credential; use secret_header and secret_file", k)
			}
		}
	}
}
