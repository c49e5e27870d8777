package password

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// parseDjangoPBKDF2 parses pbkdf2_sha256$ITERATIONS$salt$base64hash and
// pbkdf2_sha1$.... Django verifies by re-encoding the whole string and
// comparing, so only the canonical spelling it writes can ever match: a
// decimal iteration count without leading zeros and padded standard base64.
func parseDjangoPBKDF2(encoded string) (*pbkdf2Hash, error) {
	f := strings.SplitN(encoded, "$", 4)
	if len(f) != 4 {
		return nil, malformed(DjangoPBKDF2, "want algorithm$iterations$salt$hash")
	}
	h := &pbkdf2Hash{from: DjangoPBKDF2}
	var size int
	switch f[0] {
	case "pbkdf2_sha256":
		h.digestName, h.digest, size = "sha256", sha256.New, sha256.Size
	case "pbkdf2_sha1":
		h.digestName, h.digest, size = "sha1", sha1.New, sha1.Size
	default:
		return nil, unsupportedDetail("django pbkdf2 algorithm")
	}
	var err error
	if h.iterations, err = iterations(DjangoPBKDF2, f[1]); err != nil {
		return nil, err
	}
	if f[2] == "" {
		return nil, malformed(DjangoPBKDF2, "empty salt")
	}
	h.salt = []byte(f[2])
	if h.key, err = decodeB64(base64.StdEncoding, f[3]); err != nil {
		return nil, malformed(DjangoPBKDF2, "hash: %v", err)
	}
	if len(h.key) != size {
		return nil, malformed(DjangoPBKDF2, "hash length %d, want %d for %s", len(h.key), size, f[0])
	}
	return h, nil
}
