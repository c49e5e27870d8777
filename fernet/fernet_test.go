package fernet

import (
	"bytes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// Keys used by the unit tests; any valid keys would do.
const (
	testKey1 = "9giNuNdg7Pv_OyUaAiq-yCR2h_0ZJvvHSR45yDsFb1w="
	testKey2 = "JUPwAwakFYB8wixcYjOAyzV0Moa269Y9xYShry2gr8Q="
	testKey3 = "D5Tu4d7QTpXyfxlSs39v9fCz6i5Bkao_Nx7YN8WXIbY="
)

// t0 is the creation time of the unit tests' tokens.
const t0 = 1_700_000_000

// sealAt encrypts plaintext under keys[0] at Unix second ts.
func sealAt(t *testing.T, keys []string, ts int64, plaintext []byte) []byte {
	t.Helper()
	tok, err := mustNew(t, keys, WithClock(clockAt(ts))).Encrypt(plaintext)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// wantInvalid fails unless Decrypt refused with exactly ErrInvalidToken.
func wantInvalid(t *testing.T, got []byte, err error) {
	t.Helper()
	if err != ErrInvalidToken || got != nil {
		t.Fatalf("got %q, %v; want nil, ErrInvalidToken", got, err)
	}
}

func TestFernetRoundTrip(t *testing.T) {
	t.Parallel()
	large := bytes.Repeat([]byte("0123456789abcdef!"), 5<<20/17) // about 5 MiB, not block aligned
	tests := []struct {
		name  string
		plain []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"one byte", []byte{0}},
		{"block minus one", bytes.Repeat([]byte{'a'}, 15)},
		{"exact block", bytes.Repeat([]byte{'b'}, 16)},
		{"all byte values", func() []byte {
			b := make([]byte, 256)
			for i := range b {
				b[i] = byte(i)
			}
			return b
		}()},
		{"large", large},
	}
	f := mustNew(t, []string{testKey1})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok, err := f.Encrypt(tc.plain)
			if err != nil {
				t.Fatal(err)
			}
			if want := base64.URLEncoding.EncodedLen(57 + (len(tc.plain)/16+1)*16); len(tok) != want {
				t.Errorf("token length %d, want %d", len(tok), want)
			}
			got, err := f.Decrypt(tok, time.Hour)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if !bytes.Equal(got, tc.plain) {
				t.Errorf("round trip changed the plaintext (%d bytes in, %d out)", len(tc.plain), len(got))
			}
			if got == nil {
				t.Error("Decrypt returned nil plaintext on success")
			}
		})
	}
}

func TestFernetEncryptFreshIV(t *testing.T) {
	t.Parallel()
	f := mustNew(t, []string{testKey1}, WithClock(clockAt(t0)))
	a, _ := f.Encrypt([]byte("same"))
	b, _ := f.Encrypt([]byte("same"))
	if bytes.Equal(a, b) {
		t.Fatal("two encryptions of one plaintext gave the same token")
	}
}

