package token

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxTokenSize is the largest token Verify reads, in bytes; longer input is
// refused before any decoding. Mint refuses to produce a larger token.
const MaxTokenSize = 8 << 10

// Access token media types (RFC 9068 §2.1). The typ header is compared
// case-insensitively, with or without the "application/" prefix (RFC 7515
// §4.1.9).
const (
	// TypeAccessToken is the typ header of an RFC 9068 access token.
	TypeAccessToken = "at+jwt"
	// TypeJWT is the conventional typ of other JWTs, such as ID tokens.
	TypeJWT = "JWT"
)

// maxHeaderParams bounds the header parameters besides alg, kid and typ
// that Verify reads; real headers have none or one or two (x5t, cty).
const maxHeaderParams = 8

// header is what Verify reads from the JOSE header: the only decoding of
// it, so the values checked are the values used.
type header struct {
	alg, kid, typ string
	hasTyp        bool
}

// Bits marking which header parameters were seen.
const (
	seenAlg = 1 << iota
	seenKid
	seenTyp
)

// forbiddenHeader reports whether a header parameter is refused outright.
// jku, x5u, jwk and x5c let a token name or carry its own verification key
// (RFC 8725 §3.10); crit names extensions that must be understood and we
// understand none (RFC 7515 §4.1.11); b64 (RFC 7797) is only meaningful with
// crit.
func forbiddenHeader(name string) bool {
	switch name {
	case "jku", "x5u", "jwk", "x5c", "crit", "b64":
		return true
	}
	return false
}

// isBase64URL reports whether c is in the base64url alphabet.
func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// splitCompact checks the shape of a compact JWS and returns the end of the
// header segment and the start of the signature segment. Only base64url
// characters and exactly two dots are allowed: no padding, no whitespace
// (which Go's base64 decoder would otherwise skip), no standard-alphabet
// characters. The last character of each segment must carry no stray bits,
// so every token has exactly one spelling of its bytes.
func splitCompact(raw string) (hdrEnd, sigStart int, err error) {
	if len(raw) > MaxTokenSize {
		return 0, 0, reject(ErrMalformed, "token is %d bytes, limit is %d", len(raw), MaxTokenSize)
	}
	dots, start := 0, 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '.' {
			if err := checkSegmentEnd(raw[start:i], dots); err != nil {
				return 0, 0, err
			}
			dots++
			switch dots {
			case 1:
				hdrEnd = i
			case 2:
				sigStart = i + 1
			default:
				return 0, 0, reject(ErrMalformed, "more than three segments")
			}
			start = i + 1
			continue
		}
		if !isBase64URL(c) {
			return 0, 0, reject(ErrMalformed, "byte 0x%02x at offset %d is not base64url", c, i)
		}
	}
	if dots != 2 {
		return 0, 0, reject(ErrMalformed, "%d segments, want 3", dots+1)
	}
	if err := checkSegmentEnd(raw[start:], dots); err != nil {
		return 0, 0, err
	}
	if hdrEnd == 0 || sigStart-1 == hdrEnd+1 {
		return 0, 0, reject(ErrMalformed, "empty header or payload")
	}
	return hdrEnd, sigStart, nil
}

// checkSegmentEnd refuses a base64url segment whose length is impossible or
// whose final character has non-zero unused bits (RFC 4648 §3.5).
func checkSegmentEnd(seg string, index int) error {
	var unused byte
	switch len(seg) % 4 {
	case 0:
		return nil
	case 1:
		return reject(ErrMalformed, "segment %d has an impossible base64url length", index+1)
	case 2:
		unused = 0x0f
	case 3:
		unused = 0x03
	}
	if base64Value(seg[len(seg)-1])&unused != 0 {
		return reject(ErrMalformed, "segment %d is not canonical base64url", index+1)
	}
	return nil
}

// base64Value is the 6-bit value of a base64url character.
func base64Value(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c - 'A'
	case 'a' <= c && c <= 'z':
		return c - 'a' + 26
	case '0' <= c && c <= '9':
		return c - '0' + 52
	case c == '-':
		return 62
	default:
		return 63
	}
}

// parseHeader decodes and vets the JOSE header: valid UTF-8 JSON object, no
// duplicate names, alg/kid/typ strings, no forbidden parameter.
func parseHeader(seg string) (*header, error) {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return nil, reject(ErrMalformed, "header is not base64url")
	}
	if !utf8.Valid(b) || !json.Valid(b) {
		return nil, reject(ErrMalformed, "header is not JSON")
	}
	h := &header{}
	var seen uint
	var others []string
	err = eachMember(b, func(name, raw []byte) error {
		var bit uint
		var err error
		switch string(name) {
		case "alg":
			bit = seenAlg
			h.alg, err = jsonString(raw)
		case "kid":
			bit = seenKid
			h.kid, err = jsonString(raw)
		case "typ":
			bit = seenTyp
			h.typ, err = jsonString(raw)
			h.hasTyp = true
		default:
			n := string(name)
			if forbiddenHeader(n) {
				return reject(ErrForbiddenHeader, "header parameter %q is not accepted", n)
			}
			if len(others) == maxHeaderParams {
				return reject(ErrMalformed, "header has more than %d parameters", maxHeaderParams)
			}
			for _, o := range others {
				if o == n {
					return reject(ErrMalformed, "duplicate header parameter %s", quoteShort(n))
				}
			}
			others = append(others, n)
			return nil
		}
		if err != nil {
			return reject(ErrMalformed, "header parameter %q is not a string", name)
		}
		if seen&bit != 0 {
			return reject(ErrMalformed, "duplicate header parameter %q", name)
		}
		seen |= bit
		return nil
	})
	if err != nil {
		if r := (*rejection)(nil); errors.As(err, &r) {
			return nil, err
		}
		return nil, reject(ErrMalformed, "header is not a JSON object")
	}
	return h, nil
}

// normalizeType lower-cases a typ value and strips "application/", so that
// "application/AT+JWT" and "at+jwt" compare equal (RFC 7515 §4.1.9).
func normalizeType(t string) string {
	t = strings.ToLower(t)
	return strings.TrimPrefix(t, "application/")
}

// checkAlg refuses a header alg that no key of ours can have: missing, none
// in any spelling, HMAC, or anything unsupported.
func checkAlg(alg string) error {
	switch Alg(alg) {
	case ES256, RS256, EdDSA:
		return nil
	case "":
		return reject(ErrWrongAlgorithm, "header has no alg")
	}
	return reject(ErrWrongAlgorithm, "alg %s is not accepted", quoteShort(alg))
}

// quoteShort quotes s for an error message, cut to 64 bytes so an attacker
// cannot make log lines long.
func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return fmt.Sprintf("%q", s)
}
