package fernet

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// KeySize is the length of a raw Fernet key in bytes: a 16-byte HMAC-SHA256
// signing key followed by a 16-byte AES-128 encryption key.
const KeySize = 32

// redacted is what a Key prints instead of its material.
const redacted = "fernet.Key(REDACTED)"

// ErrInvalidKey is matched (with errors.Is) by every error DecodeKey returns.
var ErrInvalidKey = errors.New("fernet: invalid key")

// KeyError reports why a string is not a Fernet key. Reason never contains
// any part of the key.
type KeyError struct {
	// Reason is a lower-case explanation such as "decodes to 31 bytes, want 32".
	Reason string
}

// Error returns "fernet: invalid key: " followed by the reason.
func (e *KeyError) Error() string { return "fernet: invalid key: " + e.Reason }

// Is reports whether target is ErrInvalidKey.
func (e *KeyError) Is(target error) bool { return target == ErrInvalidKey }

// Key is a Fernet key: a signing key (the first 16 bytes) followed by an
// encryption key (the last 16 bytes). Obtain one from GenerateKey or
// DecodeKey; the zero Key is not usable and New rejects it.
//
// A Key never prints its material: String, GoString, Format, LogValue and
// MarshalJSON all redact it. Use Encode to serialise it on purpose.
type Key struct {
	b   [KeySize]byte
	set bool
}

// GenerateKey returns a new random key read from r, or from crypto/rand when
// r is nil.
func GenerateKey(r io.Reader) (*Key, error) {
	if r == nil {
		r = rand.Reader
	}
	k := &Key{set: true}
	if _, err := io.ReadFull(r, k.b[:]); err != nil {
		return nil, fmt.Errorf("fernet: generating key: %w", err)
	}
	return k, nil
}

// DecodeKey parses a key in the form Python's Fernet.generate_key produces:
// the URL-safe base64 encoding of 32 bytes, with its padding (44 characters).
//
// It decodes as Python's Fernet constructor does (see the package
// documentation): surrounding or embedded ASCII whitespace is ignored, the
// standard alphabet's '+' and '/' are accepted and missing padding is
// refused. Unlike Python, it also refuses characters outside base64 and data
// after the padding, which Python silently skips. The returned error is a
// *KeyError and never contains the key.
func DecodeKey(s string) (*Key, error) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			// Python raises ValueError for a str key with non-ASCII characters.
			return nil, &KeyError{Reason: fmt.Sprintf("non-ASCII byte at offset %d", i)}
		}
	}
	raw, kind, off := decodeBase64([]byte(s))
	switch kind {
	case decodeBadChar:
		return nil, &KeyError{Reason: fmt.Sprintf("not URL-safe base64: unexpected character at offset %d", off)}
	case decodeTrailing:
		return nil, &KeyError{Reason: fmt.Sprintf("not URL-safe base64: data after padding at offset %d", off)}
	case decodePadding:
		return nil, &KeyError{Reason: "not URL-safe base64: incorrect padding or truncated"}
	}
	if len(raw) != KeySize {
		clear(raw)
		return nil, &KeyError{Reason: fmt.Sprintf("decodes to %d bytes, want %d", len(raw), KeySize)}
	}
	k := &Key{set: true}
	copy(k.b[:], raw)
	clear(raw)
	return k, nil
}

// Encode returns the key as Python's Fernet.generate_key would: URL-safe
// base64 with padding. The result is secret.
func (k *Key) Encode() string {
	return base64.URLEncoding.EncodeToString(k.b[:])
}

// Equal reports, in constant time, whether k and o hold the same material.
func (k *Key) Equal(o *Key) bool {
	if k == nil || o == nil {
		return k == o
	}
	return subtle.ConstantTimeCompare(k.b[:], o.b[:]) == 1 && k.set == o.set
}

// String returns a redacted placeholder, never the key.
func (Key) String() string { return redacted }

// GoString returns a redacted placeholder, never the key.
func (Key) GoString() string { return redacted }

// Format prints a redacted placeholder for every fmt verb, so that not even
// %x or %d can reveal the key.
func (Key) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue implements slog.LogValuer with a redacted placeholder.
func (Key) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON encodes a redacted placeholder, never the key.
func (Key) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

var (
	_ fmt.Stringer   = Key{}
	_ fmt.GoStringer = Key{}
	_ fmt.Formatter  = Key{}
	_ slog.LogValuer = Key{}
)