func TestFernetTTLAndSkew(t *testing.T) {
	t.Parallel()
	tok := sealAt(t, []string{testKey1}, t0, []byte("x"))
	tests := []struct {
		name string
		now  int64
		ttl  time.Duration
		ok   bool
	}{
		{"no ttl, a year old", t0 + 365*86400, 0, true},
		{"no ttl, a year in the future (skew rule needs a ttl)", t0 - 365*86400, 0, true},
		{"same second", t0, time.Second, true},
		{"exactly ttl old", t0 + 60, time.Minute, true},
		{"one second past ttl", t0 + 61, time.Minute, false},
		{"sub-second ttl rounds down: 1.9s allows 1s", t0 + 1, 1900 * time.Millisecond, true},
		{"sub-second ttl rounds down: 1.9s refuses 2s", t0 + 2, 1900 * time.Millisecond, false},
		{"half a second ttl acts as 0s: same second", t0, 500 * time.Millisecond, true},
		{"half a second ttl acts as 0s: one second old", t0 + 1, 500 * time.Millisecond, false},
		{"60s in the future is within skew", t0 - 60, time.Minute, true},
		{"61s in the future is refused", t0 - 61, time.Minute, false},
		{"skew applies even with a long ttl", t0 - 3600, 24 * time.Hour, false},
		{"negative ttl as Python: ts-1 < now refuses", t0, -time.Second, false},
		{"negative ttl as Python: token 1s ahead passes", t0 - 1, -time.Second, true},
		{"huge ttl", t0 + 100*365*86400, 1 << 62, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := mustNew(t, []string{testKey1}, WithClock(clockAt(tc.now)))
			got, err := f.Decrypt(tok, tc.ttl)
			if tc.ok {
				if err != nil || string(got) != "x" {
					t.Fatalf("Decrypt = %q, %v; want accepted", got, err)
				}
				return
			}
			wantInvalid(t, got, err)
		})
	}
}

func TestFernetFreshExtremes(t *testing.T) {
	t.Parallel()
	const maxU = ^uint64(0)
	tests := []struct {
		name string
		ts   uint64
		ttl  time.Duration
		now  int64
		want bool
	}{
		{"max timestamp is from the future", maxU, time.Second, 1 << 62, false},
		{"max timestamp, max now", maxU, time.Second, 1<<63 - 1, false},
		{"zero timestamp, min ttl", 0, -1 << 63, 0, false},
		{"zero timestamp, max ttl, max now", 0, 1<<63 - 1, 1<<63 - 1, false},
		{"timestamp near max int64 with max ttl", 1<<63 - 1, 1<<63 - 1, 1<<63 - 1, true},
		{"negative now", 0, time.Second, -100, false},
		{"negative now within skew", 0, time.Second, -60, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := fresh(tc.ts, tc.ttl, tc.now); got != tc.want {
				t.Errorf("fresh(%d, %v, %d) = %v, want %v", tc.ts, tc.ttl, tc.now, got, tc.want)
			}
		})
	}
}

func TestFernetMultiKey(t *testing.T) {
	t.Parallel()
	old := sealAt(t, []string{testKey2}, t0, []byte("old"))
	tests := []struct {
		name string
		keys []string
		ok   bool
	}{
		{"only the old key", []string{testKey2}, true},
		{"new first, old second", []string{testKey1, testKey2}, true},
		{"old key last of three", []string{testKey1, testKey3, testKey2}, true},
		{"wrong key", []string{testKey1}, false},
		{"wrong keys", []string{testKey1, testKey3}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := mustNew(t, tc.keys, WithClock(clockAt(t0))).Decrypt(old, time.Minute)
			if tc.ok {
				if err != nil || string(got) != "old" {
					t.Fatalf("Decrypt = %q, %v", got, err)
				}
				return
			}
			wantInvalid(t, got, err)
		})
	}
	// The first key encrypts.
	tok := sealAt(t, []string{testKey3, testKey1}, t0, []byte("new"))
	if _, err := mustNew(t, []string{testKey3}).Decrypt(tok, 0); err != nil {
		t.Errorf("token is not under the first key: %v", err)
	}
	got, err := mustNew(t, []string{testKey1}).Decrypt(tok, 0)
	wantInvalid(t, got, err)
}

func TestFernetSameSigningKeyDifferentEncryptionKey(t *testing.T) {
	t.Parallel()
	// Two keys sharing the signing half: the first key's HMAC check passes
	// but its decryption fails the padding check, so the second key must
	// still be tried, as MultiFernet does.
	k1, k2 := mustKey(t, testKey1), mustKey(t, testKey1)
	k2.b[31] ^= 1
	fSecond, err := New([]*Key{k2})
	if err != nil {
		t.Fatal(err)
	}
	both, err := New([]*Key{k1, k2})
	if err != nil {
		t.Fatal(err)
	}
	// Find a plaintext whose token under k2 fails padding under k1.
	for i := range 64 {
		plain := []byte{byte(i)}
		tok, err := fSecond.Encrypt(plain)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mustNew(t, []string{testKey1}).Decrypt(tok, 0); err == nil {
			continue // k1's padding happened to look valid; try another
		}
		got, err := both.Decrypt(tok, 0)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("Decrypt = %q, %v; want the second key to decrypt", got, err)
		}
		return
	}
	t.Fatal("no token found whose padding fails under the first key")
}

