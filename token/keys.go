package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"
)

// Alg is a JWS signing algorithm (RFC 7518 §3, RFC 8037 §3.1). Only the
// three below are supported; HMAC algorithms and "none" never are.
type Alg string

// The supported algorithms.
const (
	// ES256 is ECDSA over P-256 with SHA-256, the default: small keys and
	// signatures, fast to sign, and supported by every JOSE library.
	ES256 Alg = "ES256"
	// RS256 is RSASSA-PKCS1-v1_5 with SHA-256, for relying parties that
	// support nothing else. GenerateKey makes 3072-bit keys.
	RS256 Alg = "RS256"
	// EdDSA is Ed25519 (RFC 8037).
	EdDSA Alg = "EdDSA"
)

// DefaultAlg is the algorithm rampart signs with unless configured otherwise.
const DefaultAlg = ES256

// RSABits is the size of the RSA keys GenerateKey makes. ParsePrivate
// accepts RSA keys of 2048 bits or more.
const RSABits = 3072

// minRSABits is the smallest RSA key ParsePrivate accepts (RFC 7518 §3.3).
const minRSABits = 2048

// maxKeyIDLen bounds a key id, which travels in every token header.
const maxKeyIDLen = 128

// valid reports whether a is one of the supported algorithms.
func (a Alg) valid() bool { return a == ES256 || a == RS256 || a == EdDSA }

// Key is a signing key or, when Private is nil, a verification-only key.
//
// A Key never prints its private material: String, GoString, Format,
// LogValue and MarshalJSON show only the id and algorithm. The fields are
// exported for callers that need them; printing k.Private directly is on
// the caller. Use MarshalPrivate to export the private key on purpose.
type Key struct {
	// ID is the key id, sent as the kid header of every token.
	ID string
	// Alg is the only algorithm this key is ever used with.
	Alg Alg
	// Private is *ecdsa.PrivateKey, *rsa.PrivateKey or ed25519.PrivateKey,
	// or nil for a verification-only key.
	Private crypto.Signer
	// Public is *ecdsa.PublicKey, *rsa.PublicKey or ed25519.PublicKey.
	Public crypto.PublicKey
}

// GenerateKey makes a new key for alg. Its ID is the RFC 7638 JWK
// thumbprint (SHA-256, base64url, 43 characters) of the public key, so a kid
// can never name two different keys and anyone holding the JWKS can
// recompute it.
//
// random is read for the Ed25519 seed; nil means crypto/rand. Since Go 1.26
// ECDSA and RSA key generation always use the system's secure random source
// and ignore random; tests that need reproducible keys use
// testing/cryptotest.SetGlobalRandom.
func GenerateKey(alg Alg, random io.Reader) (*Key, error) {
	if random == nil {
		random = rand.Reader
	}
	var priv crypto.Signer
	var err error
	switch alg {
	case ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), random)
	case RS256:
		priv, err = rsa.GenerateKey(random, RSABits)
	case EdDSA:
		_, priv, err = ed25519.GenerateKey(random)
	default:
		return nil, fmt.Errorf("generating key: %w: %q", ErrUnsupportedAlg, alg)
	}
	if err != nil {
		return nil, fmt.Errorf("generating %s key: %w", alg, err)
	}
	kid, err := Thumbprint(priv.Public())
	if err != nil {
		return nil, fmt.Errorf("generating %s key: %w", alg, err)
	}
	return &Key{ID: kid, Alg: alg, Private: priv, Public: priv.Public()}, nil
}

// Thumbprint returns the RFC 7638 JWK thumbprint of a public key: SHA-256
// over the key's required JWK members, base64url without padding.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	jwk := jose.JSONWebKey{Key: pub}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("computing key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// MarshalPrivate returns the private key as PKCS#8 DER. The bytes are
// secret: the caller encrypts them before storing them.
func (k *Key) MarshalPrivate() ([]byte, error) {
	if k == nil || k.Private == nil {
		return nil, ErrNoPrivateKey
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	if err != nil {
		return nil, fmt.Errorf("encoding key %q: %w", k.ID, err)
	}
	return der, nil
}

// ParsePrivate decodes a PKCS#8 DER private key stored under id for alg. The
// key type must suit alg exactly: ES256 needs a P-256 ECDSA key, RS256 an RSA
// key of at least 2048 bits, EdDSA an Ed25519 key. Anything else fails with
// ErrKeyMismatch, so a key can never be used with an algorithm it was not
// made for. id is not checked against the thumbprint, so keys imported with
// other kids keep them; it must be 1 to 128 bytes of printable UTF-8.
func ParsePrivate(id string, alg Alg, der []byte) (*Key, error) {
	if err := checkKeyID(id); err != nil {
		return nil, err
	}
	if !alg.valid() {
		return nil, fmt.Errorf("key %q: %w: %q", id, ErrUnsupportedAlg, alg)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("key %q: decoding PKCS#8: %w", id, err)
	}
	priv, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("key %q: %w: %T cannot sign", id, ErrKeyMismatch, parsed)
	}
	if err := checkKeyType(alg, priv.Public()); err != nil {
		return nil, fmt.Errorf("key %q: %w", id, err)
	}
	return &Key{ID: id, Alg: alg, Private: priv, Public: priv.Public()}, nil
}

