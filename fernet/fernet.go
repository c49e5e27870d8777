// Package fernet implements Fernet symmetric authenticated encryption
// (https://github.com/fernet/spec, version 0x80), byte-compatible with the
// Fernet and MultiFernet classes of Python's cryptography package.
//
// A token is the URL-safe base64 encoding (with padding) of
//
//	0x80 ‖ timestamp (8 bytes, big-endian seconds) ‖ IV (16) ‖ AES-128-CBC ciphertext ‖ HMAC-SHA256 (32)
//
// where the ciphertext is the PKCS #7-padded plaintext and the HMAC, under
// the key's signing half, covers everything before it. The HMAC is checked in
// constant time before anything is decrypted.
//
// # Compatibility with Python
//
// A Fernet built from several keys behaves like MultiFernet: the first key
// encrypts and every key is tried, in order, to decrypt. Decrypt with a
// non-zero ttl applies Python's two time rules with whole seconds: a token
// is refused when timestamp + ttl < now (so a token exactly ttl old is still
// accepted), and when it comes from more than MaxClockSkew in the future
// (now + 60 < timestamp). As in Python, the clock-skew rule is applied only
// when a ttl is given; with ttl 0 neither rule applies. Rotate, like
// MultiFernet.rotate, never checks the age and keeps the original timestamp.
//
// Tokens and keys are decoded as Python's base64.urlsafe_b64decode decodes
// them: ASCII whitespace anywhere is ignored, '+' and '/' are accepted as well
// as '-' and '_', the padding must be present and correct, and '=' that does
// not complete a group is ignored. Python also silently skips every other
// character that is not base64 and ignores anything after the final padding;
// the spec's invalid.json requires those tokens to be refused, so this
// package refuses them (only whitespace may follow the padding). Every token
// Python produces is accepted, and every token this package produces is
// accepted by Python.
package fernet

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"time"
)

// Version is the version byte that starts every Fernet token.
const Version = 0x80

// MaxClockSkew is how far in the future a token's timestamp may be before
// Decrypt with a ttl refuses it; it is cryptography's _MAX_CLOCK_SKEW.
const MaxClockSkew = 60 * time.Second

const (
	ivSize       = aes.BlockSize
	macSize      = sha256.Size
	headerSize   = 1 + 8 + ivSize       // version, timestamp, IV
	minTokenSize = headerSize + macSize // before any ciphertext block
)

// ErrInvalidToken is the only error Decrypt returns and the error Rotate and
// Timestamp return for a token they cannot verify. It deliberately does not
// say why (bad encoding, wrong key, tampering, expiry, bad padding), so
// callers cannot be used as an oracle.
var ErrInvalidToken = errors.New("fernet: invalid token")

// errNoKeys is returned by New without keys and by a zero Fernet.
var errNoKeys = errors.New("fernet: at least one key is required")

// Fernet encrypts and decrypts Fernet tokens with an ordered list of keys:
// the first key encrypts and every key is tried, in order, to decrypt, as
// Python's MultiFernet does. Create one with New; the zero Fernet has no keys
// and refuses everything. A Fernet is safe for concurrent use as long as its
// random source is (crypto/rand, the default, is). It never prints its keys.
type Fernet struct {
	keys []keyState
	now  func() time.Time
	rand io.Reader
}

// keyState is one key ready for use.
type keyState struct {
	signing [16]byte
	block   cipher.Block
}

// Option configures optional collaborators of a Fernet.
type Option func(*Fernet)

// WithClock sets the clock used to stamp new tokens and to check a token's
// age; the default is time.Now. A nil now keeps the default.
func WithClock(now func() time.Time) Option {
	return func(f *Fernet) {
		if now != nil {
			f.now = now
		}
	}
}

// WithRand sets the source of IVs; the default is crypto/rand. A nil r keeps
// the default. The source must never repeat an IV under one key.
func WithRand(r io.Reader) Option {
	return func(f *Fernet) {
		if r != nil {
			f.rand = r
		}
	}
}

