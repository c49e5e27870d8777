package fernet

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"testing"
	"time"
)

// fuzzFernet is the Fernet the fuzz targets attack: two keys, a fixed clock.
func fuzzFernet(t testing.TB, opts ...Option) *Fernet {
	return mustNew(t, []string{testKey1, testKey2}, append([]Option{WithClock(clockAt(t0))}, opts...)...)
}

// FuzzDecrypt feeds arbitrary tokens and TTLs to Decrypt. It must never
// panic, must fail only with ErrInvalidToken, and whatever it accepts must be
// consistent: the canonical re-encoding, Rotate and a fresh Encrypt all give
// back the same plaintext, and Timestamp agrees. Seeds live in
// testdata/fuzz/FuzzDecrypt.
func FuzzDecrypt(f *testing.F) {
	g := fuzzFernet(f)
	for _, p := range []string{"", "hello", "sixteen bytes!!!"} {
		tok, err := g.Encrypt([]byte(p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tok, int64(60))
		f.Add(tok, int64(0))
	}
	f.Fuzz(func(t *testing.T, token []byte, ttlSec int64) {
		ttl := time.Duration(ttlSec%(1<<33)) * time.Second
		fz := fuzzFernet(t)
		plain, err := fz.Decrypt(token, ttl)
		if err != nil {
			if err != ErrInvalidToken || plain != nil {
				t.Fatalf("Decrypt = %q, %v; a failure must be nil, ErrInvalidToken", plain, err)
			}
			return
		}
		data, kind, _ := decodeBase64(token)
		if kind != decodeOK {
			t.Fatalf("accepted a token the decoder refuses (%d)", kind)
		}
		canon := []byte(base64.URLEncoding.EncodeToString(data))
		if again, err := fz.Decrypt(canon, ttl); err != nil || !bytes.Equal(again, plain) {
			t.Fatalf("canonical re-encoding: %q, %v", again, err)
		}
		ts, err := fz.Timestamp(token)
		if raw := binary.BigEndian.Uint64(data[1:9]); raw > 1<<63-1 {
			// Documented: a time.Time cannot hold it.
			if err != ErrInvalidToken {
				t.Fatalf("Timestamp of a token stamped %d: %v, want ErrInvalidToken", raw, err)
			}
		} else if err != nil || uint64(ts.Unix()) != raw {
			t.Fatalf("Timestamp = %v, %v; token says %d", ts, err, raw)
		}
		rot, err := fz.Rotate(token)
		if err != nil {
			t.Fatalf("Rotate of an accepted token: %v", err)
		}
		if again, err := fz.Decrypt(rot, 0); err != nil || !bytes.Equal(again, plain) {
			t.Fatalf("Decrypt(Rotate) = %q, %v", again, err)
		}
		if rdata, _, _ := decodeBase64(rot); !bytes.Equal(rdata[1:9], data[1:9]) {
			t.Fatalf("Rotate changed the timestamp bytes %x -> %x", data[1:9], rdata[1:9])
		}
		fresh, err := fz.Encrypt(plain)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := fz.Decrypt(fresh, time.Minute); err != nil || !bytes.Equal(again, plain) {
			t.Fatalf("re-encrypt round trip = %q, %v", again, err)
		}
	})
}

// FuzzDecryptSigned reaches what random tokens cannot: it signs an arbitrary
// body with the first key's signing half, so the HMAC passes and the length,
// CBC and padding checks run. The verdict and plaintext must match a plain,
// obviously correct reference implementation of the spec.
func FuzzDecryptSigned(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{Version})
	f.Add(append([]byte{Version}, make([]byte, 8+16+16)...))
	f.Add(append([]byte{Version}, make([]byte, 8+16+15)...))
	f.Add(append([]byte{0x81}, make([]byte, 8+16+16)...))
	k := mustKey(f, testKey1)
	f.Fuzz(func(t *testing.T, body []byte) {
		m := hmac.New(sha256.New, k.b[:16])
		m.Write(body)
		token := []byte(base64.URLEncoding.EncodeToString(m.Sum(bytes.Clone(body))))
		got, err := fuzzFernet(t).Decrypt(token, 0)
		want, ok := referenceOpen(k, body)
		if ok != (err == nil) {
			t.Fatalf("Decrypt = %q, %v; reference ok=%v", got, err, ok)
		}
		if ok && !bytes.Equal(got, want) {
			t.Fatalf("Decrypt = %q, reference %q", got, want)
		}
		if !ok && err != ErrInvalidToken {
			t.Fatalf("error %v, want ErrInvalidToken", err)
		}
	})
}

// referenceOpen decrypts an already-authenticated body the slow, obvious way.
func referenceOpen(k *Key, body []byte) ([]byte, bool) {
	if len(body) < 1+8+16+16 || body[0] != 0x80 || (len(body)-25)%16 != 0 {
		return nil, false
	}
	block, err := aes.NewCipher(k.b[16:])
	if err != nil {
		panic(err)
	}
	p := make([]byte, len(body)-25)
	cipher.NewCBCDecrypter(block, body[9:25]).CryptBlocks(p, body[25:])
	n := int(p[len(p)-1])
	if n < 1 || n > 16 {
		return nil, false
	}
	for _, b := range p[len(p)-n:] {
		if int(b) != n {
			return nil, false
		}
	}
	return p[:len(p)-n], true
}
