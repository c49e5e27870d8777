package scan

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// certFor issues a certificate for tmpl signed by parent/parentKey (self
// signed when parent is nil). RSA keys, so static-RSA suites can be offered.
func certFor(t *testing.T, tmpl *x509.Certificate, parent *x509.Certificate, parentKey any) (tls.Certificate, *x509.Certificate, any) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	signer := any(key)
	if parent == nil {
		parent = tmpl
	} else {
		signer = parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}, c, key
}

// tlsTarget serves a small API over TLS. The weak one accepts TLS 1.0,
// static-RSA suites, has an expired self-signed certificate for another
// host and no HSTS; the hardened one has a CA-issued certificate for
// 127.0.0.1, TLS 1.2+, default suites and HSTS. It returns the CA pool that
// trusts the hardened one.
func tlsTarget(t *testing.T, weak bool) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	now := time.Now()
	pool := x509.NewCertPool()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !weak {
			w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		writeJSONBody(w, 200, map[string]string{"status": "ok"})
	}))
	if weak {
		cert, _, _ := certFor(t, &x509.Certificate{Subject: pkix.Name{CommonName: "wrong.example"}, DNSNames: []string{"wrong.example"},
			NotBefore: now.Add(-400 * 24 * time.Hour), NotAfter: now.Add(-24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, nil, nil)
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10,
			CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}}
	} else {
		caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rampart test CA"}, NotBefore: now.Add(-time.Hour),
			NotAfter: now.Add(365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
		caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		ca, _ := x509.ParseCertificate(caDER)
		pool.AddCert(ca)
		cert, _, _ := certFor(t, &x509.Certificate{Subject: pkix.Name{CommonName: "127.0.0.1"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(180 * 24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca, caKey)
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the probes' failed handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, pool
}

// TestTransportChecks: each TLS weakness of the weak target is found; the
// hardened target draws no transport finding at all.
func TestTransportChecks(t *testing.T) {
	t.Parallel()
	weak, _ := tlsTarget(t, true)
	hard, pool := tlsTarget(t, false)
	rw := scanT(t, Options{Target: weak.URL, RootCAs: pool})
	rh := scanT(t, Options{Target: hard.URL, RootCAs: pool})
	for _, id := range []string{"transport-old-tls", "transport-weak-cipher", "transport-cert-expired", "transport-cert-hostname", "transport-cert-untrusted", "transport-no-hsts"} {
		t.Run(id, func(t *testing.T) {
			expectRule(t, rw, id)
			expectNoRule(t, rh, id)
		})
	}
	t.Run("hardened has no transport finding", func(t *testing.T) {
		for _, f := range rh.Findings {
			if f.Check == "transport" {
				t.Errorf("unexpected %s: %s", f.ID, f.Detail)
			}
		}
		if rh.Requests.ByCheck["transport"] != 3 {
			t.Errorf("transport made %d handshakes, want 3", rh.Requests.ByCheck["transport"])
		}
	})
	t.Run("expiring soon", func(t *testing.T) {
		r := scanT(t, Options{Target: hard.URL, RootCAs: pool, Now: func() time.Time { return time.Now().Add(170 * 24 * time.Hour) }})
		expectRule(t, r, "transport-cert-expiring")
	})
	t.Run("plain http is info on loopback", func(t *testing.T) {
		plain := httptest.NewServer(http.NotFoundHandler())
		defer plain.Close()
		r := scanT(t, Options{Target: plain.URL})
		if f := expectRule(t, r, "transport-plain-http"); f.Severity != SeverityInfo {
			t.Errorf("severity %s on loopback, want info", f.Severity)
		}
	})
}