// NewPublicKey returns a verification-only key, for keys published by another
// issuer (a JWKS). It refuses a key whose type does not suit alg, so a key can
// never be used with an algorithm it was not made for.
func NewPublicKey(id string, alg Alg, pub crypto.PublicKey) (*Key, error) {
	if err := checkKeyID(id); err != nil {
		return nil, err
	}
	if !alg.valid() {
		return nil, fmt.Errorf("key %q: %w: %q", id, ErrUnsupportedAlg, alg)
	}
	if err := checkKeyType(alg, pub); err != nil {
		return nil, fmt.Errorf("key %q: %w", id, err)
	}
	return &Key{ID: id, Alg: alg, Public: pub}, nil
}

// checkKeyType reports whether pub is the kind of key alg needs.
func checkKeyType(alg Alg, pub crypto.PublicKey) error {
	switch alg {
	case ES256:
		if k, ok := pub.(*ecdsa.PublicKey); ok && k.Curve == elliptic.P256() {
			return nil
		}
	case RS256:
		if k, ok := pub.(*rsa.PublicKey); ok {
			if k.N.BitLen() >= minRSABits {
				return nil
			}
			return fmt.Errorf("%w: RSA key has %d bits, want at least %d", ErrKeyMismatch, k.N.BitLen(), minRSABits)
		}
	case EdDSA:
		if k, ok := pub.(ed25519.PublicKey); ok && len(k) == ed25519.PublicKeySize {
			return nil
		}
	default:
		return fmt.Errorf("%w: %q", ErrUnsupportedAlg, alg)
	}
	return fmt.Errorf("%w: %s needs %s, got %s", ErrKeyMismatch, alg, wantKeyType(alg), describeKey(pub))
}

// wantKeyType names the key type alg needs, for errors.
func wantKeyType(alg Alg) string {
	switch alg {
	case ES256:
		return "an ECDSA P-256 key"
	case RS256:
		return "an RSA key"
	default:
		return "an Ed25519 key"
	}
}

// describeKey names a public key's type without any of its material.
func describeKey(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return "an ECDSA " + k.Curve.Params().Name + " key"
	case *rsa.PublicKey:
		return "an RSA key"
	case ed25519.PublicKey:
		return "an Ed25519 key"
	default:
		return fmt.Sprintf("a %T", pub)
	}
}

// checkKeyID reports whether id is usable as a kid.
func checkKeyID(id string) error {
	if id == "" || len(id) > maxKeyIDLen || !utf8.ValidString(id) {
		return fmt.Errorf("%w: key id must be 1 to %d bytes of UTF-8", ErrKeyMismatch, maxKeyIDLen)
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: key id contains a control character", ErrKeyMismatch)
		}
	}
	return nil
}

// publicOnly returns a copy of k without its private part.
func (k *Key) publicOnly() *Key {
	return &Key{ID: k.ID, Alg: k.Alg, Public: k.Public}
}

// String describes the key by id and algorithm, never its material.
func (k Key) String() string {
	priv := "none"
	if k.Private != nil {
		priv = "REDACTED"
	}
	return fmt.Sprintf("token.Key{ID:%q Alg:%s Private:%s}", k.ID, k.Alg, priv)
}

// GoString is String, so %#v reveals nothing either.
func (k Key) GoString() string { return k.String() }

// Format prints String for every fmt verb, so that not even %x or %d can
// reveal private material.
func (k Key) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// LogValue implements slog.LogValuer: the id, the algorithm and whether a
// private part is present.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", k.ID),
		slog.String("alg", string(k.Alg)),
		slog.Bool("private", k.Private != nil),
	)
}

// MarshalJSON encodes only the id and algorithm. Use the JWKS for public
// keys and MarshalPrivate for private ones.
func (k Key) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID  string `json:"kid"`
		Alg Alg    `json:"alg"`
	}{k.ID, k.Alg})
}

var (
	_ fmt.Stringer   = Key{}
	_ fmt.GoStringer = Key{}
	_ fmt.Formatter  = Key{}
	_ slog.LogValuer = Key{}
)
