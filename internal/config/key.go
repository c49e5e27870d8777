package config

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length in bytes of the master key.
const KeySize = 32

// ErrKeyEncoding is returned by DecodeKey32 for text that is neither base64
// nor hex; ErrKeyLength for text that decodes to the wrong number of bytes.
var (
	ErrKeyEncoding = errors.New("key is neither base64 nor 64 hex characters")
	ErrKeyLength   = errors.New("key has the wrong length")
)

// DecodeKey32 decodes a 32-byte key written as 64 hex characters or as
// base64 (standard or URL-safe alphabet, padded or not). Whitespace around
// the key, such as a file's trailing newline, is ignored. Its errors never
// contain the key or any part of it.
func DecodeKey32(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("%w: it is empty, want %d bytes", ErrKeyLength, KeySize)
	}
	if b, err := hex.DecodeString(s); err == nil {
		if len(b) != KeySize {
			return nil, fmt.Errorf("%w: got %d hex characters (%d bytes), want %d (%d bytes)", ErrKeyLength, len(s), len(b), 2*KeySize, KeySize)
		}
		return b, nil
	}
	if len(s) == 2*KeySize {
		// As base64 this would be 48 bytes: it is meant as hex.
		return nil, fmt.Errorf("%w: it is %d characters but not valid hex", ErrKeyEncoding, len(s))
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		b, err := enc.Strict().DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) != KeySize {
			return nil, fmt.Errorf("%w: got %d bytes, want %d", ErrKeyLength, len(b), KeySize)
		}
		return b, nil
	}
	return nil, ErrKeyEncoding
}
