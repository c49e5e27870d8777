package config

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestConfigDecodeKey32(t *testing.T) {
	t.Parallel()
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(0xF0 + i%16) // bytes that make + / - _ appear in base64
	}
	valid := map[string]string{
		"std padded":      base64.StdEncoding.EncodeToString(key),
		"std unpadded":    base64.RawStdEncoding.EncodeToString(key),
		"url padded":      base64.URLEncoding.EncodeToString(key),
		"url unpadded":    base64.RawURLEncoding.EncodeToString(key),
		"hex lower":       hex.EncodeToString(key),
		"hex upper":       strings.ToUpper(hex.EncodeToString(key)),
		"trailing spaces": " " + base64.StdEncoding.EncodeToString(key) + "\n",
	}
	for name, s := range valid {
		got, err := DecodeKey32(s)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("%s: DecodeKey32(%q) = %x, %v", name, s, got, err)
		}
	}

	invalid := []struct {
		name, in string
		is       error
		msg      string
	}{
		{"empty", " \n", ErrKeyLength, "key has the wrong length: it is empty, want 32 bytes"},
		{"short base64", base64.StdEncoding.EncodeToString(key[:16]), ErrKeyLength, "key has the wrong length: got 16 bytes, want 32"},
		{"long base64", base64.StdEncoding.EncodeToString(append(key, key...)), ErrKeyLength, "key has the wrong length: got 64 bytes, want 32"},
		{"short hex", hex.EncodeToString(key[:16]), ErrKeyLength, "key has the wrong length: got 32 hex characters (16 bytes), want 64 (32 bytes)"},
		{"not an encoding", "correct horse battery staple!", ErrKeyEncoding, "key is neither base64 nor 64 hex characters"},
		{"mixed alphabets", "ab+_" + base64.RawStdEncoding.EncodeToString(key)[4:], ErrKeyEncoding, "key is neither base64 nor 64 hex characters"},
		{"hex with one bad char", hex.EncodeToString(key)[:63] + "g", ErrKeyEncoding, "key is neither base64 nor 64 hex characters: it is 64 characters but not valid hex"},
	}
	for _, tt := range invalid {
		got, err := DecodeKey32(tt.in)
		if got != nil || !errors.Is(err, tt.is) || err.Error() != tt.msg {
			t.Errorf("%s: DecodeKey32 = %x, %v; want %q", tt.name, got, err, tt.msg)
		}
		if len(tt.in) > 4 && strings.Contains(err.Error(), tt.in[:5]) {
			t.Errorf("%s: error %q repeats the key", tt.name, err)
		}
	}
}
