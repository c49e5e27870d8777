package authn

import (
	"crypto/x509"
	"net/http"
)

// MTLS authenticates TLS client certificates that the listener verified
// against its client CA (the server must request and verify them:
// tls.VerifyClientCertIfGiven with ClientCAs). The subject is the
// certificate's first URI SAN (e.g. a SPIFFE ID), else its first DNS SAN,
// else its first e-mail SAN, else its Common Name.
type MTLS struct {
	// Realm names the protection space in the challenge. Default "rampart".
	Realm string
}

var _ Authenticator = (*MTLS)(nil)

// Authenticate implements Authenticator. Only verified chains count: a
// certificate the listener did not verify is never an identity.
func (m *MTLS) Authenticate(r *http.Request) (*Identity, error) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return nil, ErrNoCredential
	}
	leaf := r.TLS.VerifiedChains[0][0]
	sub := certSubject(leaf)
	if sub == "" {
		return nil, ErrInvalidCredential
	}
	return &Identity{Subject: sub, Username: leaf.Subject.CommonName, Method: MethodMTLS,
		Claims: map[string]any{"cert_serial": leaf.SerialNumber.String(), "cert_issuer": leaf.Issuer.String()}}, nil
}

func certSubject(c *x509.Certificate) string {
	switch {
	case len(c.URIs) > 0:
		return c.URIs[0].String()
	case len(c.DNSNames) > 0:
		return c.DNSNames[0]
	case len(c.EmailAddresses) > 0:
		return c.EmailAddresses[0]
	}
	return c.Subject.CommonName
}

// Challenge implements Authenticator. TLS has no HTTP challenge; this names
// the requirement for humans reading the 401.
func (m *MTLS) Challenge() string { return `Mutual realm="` + realm(m.Realm) + `"` }
