package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"
)

// This file walks the top level of a JSON object without reflection, so that
// claims and headers are read with exact (case-sensitive) member names,
// duplicate names can be refused, and the hot path allocates little.
// encoding/json does the validation: every caller calls json.Valid first
// (parseHeader, wireClaims.decodeSegment) or receives bytes encoding/json
// has already checked (UnmarshalJSON called by encoding/json). The walker
// still bounds-checks every index, so invalid input yields an error, never
// a panic.

// Errors of the walker and the value decoders.
var (
	errJSON           = errors.New("not the JSON expected")
	errNotString      = errors.New("not a JSON string")
	errNotStrings     = errors.New("not a JSON array of strings")
	errNotNumericDate = errors.New("not a NumericDate (a JSON number from 0 to 253402300799)")
)

// isSpace reports whether c is JSON insignificant whitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// scanString returns the index just past the string literal starting at
// b[i] == '"' and whether the literal contains escapes.
func scanString(b []byte, i int) (end int, escaped bool, err error) {
	if i >= len(b) || b[i] != '"' {
		return 0, false, errJSON
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '"':
			return j + 1, escaped, nil
		case '\\':
			escaped = true
			j++ // skip the escaped byte; \uXXXX digits are plain bytes
		}
	}
	return 0, false, errJSON
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errJSON
	}
	switch b[i] {
	case '"':
		end, _, err := scanString(b, i)
		return end, err
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, _, err := scanString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errJSON
	default: // number, true, false, null
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && !isSpace(b[j]) {
			j++
		}
		if j == i {
			return 0, errJSON
		}
		return j, nil
	}
}

// eachMember calls fn with the name and raw value of every member of the
// JSON object in b, in order. A name with escapes is unescaped first.
func eachMember(b []byte, fn func(name, value []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errJSON
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return trailing(b, i+1)
	}
	for {
		end, escaped, err := scanString(b, i)
		if err != nil {
			return err
		}
		name := b[i+1 : end-1]
		if escaped {
			var s string
			if err := json.Unmarshal(b[i:end], &s); err != nil {
				return errJSON
			}
			name = []byte(s)
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return errJSON
		}
		i = skipSpace(b, i+1)
		vend, err := skipValue(b, i)
		if err != nil {
			return err
		}
		if err := fn(name, b[i:vend]); err != nil {
			return err
		}
		i = skipSpace(b, vend)
		if i >= len(b) {
			return errJSON
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return trailing(b, i+1)
		default:
			return errJSON
		}
	}
}

// eachElement calls fn with every raw element of the JSON array in b.
func eachElement(b []byte, fn func(value []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return errJSON
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return trailing(b, i+1)
	}
	for {
		end, err := skipValue(b, i)
		if err != nil {
			return err
		}
		if err := fn(b[i:end]); err != nil {
			return err
		}
		i = skipSpace(b, end)
		if i >= len(b) {
			return errJSON
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			return trailing(b, i+1)
		default:
			return errJSON
		}
	}
}

// trailing fails unless only whitespace follows index i.
func trailing(b []byte, i int) error {
	if skipSpace(b, i) != len(b) {
		return errJSON
	}
	return nil
}

// jsonString decodes a JSON string literal. It refuses every other kind of
// value, null included.
func jsonString(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", errNotString
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errNotString
	}
	return s, nil
}

// jsonStrings decodes a JSON array of strings.
func jsonStrings(raw []byte) ([]string, error) {
	var out []string
	err := eachElement(raw, func(v []byte) error {
		s, err := jsonString(v)
		if err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, errNotStrings
	}
	return out, nil
}

// maxNumericDate is 9999-12-31T23:59:59Z, the last second any JWT time
// claim may name; it keeps every accepted value exact in a float64 and
// representable as a time.Time.
const maxNumericDate = 253402300799

// jsonNumericDate decodes an RFC 7519 NumericDate: a JSON number of seconds
// since the epoch, possibly fractional, between 0 and maxNumericDate.
func jsonNumericDate(raw []byte) (time.Time, error) {
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return time.Time{}, errNotNumericDate
	}
	// Fast path: a plain non-negative integer, as every issuer sends.
	if len(raw) <= 12 {
		var n int64
		plain := true
		for _, c := range raw {
			if c < '0' || c > '9' {
				plain = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if plain {
			if n > maxNumericDate {
				return time.Time{}, errNotNumericDate
			}
			return time.Unix(n, 0).UTC(), nil
		}
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, errNotNumericDate
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}
