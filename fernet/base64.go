package fernet

// This file holds the token and key decoder. It mirrors Python's
// base64.urlsafe_b64decode (binascii.a2b_base64 in its default, non-strict
// mode, after mapping '-' to '+' and '_' to '/'), because that is what
// cryptography's Fernet uses, with the two restrictions that the Fernet spec's
// invalid.json requires and Python does not apply.

// decodeErrKind says why decodeBase64 refused its input.
type decodeErrKind int

const (
	decodeOK decodeErrKind = iota
	// decodeBadChar: a byte that is neither in either base64 alphabet, nor
	// '=', nor ASCII whitespace. Python skips such bytes; the spec rejects them.
	decodeBadChar
	// decodeTrailing: something other than whitespace after the padding that
	// ends the data. Python ignores it; the spec rejects it.
	decodeTrailing
	// decodePadding: the data does not end on a whole group and is not padded
	// correctly. Python rejects this too ("Incorrect padding").
	decodePadding
)

// invalidSextet marks bytes outside both base64 alphabets in b64Sextet.
const invalidSextet = 0xff

// b64Sextet maps a byte to its 6-bit value in the standard or URL-safe
// alphabet, or to invalidSextet.
var b64Sextet = func() [256]byte {
	var t [256]byte
	for i := range t {
		t[i] = invalidSextet
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(std); i++ {
		t[std[i]] = byte(i)
	}
	t['-'] = 62
	t['_'] = 63
	return t
}()

// isPySpace reports whether c is ASCII whitespace as Python's bytes.isspace
// defines it.
func isPySpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return false
}

// decodeBase64 decodes s as Python's base64.urlsafe_b64decode does:
// ASCII whitespace is ignored anywhere, both the URL-safe ('-', '_') and the
// standard ('+', '/') alphabets are accepted, '=' that does not complete a
// group is ignored, the data must end on a whole group or be padded
// correctly, and unused low bits of the last character are ignored. Unlike
// Python it refuses any other byte (decodeBadChar) and anything but
// whitespace after the padding that ends the data (decodeTrailing). When it
// refuses, off is the offset of the offending byte (or len(s) for padding).
func decodeBase64(s []byte) (out []byte, kind decodeErrKind, off int) {
	out = make([]byte, 0, len(s)/4*3+3)
	quad, pads := 0, 0
	var left byte
	done := false
	for i, c := range s {
		if done {
			if !isPySpace(c) {
				return nil, decodeTrailing, i
			}
			continue
		}
		if c == '=' {
			// Python: if (quad_pos >= 2 && quad_pos + ++pads >= 4) stop.
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					done = true
				}
			}
			continue
		}
		v := b64Sextet[c]
		if v == invalidSextet {
			if isPySpace(c) {
				continue
			}
			return nil, decodeBadChar, i
		}
		pads = 0
		switch quad {
		case 0:
			left = v
			quad = 1
		case 1:
			out = append(out, left<<2|v>>4)
			left = v & 0x0f
			quad = 2
		case 2:
			out = append(out, left<<4|v>>2)
			left = v & 0x03
			quad = 3
		case 3:
			out = append(out, left<<6|v)
			left = 0
			quad = 0
		}
	}
	if !done && quad != 0 {
		return nil, decodePadding, len(s)
	}
	return out, decodeOK, 0
}
