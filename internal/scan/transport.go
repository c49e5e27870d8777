package scan

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// transportCheck looks at how the target is reached: plain HTTP, old TLS
// versions, weak cipher suites, the certificate, and HSTS.
type transportCheck struct{}

func (transportCheck) Name() string { return "transport" }

func rulePlainHTTP() Rule {
	return newRule("transport-plain-http", "API served over plain HTTP", SeverityHigh,
		API8Misconfig, 319,
		"Serve the API over HTTPS only (TLS 1.2+). Plain HTTP is acceptable on loopback during development; anywhere else, credentials and data cross the network readable by anyone on the path.")
}

func ruleOldTLS() Rule {
	return newRule("transport-old-tls", "TLS version below 1.2 accepted", SeverityMedium,
		API8Misconfig, 326,
		"Set the minimum TLS version to 1.2 (Go: tls.Config.MinVersion = tls.VersionTLS12; nginx: ssl_protocols TLSv1.2 TLSv1.3).")
}

func ruleWeakCipher() Rule {
	return newRule("transport-weak-cipher", "Weak TLS cipher suite accepted", SeverityMedium,
		API8Misconfig, 327,
		"Offer only AEAD suites with forward secrecy (ECDHE with AES-GCM or ChaCha20-Poly1305); drop RC4, 3DES, CBC-SHA1 and static-RSA key exchange.")
}

func ruleCertExpired() Rule {
	return newRule("transport-cert-expired", "TLS certificate expired or not yet valid", SeverityHigh,
		API8Misconfig, 298,
		"Renew the certificate and automate renewal (ACME) so it never lapses.")
}

func ruleCertExpiring() Rule {
	return newRule("transport-cert-expiring", "TLS certificate expires within 30 days", SeverityLow,
		API8Misconfig, 298,
		"Renew the certificate now and automate renewal (ACME).")
}

func ruleCertHostname() Rule {
	return newRule("transport-cert-hostname", "TLS certificate does not match the host name", SeverityHigh,
		API8Misconfig, 297,
		"Serve a certificate whose subjectAltName covers the host clients use.")
}

func ruleCertSelfSigned() Rule {
	return newRule("transport-cert-untrusted", "TLS certificate self-signed or from an untrusted issuer", SeverityMedium,
		API8Misconfig, 295,
		"Use a certificate from a CA that clients trust (a public CA, or your organisation's CA distributed to every client); clients that accept any certificate can be intercepted.")
}

func ruleNoHSTS() Rule {
	return newRule("transport-no-hsts", "Strict-Transport-Security missing or short", SeverityLow,
		API8Misconfig, 319,
		"Send Strict-Transport-Security: max-age=31536000; includeSubDomains on every HTTPS response.")
}

func (transportCheck) Rules() []Rule {
	return []Rule{rulePlainHTTP(), ruleOldTLS(), ruleWeakCipher(), ruleCertExpired(), ruleCertExpiring(), ruleCertHostname(), ruleCertSelfSigned(), ruleNoHSTS()}
}

// hstsMinAge is six months, the least HSTS preload lists accept.
const hstsMinAge = 15552000

func (c transportCheck) Run(ctx context.Context, s *session) ([]Finding, error) {
	host := hostPort(s.target)
	if s.target.Scheme == "http" {
		f := newFinding(rulePlainHTTP(), host, "The API answers over plain HTTP.", Evidence{})
		if s.first != nil {
			f.Evidence = s.first.evidence()
		}
		if isLoopback(s.target.Hostname()) {
			f.Severity = SeverityInfo
			f.Detail = "The API answers over plain HTTP on a loopback address: fine for development, not for production."
		}
		return []Finding{f}, nil
	}
	var out []Finding
	base := func() *tls.Config {
		return &tls.Config{InsecureSkipVerify: true, ServerName: s.target.Hostname()} //nolint:gosec // probing, not trusting
	}
	old := base()
	old.MinVersion, old.MaxVersion, old.CipherSuites = tls.VersionTLS10, tls.VersionTLS11, allSuites()
	st, err := s.c.handshake(ctx, c.Name(), old)
	if errors.Is(err, ErrBudget) {
		return out, err
	}
	if err == nil {
		out = append(out, newFinding(ruleOldTLS(), host,
			fmt.Sprintf("The server completed a handshake at %s.", tls.VersionName(st.Version)),
			Evidence{Request: "TLS ClientHello offering TLS 1.0-1.1 only", Response: "ServerHello: " + tls.VersionName(st.Version) + ", " + tls.CipherSuiteName(st.CipherSuite)}))
	}
	weak := base()
	weak.MinVersion, weak.MaxVersion, weak.CipherSuites = tls.VersionTLS10, tls.VersionTLS12, weakSuites()
	st, err = s.c.handshake(ctx, c.Name(), weak)
	if errors.Is(err, ErrBudget) {
		return out, err
	}
	if err == nil {
		out = append(out, newFinding(ruleWeakCipher(), host,
			fmt.Sprintf("The server chose %s when offered only weak suites.", tls.CipherSuiteName(st.CipherSuite)),
			Evidence{Request: "TLS ClientHello offering only RC4, 3DES and static-RSA suites", Response: "ServerHello: " + tls.VersionName(st.Version) + ", " + tls.CipherSuiteName(st.CipherSuite)}))
	}
	modern := base()
	modern.MinVersion = tls.VersionTLS12
	st, err = s.c.handshake(ctx, c.Name(), modern)
	if err != nil {
		return out, err
	}
	out = append(out, certFindings(st, s.target.Hostname(), host, s.opts.RootCAs, s.opts.Now())...)
	if f, ok := hstsFinding(s); ok {
		out = append(out, f)
	}
	return out, nil
}

