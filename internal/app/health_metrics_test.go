package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/testenv"
)

func TestRedisUpMetric(t *testing.T) {
	url := testenv.RedisURL(t)
	r2 := newRig(t, "", nil, "RAMPART_REDIS_URL="+url, "RAMPART_STORAGE_REDIS_PREFIX="+testenv.RedisPrefix(t, url))
	r2.do(t, "GET", "/limited", nil, nil) // a Redis-backed rate-limit decision
	if v, ok := value(r2.scrape(t), "rampart_redis_up", nil); !ok || v != 1 {
		t.Errorf("rampart_redis_up = %v (present %v), want 1", v, ok)
	}
}

func TestCertificateExpiryMetric(t *testing.T) {
	r := newRig(t, "", nil)
	if _, ok := value(r.scrape(t), "rampart_tls_certificate_expiry_seconds", nil); ok {
		t.Fatal("certificate expiry reported without TLS")
	}
	notAfter := time.Now().Add(20 * 24 * time.Hour).Truncate(time.Second)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now(), NotAfter: notAfter,
		DNSNames: []string{"rampart.test"}}, &x509.Certificate{SerialNumber: big.NewInt(1), NotAfter: notAfter}, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	r.app.observe().certs.watch(&tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if v, _ := value(r.scrape(t), "rampart_tls_certificate_expiry_seconds", nil); int64(v) != notAfter.Unix() {
		t.Errorf("rampart_tls_certificate_expiry_seconds = %v, want %d", v, notAfter.Unix())
	}
	// A certificate handed out later (an ACME renewal) replaces it.
	renewed := notAfter.Add(60 * 24 * time.Hour)
	der2, _ := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(2), NotBefore: time.Now(), NotAfter: renewed},
		&x509.Certificate{SerialNumber: big.NewInt(2), NotAfter: renewed}, &key.PublicKey, key)
	tc := &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		return &tls.Certificate{Certificate: [][]byte{der2}, PrivateKey: key}, nil
	}}
	r.app.observe().certs.watch(tc)
	if _, err := tc.GetCertificate(&tls.ClientHelloInfo{ServerName: "rampart.test"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := value(r.scrape(t), "rampart_tls_certificate_expiry_seconds", nil); int64(v) != renewed.Unix() {
		t.Errorf("after renewal: %v, want %d", v, renewed.Unix())
	}
}