// New returns a Fernet for keys, which are in rotation order: keys[0]
// encrypts, and all of them decrypt. It needs at least one key and refuses a
// nil or zero-value Key.
func New(keys []*Key, opts ...Option) (*Fernet, error) {
	if len(keys) == 0 {
		return nil, errNoKeys
	}
	f := &Fernet{
		keys: make([]keyState, len(keys)),
		now:  time.Now,
		rand: rand.Reader,
	}
	for i, k := range keys {
		if k == nil || !k.set {
			return nil, fmt.Errorf("fernet: key %d is not initialised (use GenerateKey or DecodeKey)", i)
		}
		block, err := aes.NewCipher(k.b[16:])
		if err != nil {
			return nil, fmt.Errorf("fernet: key %d: %w", i, err)
		}
		f.keys[i].block = block
		copy(f.keys[i].signing[:], k.b[:16])
	}
	for _, o := range opts {
		o(f)
	}
	return f, nil
}

// Encrypt returns a token for plaintext under the first key, stamped with the
// current time and a fresh IV, as URL-safe base64 ASCII. It fails only if the
// random source fails or the clock reads before 1970 (which Python cannot
// encode either).
func (f *Fernet) Encrypt(plaintext []byte) ([]byte, error) {
	if len(f.keys) == 0 {
		return nil, errNoKeys
	}
	now := f.now().Unix()
	if now < 0 {
		return nil, fmt.Errorf("fernet: clock reads %d seconds before 1970; cannot stamp a token", -now)
	}
	return f.seal(plaintext, uint64(now))
}

// Decrypt verifies token and returns its plaintext. With a non-zero ttl it
// also refuses a token older than ttl or stamped more than MaxClockSkew in
// the future (see the package documentation for the exact rules); ttl is
// used in whole seconds, rounded down. With ttl 0 the age is not checked.
// Every failure returns ErrInvalidToken and nothing else.
func (f *Fernet) Decrypt(token []byte, ttl time.Duration) ([]byte, error) {
	data, ts, ok := parseToken(token)
	if !ok || len(f.keys) == 0 {
		return nil, ErrInvalidToken
	}
	if ttl != 0 && !fresh(ts, ttl, f.now().Unix()) {
		return nil, ErrInvalidToken
	}
	for i := range f.keys {
		if p, ok := f.keys[i].open(data); ok {
			return p, nil
		}
	}
	return nil, ErrInvalidToken
}

// Rotate decrypts token with any of the keys, without checking its age, and
// re-encrypts the plaintext under the first key with a fresh IV and the
// original timestamp, as MultiFernet.rotate does. It returns ErrInvalidToken
// if no key verifies the token, or an error from the random source.
func (f *Fernet) Rotate(token []byte) ([]byte, error) {
	if len(f.keys) == 0 {
		return nil, errNoKeys
	}
	data, ts, ok := parseToken(token)
	if !ok {
		return nil, ErrInvalidToken
	}
	for i := range f.keys {
		if p, ok := f.keys[i].open(data); ok {
			return f.seal(p, ts)
		}
	}
	return nil, ErrInvalidToken
}

// Timestamp returns the creation time recorded in token, in UTC, after
// checking its HMAC against each key, like Python's extract_timestamp. As in
// Python it neither decrypts the token nor checks its age. It returns
// ErrInvalidToken if no key verifies the token, and also (where Python would
// return the number) if the timestamp does not fit in an int64.
func (f *Fernet) Timestamp(token []byte) (time.Time, error) {
	data, ts, ok := parseToken(token)
	if !ok {
		return time.Time{}, ErrInvalidToken
	}
	for i := range f.keys {
		if f.keys[i].verify(data) {
			if ts > 1<<63-1 {
				return time.Time{}, ErrInvalidToken
			}
			return time.Unix(int64(ts), 0).UTC(), nil
		}
	}
	return time.Time{}, ErrInvalidToken
}

// String describes f without its keys.
func (f Fernet) String() string { return fmt.Sprintf("fernet.Fernet(%d keys)", len(f.keys)) }

// Format prints the String form for every fmt verb, so no verb reveals keys.
func (f Fernet) Format(s fmt.State, _ rune) { _, _ = io.WriteString(s, f.String()) }

