package app

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/rampart-sec/rampart/internal/config"
)

// acmeManager obtains the listener's certificate from an ACME CA and renews
// it in the background (certmagic does the protocol, storage and renewal).
type acmeManager struct {
	magic   *certmagic.Config
	issuer  *certmagic.ACMEIssuer
	cache   *certmagic.Cache
	domains []string
}

// newACME prepares certificate management for c. tlsAddr is the main
// listener's bound address (TLS-ALPN-01 is answered there); httpAddr, when
// not empty, is the plain-HTTP listener that answers HTTP-01.
func newACME(c config.ACME, dataDir, tlsAddr, httpAddr string, log *slog.Logger) (*acmeManager, error) {
	dir := c.StorageDir
	if dir == "" {
		dir = filepath.Join(dataDir, "acme")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("server.tls.acme.storage_dir: %w", err)
	}
	var roots *x509.CertPool
	if c.CARootFile != "" {
		b, err := os.ReadFile(c.CARootFile)
		if err != nil {
			return nil, fmt.Errorf("server.tls.acme.ca_root_file: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("server.tls.acme.ca_root_file: no PEM certificates in %s", c.CARootFile)
		}
	}
	zl := zap.New(slogCore{log: log.With("component", "acme")})
	m := &acmeManager{domains: c.Domains}
	m.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return m.magic, nil },
		Logger:           zl,
	})
	m.magic = certmagic.New(m.cache, certmagic.Config{
		Storage:           &certmagic.FileStorage{Path: dir},
		DefaultServerName: c.Domains[0],
		Logger:            zl,
	})
	host, tlsPort, err := splitPort(tlsAddr)
	if err != nil {
		return nil, err
	}
	tmpl := certmagic.ACMEIssuer{
		CA:                   c.CAURL,
		Email:                c.Email,
		Agreed:               true,
		TrustedRoots:         roots,
		ListenHost:           host,
		AltTLSALPNPort:       tlsPort,
		DisableHTTPChallenge: httpAddr == "",
		Logger:               zl,
	}
	if httpAddr != "" {
		if _, tmpl.AltHTTPPort, err = splitPort(httpAddr); err != nil {
			return nil, err
		}
	}
	m.issuer = certmagic.NewACMEIssuer(m.magic, tmpl)
	m.magic.Issuers = []certmagic.Issuer{m.issuer}
	return m, nil
}

func splitPort(addr string) (string, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(port)
	return host, n, err
}

// start loads stored certificates and obtains missing ones in the
// background; handshakes for a domain fail until its certificate is there.
func (m *acmeManager) start(ctx context.Context) error {
	return m.magic.ManageAsync(ctx, m.domains)
}

// ready reports whether every domain has a certificate.
func (m *acmeManager) ready() bool {
	for _, d := range m.domains {
		if len(m.cache.AllMatchingCertificates(d)) == 0 {
			return false
		}
	}
	return true
}

// httpChallenges answers ACME HTTP-01 challenges and passes everything else to next.
func (m *acmeManager) httpChallenges(next http.Handler) http.Handler {
	return m.issuer.HTTPChallengeHandler(next)
}

func (m *acmeManager) stop() { m.cache.Stop() }

// slogCore sends certmagic's zap logs to rampart's slog logger.
type slogCore struct {
	log    *slog.Logger
	fields []zapcore.Field
}

func (c slogCore) Enabled(l zapcore.Level) bool {
	return c.log.Enabled(context.Background(), slogLevel(l))
}

func (c slogCore) With(fs []zapcore.Field) zapcore.Core {
	return slogCore{log: c.log, fields: append(append([]zapcore.Field(nil), c.fields...), fs...)}
}

func (c slogCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c slogCore) Write(e zapcore.Entry, fs []zapcore.Field) error {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range c.fields {
		f.AddTo(enc)
	}
	for _, f := range fs {
		f.AddTo(enc)
	}
	attrs := make([]slog.Attr, 0, len(enc.Fields))
	for k, v := range enc.Fields {
		attrs = append(attrs, slog.Any(k, v))
	}
	c.log.LogAttrs(context.Background(), slogLevel(e.Level), e.Message, attrs...)
	return nil
}

func (slogCore) Sync() error { return nil }

func slogLevel(l zapcore.Level) slog.Level {
	switch {
	case l <= zapcore.DebugLevel:
		return slog.LevelDebug
	case l == zapcore.InfoLevel:
		return slog.LevelInfo
	case l == zapcore.WarnLevel:
		return slog.LevelWarn
	default:
		return slog.LevelError
	}
}
