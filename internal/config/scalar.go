package config

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file turns one scalar's text — from a YAML file or an environment
// variable — into a typed value, with the same rules and messages for both.

// setScalar parses text into v, which must be settable and of a type
// isScalarType accepts. The error, if any, is a message without key or
// location; it quotes text only when v is not a Secret.
func setScalar(v reflect.Value, text string) error {
	t := v.Type()
	if reflect.PointerTo(t).Implements(textUnmarshalerType) && v.CanAddr() {
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(text)); err != nil {
			if t == secretType {
				return errors.New("invalid value")
			}
			return err
		}
		return nil
	}
	if t == durationType {
		d, err := parseDuration(text)
		if err != nil {
			return err
		}
		v.SetInt(int64(d))
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		v.SetString(text)
	case reflect.Bool:
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "true":
			v.SetBool(true)
		case "false":
			v.SetBool(false)
		default:
			return fmt.Errorf("expected true or false, got %s", quoteValue(text))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := parseInt(text, t.Bits())
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				lo, hi := -int64(1)<<(t.Bits()-1), int64(1)<<(t.Bits()-1)-1
				return fmt.Errorf("expected an integer from %d to %d, got %s", lo, hi, quoteValue(text))
			}
			return fmt.Errorf("expected an integer, got %s", quoteValue(text))
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := parseInt(text, 64)
		hi := uint64(math.MaxUint64) >> (64 - t.Bits())
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("expected an integer, got %s", quoteValue(text))
		}
		if err != nil || n < 0 || uint64(n) > hi {
			return fmt.Errorf("expected an integer from 0 to %d, got %s", hi, quoteValue(text))
		}
		v.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(text), t.Bits())
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("expected a number, got %s", quoteValue(text))
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("rampart cannot read a %s from text (internal error)", t)
	}
	return nil
}

// parseInt parses a decimal integer, or one with a 0x, 0o or 0b prefix;
// underscores may group digits ("1_000"). A leading zero does not mean octal.
func parseInt(text string, bits int) (int64, error) {
	s := strings.TrimSpace(text)
	digits := strings.TrimLeft(s, "+-")
	if len(digits) > 1 && digits[0] == '0' && strings.ContainsRune("xXoObB", rune(digits[1])) {
		return strconv.ParseInt(s, 0, bits)
	}
	if strings.HasPrefix(digits, "_") || strings.HasSuffix(digits, "_") || strings.Contains(digits, "__") {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, bits)
}

// parseDuration parses a Go duration ("15s", "1h30m") or a number of days
// ("90d"), optionally followed by a Go duration ("1d12h").
func parseDuration(text string) (time.Duration, error) {
	s := strings.TrimSpace(text)
	bad := func() error {
		if _, err := strconv.ParseFloat(s, 64); err == nil && s != "0" {
			return fmt.Errorf("expected a duration like \"15s\", got %s (add a unit: ms, s, m, h or d)", quoteValue(text))
		}
		return fmt.Errorf("expected a duration like \"15s\", got %s", quoteValue(text))
	}
	body, neg := s, false
	if rest, ok := strings.CutPrefix(body, "-"); ok {
		body, neg = rest, true
	} else if rest, ok := strings.CutPrefix(body, "+"); ok {
		body = rest
	}
	var d time.Duration
	if i := strings.IndexByte(body, 'd'); i > 0 && allDigits(body[:i]) {
		days, err := strconv.ParseInt(body[:i], 10, 64)
		if err != nil || days > int64(math.MaxInt64/(24*time.Hour)) {
			return 0, bad()
		}
		d = time.Duration(days) * 24 * time.Hour
		if rest := body[i+1:]; rest != "" {
			if rest[0] == '-' || rest[0] == '+' {
				return 0, bad()
			}
			r, err := time.ParseDuration(rest)
			if err != nil || r > math.MaxInt64-d {
				return 0, bad()
			}
			d += r
		}
	} else {
		if body == "" || body[0] == '-' || body[0] == '+' {
			return 0, bad()
		}
		var err error
		if d, err = time.ParseDuration(body); err != nil {
			return 0, bad()
		}
	}
	if neg {
		d = -d
	}
	return d, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// formatDuration renders d the way a person writes it in the file: "15m",
// "1h30m", "720h" rather than Go's "15m0s".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// maxQuoted bounds how much of a bad value an error message repeats.
const maxQuoted = 48

// quoteValue quotes a value for an error message, shortened when long.
func quoteValue(s string) string {
	if len(s) > maxQuoted {
		cut := maxQuoted
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}