func TestFernetTamperEveryByte(t *testing.T) {
	t.Parallel()
	f := mustNew(t, []string{testKey1}, WithClock(clockAt(t0)))
	tok := sealAt(t, []string{testKey1}, t0, []byte("attack at dawn, bring snacks"))
	raw, err := base64.URLEncoding.DecodeString(string(tok))
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			mod := bytes.Clone(raw)
			mod[i] ^= mask
			got, err := f.Decrypt([]byte(base64.URLEncoding.EncodeToString(mod)), 0)
			if err != ErrInvalidToken || got != nil {
				t.Fatalf("byte %d ^ %#x: Decrypt = %q, %v; want ErrInvalidToken", i, mask, got, err)
			}
			if _, err := f.Rotate([]byte(base64.URLEncoding.EncodeToString(mod))); err != ErrInvalidToken {
				t.Fatalf("byte %d ^ %#x: Rotate error %v, want ErrInvalidToken", i, mask, err)
			}
			if _, err := f.Timestamp([]byte(base64.URLEncoding.EncodeToString(mod))); err != ErrInvalidToken {
				t.Fatalf("byte %d ^ %#x: Timestamp error %v, want ErrInvalidToken", i, mask, err)
			}
		}
	}
}

func TestFernetTamperEveryCharacter(t *testing.T) {
	t.Parallel()
	f := mustNew(t, []string{testKey1})
	tok := sealAt(t, []string{testKey1}, t0, []byte("x")) // ends in "==": the last data character has unused bits
	orig, _, _ := decodeBase64(tok)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range tok {
		for _, c := range []byte(alphabet) {
			if c == tok[i] {
				continue
			}
			mod := bytes.Clone(tok)
			mod[i] = c
			got, err := f.Decrypt(mod, 0)
			data, kind, _ := decodeBase64(mod)
			if kind == decodeOK && bytes.Equal(data, orig) {
				// Only the unused low bits of the last character changed;
				// Python accepts this too.
				if err != nil || string(got) != "x" {
					t.Fatalf("char %d -> %q: same bytes but Decrypt = %q, %v", i, c, got, err)
				}
				continue
			}
			if err != ErrInvalidToken {
				t.Fatalf("char %d -> %q: Decrypt = %q, %v; want ErrInvalidToken", i, c, got, err)
			}
		}
	}
}

func TestFernetTruncated(t *testing.T) {
	t.Parallel()
	f := mustNew(t, []string{testKey1})
	tok := sealAt(t, []string{testKey1}, t0, []byte("truncate me"))
	for n := range len(tok) {
		got, err := f.Decrypt(tok[:n], 0)
		if err != ErrInvalidToken || got != nil {
			t.Fatalf("prefix of %d/%d chars: Decrypt = %q, %v", n, len(tok), got, err)
		}
	}
	raw, _ := base64.URLEncoding.DecodeString(string(tok))
	for n := range len(raw) {
		short := []byte(base64.URLEncoding.EncodeToString(raw[:n]))
		if _, err := f.Decrypt(short, 0); err != ErrInvalidToken {
			t.Fatalf("first %d/%d bytes: Decrypt error %v", n, len(raw), err)
		}
	}
}

