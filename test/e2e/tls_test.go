package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCA writes a CA and a 127.0.0.1 server certificate it signed; it
// returns the cert and key file paths and a pool trusting the CA.
func testCA(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	certFile, keyFile, pool, _, _ = testCAWithKey(t, dir)
	return certFile, keyFile, pool
}

// testCAWithKey is testCA that also returns the CA, to issue client certificates.
func testCAWithKey(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool, ca *x509.Certificate, caKey *ecdsa.PrivateKey) {
	t.Helper()
	caKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rampart test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	pool = x509.NewCertPool()
	pool.AddCert(ca)
	os.WriteFile(filepath.Join(dir, "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644)
	return certFile, keyFile, pool, ca, caKey
}

// clientCert issues a client certificate with a URI SAN.
func clientCert(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, uri string) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	u, _ := url.Parse(uri)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "billing-service"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), URIs: []*url.URL{u},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// Client certificates verified against server.tls.client_ca_file become identities.
func TestMTLSAuthenticator(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.Header.Get("X-Rampart-Subject") + "|" + r.Header.Get("X-Rampart-Auth-Method")))
	}))
	defer upstream.Close()
	dir := t.TempDir()
	certFile, keyFile, pool, ca, caKey := testCAWithKey(t, dir)
	cfgFile := filepath.Join(dir, "rampart.yaml")
	os.WriteFile(cfgFile, []byte(fmt.Sprintf(`version: 1
server:
  tls: {cert_file: %s, key_file: %s, client_ca_file: %s}
authenticators:
  certs: {type: mtls}
routes:
  - {name: svc, match: {path: /svc}, upstream: %q, authenticate: [certs], authorize: {allow_authenticated: true}}
`, certFile, keyFile, filepath.Join(dir, "ca.pem"), upstream.URL)), 0o600)
	s := startServe(t, dir, []string{"RAMPART_CONFIG=" + cfgFile})
	get := func(certs ...tls.Certificate) (int, string, error) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: certs}}}
		resp, err := c.Get(s.url + "/svc")
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	code, body, err := get(clientCert(t, ca, caKey, "spiffe://example.org/billing"))
	if err != nil || code != 200 || body != "spiffe://example.org/billing|mtls" {
		t.Fatalf("with a client certificate: %d %q %v", code, body, err)
	}
	if code, _, err := get(); err != nil || code != 401 {
		t.Fatalf("without a client certificate: %d %v", code, err)
	}
	// A certificate from another CA never becomes an identity.
	_, _, _, otherCA, otherKey := testCAWithKey(t, t.TempDir())
	if code, _, err := get(clientCert(t, otherCA, otherKey, "spiffe://evil/x")); err == nil && code == 200 {
		t.Fatal("a certificate from an untrusted CA was accepted")
	}
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := testCA(t, dir)
	s := startServe(t, dir, []string{"RAMPART_TLS_CERT_FILE=" + certFile, "RAMPART_TLS_KEY_FILE=" + keyFile})
	if !strings.HasPrefix(s.url, "https://") {
		t.Fatalf("listening on %s, want https", s.url)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	resp, err := client.Get(s.url + "/api/data")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Fatalf("over TLS: %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("negotiated %s, want HTTP/2", resp.Proto)
	}
	// TLS 1.1 and a CBC suite on TLS 1.2 are refused.
	addr := strings.TrimPrefix(s.url, "https://")
	for name, cfg := range map[string]*tls.Config{
		"tls1.1":    {RootCAs: pool, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11},
		"cbc suite": {RootCAs: pool, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}},
	} {
		if c, err := tls.Dial("tcp", addr, cfg); err == nil {
			c.Close()
			t.Errorf("%s handshake succeeded", name)
		}
	}
	// Plain HTTP to the TLS port gets no service.
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the TLS port: %d", resp.StatusCode)
		}
	}
}

// With TLS, a public address needs no insecure_http; config check loads the files.
func TestTLSConfigChecks(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := testCA(t, dir)
	cfg := filepath.Join(dir, "rampart.yaml")
	os.WriteFile(cfg, []byte("version: 1\nserver:\n  listen: 0.0.0.0:8443\n  tls: {cert_file: "+certFile+", key_file: "+keyFile+"}\n"), 0o600)
	if out, err := command(t, dir, nil, "config", "check", cfg).CombinedOutput(); err != nil {
		t.Fatalf("config check with TLS on 0.0.0.0: %v\n%s", err, out)
	}
	os.WriteFile(cfg, []byte("version: 1\nserver:\n  tls: {cert_file: "+keyFile+", key_file: "+keyFile+"}\n"), 0o600)
	out, err := command(t, dir, nil, "config", "check", cfg).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "server.tls.cert_file: cannot load the certificate and key") || strings.Contains(string(out), "PRIVATE KEY") {
		t.Fatalf("bad cert file: %v\n%s", err, out)
	}
}

// An https upstream with a private CA: trusted through upstream_tls.ca_file,
// refused (502) without it.
func TestUpstreamTLSWithPrivateCA(t *testing.T) {
	upstream := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("secure upstream")) }))
	defer upstream.Close()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "upstream-ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: upstream.Certificate().Raw}), 0o644)
	cfgFile := filepath.Join(dir, "rampart.yaml")
	os.WriteFile(cfgFile, []byte(fmt.Sprintf(`version: 1
routes:
  - {name: trusted, match: {path: /trusted}, upstream: %q, public: true, upstream_tls: {ca_file: %s}}
  - {name: untrusted, match: {path: /untrusted}, upstream: %q, public: true}
`, upstream.URL, caFile, upstream.URL)), 0o600)
	s := startServe(t, dir, []string{"RAMPART_CONFIG=" + cfgFile})
	if code, body := get(t, s.url+"/trusted"); code != 200 || body != "secure upstream" {
		t.Fatalf("trusted upstream: %d %q", code, body)
	}
	if code, _ := get(t, s.url+"/untrusted"); code != 502 {
		t.Fatalf("upstream with an unknown CA: %d, want 502", code)
	}
}

// server.tls.redirect_http_from answers plain HTTP with a 308 to HTTPS.
func TestRedirectHTTPToHTTPS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := testCA(t, dir)
	from := freeAddr(t)
	s := startServe(t, dir, []string{"RAMPART_TLS_CERT_FILE=" + certFile, "RAMPART_TLS_KEY_FILE=" + keyFile, "RAMPART_SERVER_TLS_REDIRECT_HTTP_FROM=" + from})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get("http://" + from + "/api/data?x=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tlsPort := s.url[strings.LastIndex(s.url, ":")+1:]
	if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != "https://127.0.0.1:"+tlsPort+"/api/data?x=1" {
		t.Fatalf("redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