// allSuites are every suite Go implements, so an old-version probe fails
// only on the version.
func allSuites() []uint16 {
	var ids []uint16
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		ids = append(ids, cs.ID)
	}
	return ids
}

// weakSuites are the TLS 1.0-1.2 suites without forward secrecy or with a
// broken cipher.
func weakSuites() []uint16 {
	var ids []uint16
	for _, cs := range tls.InsecureCipherSuites() {
		ids = append(ids, cs.ID)
	}
	for _, cs := range tls.CipherSuites() {
		if strings.HasPrefix(cs.Name, "TLS_RSA_") {
			ids = append(ids, cs.ID)
		}
	}
	return ids
}

// certFindings checks the leaf certificate of st against roots (nil: the
// system's) at now.
func certFindings(st tls.ConnectionState, hostname, where string, roots *x509.CertPool, now time.Time) []Finding {
	if len(st.PeerCertificates) == 0 {
		return nil
	}
	leaf := st.PeerCertificates[0]
	ev := Evidence{Request: "TLS handshake with " + where, Response: certSummary(leaf)}
	var out []Finding
	switch {
	case now.After(leaf.NotAfter):
		out = append(out, newFinding(ruleCertExpired(), where, fmt.Sprintf("The certificate expired on %s.", leaf.NotAfter.UTC().Format(time.DateOnly)), ev))
	case now.Before(leaf.NotBefore):
		out = append(out, newFinding(ruleCertExpired(), where, fmt.Sprintf("The certificate is not valid before %s.", leaf.NotBefore.UTC().Format(time.DateOnly)), ev))
	case leaf.NotAfter.Sub(now) < 30*24*time.Hour:
		out = append(out, newFinding(ruleCertExpiring(), where, fmt.Sprintf("The certificate expires on %s.", leaf.NotAfter.UTC().Format(time.DateOnly)), ev))
	}
	if err := leaf.VerifyHostname(hostname); err != nil {
		out = append(out, newFinding(ruleCertHostname(), where, err.Error()+".", ev))
	}
	inter := x509.NewCertPool()
	for _, c := range st.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: leaf.NotBefore.Add(time.Second)})
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		detail := "The certificate's issuer is not trusted: " + err.Error() + "."
		if leaf.CheckSignatureFrom(leaf) == nil {
			detail = "The certificate is self-signed."
		}
		out = append(out, newFinding(ruleCertSelfSigned(), where, detail, ev))
	}
	return out
}

func certSummary(c *x509.Certificate) string {
	return fmt.Sprintf("subject: %s\nissuer: %s\nDNS names: %s\nIP addresses: %v\nvalid: %s to %s",
		c.Subject, c.Issuer, strings.Join(c.DNSNames, ", "), c.IPAddresses,
		c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
}

// hstsFinding checks Strict-Transport-Security on the target's responses.
func hstsFinding(s *session) (Finding, bool) {
	ex := s.first
	if ex == nil {
		return Finding{}, false
	}
	v := ex.head.Get("Strict-Transport-Security")
	if v == "" {
		return newFinding(ruleNoHSTS(), ex.location(), "The HTTPS response has no Strict-Transport-Security header.", ex.evidence()), true
	}
	age := -1
	for _, d := range strings.Split(v, ";") {
		k, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		if strings.EqualFold(k, "max-age") {
			if n, err := strconv.Atoi(strings.Trim(val, `"`)); err == nil {
				age = n
			}
		}
	}
	if age < hstsMinAge {
		return newFinding(ruleNoHSTS(), ex.location(), fmt.Sprintf("Strict-Transport-Security max-age is %d s, under six months.", age), ex.evidence()), true
	}
	return Finding{}, false
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