func TestFernetRotate(t *testing.T) {
	t.Parallel()
	old := sealAt(t, []string{testKey2}, t0, []byte("payload"))
	// Rotation long after the token would have expired: rotate never checks age.
	f := mustNew(t, []string{testKey1, testKey2}, WithClock(clockAt(t0+10*365*86400)))
	rot, err := f.Rotate(old)
	if err != nil {
		t.Fatal(err)
	}
	onlyNew := mustNew(t, []string{testKey1}, WithClock(clockAt(t0+30)))
	got, err := onlyNew.Decrypt(rot, time.Minute)
	if err != nil || string(got) != "payload" {
		t.Fatalf("new key alone: Decrypt(rotated) = %q, %v", got, err)
	}
	ts, err := onlyNew.Timestamp(rot)
	if err != nil || ts.Unix() != t0 {
		t.Errorf("rotated timestamp = %v, %v; want the original %d", ts, err, t0)
	}
	if _, err := mustNew(t, []string{testKey2}).Decrypt(rot, 0); err != ErrInvalidToken {
		t.Errorf("old key still decrypts the rotated token: %v", err)
	}
	if _, err := mustNew(t, []string{testKey3}).Rotate(old); err != ErrInvalidToken {
		t.Errorf("Rotate with the wrong key: %v, want ErrInvalidToken", err)
	}
}

func TestFernetTimestamp(t *testing.T) {
	t.Parallel()
	tok := sealAt(t, []string{testKey2}, t0, []byte("x"))
	got, err := mustNew(t, []string{testKey1, testKey2}).Timestamp(tok)
	if err != nil || !got.Equal(time.Unix(t0, 0)) || got.Location() != time.UTC {
		t.Errorf("Timestamp = %v, %v", got, err)
	}
	if _, err := mustNew(t, []string{testKey1}).Timestamp(tok); err != ErrInvalidToken {
		t.Errorf("wrong key: %v, want ErrInvalidToken", err)
	}
	if _, err := mustNew(t, []string{testKey2}).Timestamp([]byte("not a token")); err != ErrInvalidToken {
		t.Errorf("garbage: %v, want ErrInvalidToken", err)
	}
}

// failingReader fails every read.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy pool on fire") }

func TestFernetEncryptErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"random source fails", []Option{WithRand(failingReader{})}, "entropy pool on fire"},
		{"random source too short", []Option{WithRand(bytes.NewReader(make([]byte, 15)))}, "unexpected EOF"},
		{"clock before 1970", []Option{WithClock(clockAt(-1))}, "before 1970"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok, err := mustNew(t, []string{testKey1}, tc.opts...).Encrypt([]byte("x"))
			if err == nil || !strings.Contains(err.Error(), tc.want) || tok != nil {
				t.Fatalf("Encrypt = %q, %v; want an error containing %q", tok, err, tc.want)
			}
			if errors.Is(err, ErrInvalidToken) {
				t.Error("an encryption failure must not look like ErrInvalidToken")
			}
		})
	}
	old := sealAt(t, []string{testKey1}, t0, []byte("x"))
	if _, err := mustNew(t, []string{testKey1}, WithRand(failingReader{})).Rotate(old); err == nil || errors.Is(err, ErrInvalidToken) {
		t.Errorf("Rotate with a failing random source: %v", err)
	}
}

func TestFernetNilOptionsKeepDefaults(t *testing.T) {
	t.Parallel()
	f := mustNew(t, []string{testKey1}, WithClock(nil), WithRand(nil))
	tok, err := f.Encrypt([]byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := f.Timestamp(tok)
	if err != nil || time.Since(ts) > time.Minute || time.Since(ts) < -time.Minute {
		t.Errorf("default clock not used: %v, %v", ts, err)
	}
}

func TestFernetNewErrors(t *testing.T) {
	t.Parallel()
	good := mustKey(t, testKey1)
	tests := []struct {
		name string
		keys []*Key
		want string
	}{
		{"no keys", nil, "at least one key"},
		{"empty slice", []*Key{}, "at least one key"},
		{"nil key", []*Key{good, nil}, "key 1 is not initialised"},
		{"zero Key", []*Key{{}}, "key 0 is not initialised"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := New(tc.keys)
			if err == nil || !strings.Contains(err.Error(), tc.want) || f != nil {
				t.Fatalf("New = %v, %v; want an error containing %q", f, err, tc.want)
			}
		})
	}
}

