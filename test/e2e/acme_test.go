package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
)

// pebble runs Let's Encrypt's ACME test server in this process: a real RFC
// 8555 CA that validates challenges by connecting to tlsPort. It returns the
// directory URL, a PEM file trusting its HTTPS endpoint, a pool with the root
// that signs the certificates it issues, and a stop function.
func pebble(t *testing.T, dir string, tlsPort int) (directory, caRootFile string, issued *x509.CertPool, stop func()) {
	t.Helper()
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Setenv("PEBBLE_WFE_NONCEREJECT", "0")
	logger := log.New(io.Discard, "", 0)
	store := db.NewMemoryStore()
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, map[string]ca.Profile{"default": {Description: "default"}})
	validator := va.New(logger, 0, tlsPort, false, "", store)
	front := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 3, 5)
	srv := httptest.NewTLSServer(front.Handler())
	mgmt := httptest.NewServer(front.ManagementHandler())
	caRootFile = filepath.Join(dir, "pebble-https.pem")
	os.WriteFile(caRootFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	resp, err := http.Get(mgmt.URL + "/roots/0")
	if err != nil {
		t.Fatal(err)
	}
	rootPEM, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	issued = x509.NewCertPool()
	if !issued.AppendCertsFromPEM(rootPEM) {
		t.Fatalf("pebble root: %s", rootPEM)
	}
	return srv.URL + "/dir", caRootFile, issued, func() { srv.Close(); mgmt.Close() }
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitReady polls the admin /readyz until it answers 200.
func waitReady(t *testing.T, s *server, within time.Duration) string {
	t.Helper()
	var code int
	var body string
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if code, body = get(t, s.adminURL(t)+"/readyz"); code == 200 {
			return body
		}
	}
	t.Fatalf("not ready after %s: %d %s\n%s", within, code, body, s.stderr)
	return ""
}

// With server.tls.acme, rampart obtains its certificate from an ACME CA
// (answering TLS-ALPN-01 on its own listener), serves it, reports readiness
// only once it has it, and on restart serves the stored certificate without
// asking the CA again.
func TestACMEObtainsAndServesCertificate(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	directory, caRoot, issued, stopCA := pebble(t, dir, port)
	cfgFile := filepath.Join(dir, "rampart.yaml")
	os.WriteFile(cfgFile, []byte(fmt.Sprintf(`version: 1
server:
  listen: ":%d"
  tls:
    acme:
      domains: [localhost]
      email: ops@example.com
      ca_url: %s
      ca_root_file: %s
`, port, directory, caRoot)), 0o600)
	env := []string{"RAMPART_CONFIG=" + cfgFile}
	s := startServe(t, dir, env, "--listen", fmt.Sprintf(":%d", port))
	if body := waitReady(t, s, 60*time.Second); !strings.Contains(body, `"tls":"ok"`) {
		t.Fatalf("readyz = %s", body)
	}
	leaf := handshake(t, port, issued)
	if !strings.Contains(s.stderr.String(), "managing certificates with ACME") {
		t.Fatalf("no ACME log line:\n%s", s.stderr)
	}
	// Handshakes for names the certificate does not cover are refused.
	if conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port), &tls.Config{ServerName: "evil.example", RootCAs: issued}); err == nil {
		conn.Close()
		t.Fatal("handshake for evil.example succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "acme")); err != nil {
		t.Fatalf("no certificate storage in the data dir: %v", err)
	}
	s.stop(t)

	// Restart with the CA gone: the stored certificate is served.
	stopCA()
	s = startServe(t, dir, env, "--listen", fmt.Sprintf(":%d", port))
	waitReady(t, s, 20*time.Second)
	if again := handshake(t, port, issued); !again.Equal(leaf) {
		t.Fatalf("restart served a different certificate (serial %s, was %s)", again.SerialNumber, leaf.SerialNumber)
	}
}

// handshake connects to localhost:port over HTTPS, verifies the chain
// against roots, checks /healthz, and returns the leaf certificate.
func handshake(t *testing.T, port int, roots *x509.CertPool) *x509.Certificate {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	resp, err := client.Get(fmt.Sprintf("https://localhost:%d/healthz", port))
	if err != nil {
		t.Fatalf("HTTPS with the ACME certificate: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/healthz over ACME TLS = %d", resp.StatusCode)
	}
	leaf := resp.TLS.PeerCertificates[0]
	if err := leaf.VerifyHostname("localhost"); err != nil {
		t.Fatal(err)
	}
	return leaf
}