// LogValue implements slog.LogValuer without the keys.
func (f Fernet) LogValue() slog.Value { return slog.IntValue(len(f.keys)) }

// seal builds a token for plaintext under the first key at timestamp ts.
func (f *Fernet) seal(plaintext []byte, ts uint64) ([]byte, error) {
	k := &f.keys[0]
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	msg := make([]byte, headerSize+len(plaintext)+pad+macSize)
	msg[0] = Version
	binary.BigEndian.PutUint64(msg[1:9], ts)
	iv := msg[9:headerSize]
	if _, err := io.ReadFull(f.rand, iv); err != nil {
		return nil, fmt.Errorf("fernet: reading IV: %w", err)
	}
	body := msg[headerSize : len(msg)-macSize]
	copy(body, plaintext)
	copy(body[len(plaintext):], bytes.Repeat([]byte{byte(pad)}, pad))
	cipher.NewCBCEncrypter(k.block, iv).CryptBlocks(body, body)
	m := hmac.New(sha256.New, k.signing[:])
	m.Write(msg[:len(msg)-macSize])
	m.Sum(msg[:len(msg)-macSize])
	out := make([]byte, base64.URLEncoding.EncodedLen(len(msg)))
	base64.URLEncoding.Encode(out, msg)
	return out, nil
}

// parseToken decodes token and checks what Python checks before any key is
// used: the encoding, the version byte and room for a timestamp.
func parseToken(token []byte) (data []byte, ts uint64, ok bool) {
	data, kind, _ := decodeBase64(token)
	if kind != decodeOK || len(data) < 9 || data[0] != Version {
		return nil, 0, false
	}
	return data, binary.BigEndian.Uint64(data[1:9]), true
}

// verify reports whether the last 32 bytes of data are the HMAC of the rest
// under k. Like Python's data[:-32] and data[-32:], it still compares (and
// fails) when data is shorter than an HMAC.
func (k *keyState) verify(data []byte) bool {
	n := max(len(data)-macSize, 0)
	m := hmac.New(sha256.New, k.signing[:])
	m.Write(data[:n])
	return hmac.Equal(m.Sum(nil), data[n:])
}

// open verifies data under k and returns the unpadded plaintext.
func (k *keyState) open(data []byte) ([]byte, bool) {
	if !k.verify(data) {
		return nil, false
	}
	if len(data) < minTokenSize {
		return nil, false
	}
	ct := data[headerSize : len(data)-macSize]
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, false
	}
	p := make([]byte, len(ct))
	cipher.NewCBCDecrypter(k.block, data[9:headerSize]).CryptBlocks(p, ct)
	n, ok := unpad(p)
	if !ok {
		return nil, false
	}
	return p[:n], true
}

// unpad checks PKCS #7 padding in constant time and returns the plaintext
// length.
func unpad(p []byte) (int, bool) {
	pad := int(p[len(p)-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, aes.BlockSize)
	for i := 1; i <= aes.BlockSize; i++ {
		inPad := subtle.ConstantTimeLessOrEq(i, pad)
		same := subtle.ConstantTimeByteEq(p[len(p)-i], byte(pad))
		good &= subtle.ConstantTimeSelect(inPad, same, 1)
	}
	if good != 1 {
		return 0, false
	}
	return len(p) - pad, true
}

// fresh applies Python's time rules with its arbitrary-precision integers:
// refuse when ts + ttl < now, or when now + MaxClockSkew < ts. ttl counts
// whole seconds, rounded down.
func fresh(ts uint64, ttl time.Duration, now int64) bool {
	ttlSec := int64(ttl / time.Second)
	if ttl%time.Second < 0 {
		ttlSec--
	}
	t := new(big.Int).SetUint64(ts)
	n := big.NewInt(now)
	if new(big.Int).Add(t, big.NewInt(ttlSec)).Cmp(n) < 0 {
		return false
	}
	if new(big.Int).Add(n, big.NewInt(int64(MaxClockSkew/time.Second))).Cmp(t) < 0 {
		return false
	}
	return true
}