func TestFernetWhitespaceAroundToken(t *testing.T) {
	t.Parallel()
	f := mustNew(t, []string{testKey1})
	tok := sealAt(t, []string{testKey1}, t0, []byte("ws"))
	for _, in := range [][]byte{
		append(bytes.Clone(tok), '\n'),
		append([]byte(" \t\r\n"), tok...),
		bytes.ReplaceAll(tok, []byte("A"), []byte("A\n")),
	} {
		if got, err := f.Decrypt(in, 0); err != nil || string(got) != "ws" {
			t.Errorf("Decrypt(%q) = %q, %v", in, got, err)
		}
	}
}

var _ io.Reader = failingReader{}

// signedToken builds a token under key from a chosen padded plaintext, so
// that the HMAC is valid whatever the padding says.
func signedToken(t *testing.T, key string, padded []byte) []byte {
	t.Helper()
	k := mustKey(t, key)
	f, err := New([]*Key{k})
	if err != nil {
		t.Fatal(err)
	}
	ks := &f.keys[0]
	msg := make([]byte, headerSize, headerSize+len(padded)+macSize)
	msg[0] = Version
	copy(msg[9:], "0123456789abcdef") // IV
	ct := make([]byte, len(padded))
	cipher.NewCBCEncrypter(ks.block, msg[9:headerSize]).CryptBlocks(ct, padded)
	msg = append(msg, ct...)
	m := hmac.New(sha256.New, ks.signing[:])
	m.Write(msg)
	return []byte(base64.URLEncoding.EncodeToString(m.Sum(msg)))
}

func TestFernetPadding(t *testing.T) {
	t.Parallel()
	block := func(tail ...byte) []byte {
		b := bytes.Repeat([]byte{'p'}, 16-len(tail))
		return append(b, tail...)
	}
	tests := []struct {
		name   string
		padded []byte
		want   string // plaintext; "" with ok false means refused
		ok     bool
	}{
		{"one byte of padding", block(1), "ppppppppppppppp", true},
		{"full block of padding", append(block(), bytes.Repeat([]byte{16}, 16)...), "pppppppppppppppp", true},
		{"three bytes", block(3, 3, 3), "ppppppppppppp", true},
		{"pad byte zero", block(0), "", false},
		{"pad byte 17", append(block(), append(bytes.Repeat([]byte{'q'}, 15), 17)...), "", false},
		{"pad byte 255", block(255), "", false},
		{"inconsistent pad bytes", block(3, 2, 3), "", false},
		{"inconsistent first of 16", append(block(), append([]byte{15}, bytes.Repeat([]byte{16}, 15)...)...), "", false},
	}
	f := mustNew(t, []string{testKey1})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := f.Decrypt(signedToken(t, testKey1, tc.padded), 0)
			if !tc.ok {
				wantInvalid(t, got, err)
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("Decrypt = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestFernetZeroValueRefuses(t *testing.T) {
	t.Parallel()
	var f Fernet
	tok := sealAt(t, []string{testKey1}, t0, []byte("x"))
	if got, err := f.Encrypt([]byte("x")); err == nil || got != nil {
		t.Errorf("Encrypt = %q, %v; want an error", got, err)
	}
	for _, ttl := range []time.Duration{0, time.Minute} {
		got, err := f.Decrypt(tok, ttl)
		wantInvalid(t, got, err)
	}
	if _, err := f.Rotate(tok); err == nil {
		t.Error("Rotate succeeded without keys")
	}
	if _, err := f.Timestamp(tok); err != ErrInvalidToken {
		t.Errorf("Timestamp: %v", err)
	}
}
