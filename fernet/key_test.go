package fernet

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestFernetDecodeKey(t *testing.T) {
	t.Parallel()
	raw, _ := base64.URLEncoding.DecodeString(testKey1)
	std := base64.StdEncoding.EncodeToString(raw)
	if std == testKey1 {
		t.Fatal("test key should contain '-' or '_'")
	}
	tests := []struct {
		name string
		in   string
		want string // substring of the error; "" means success
	}{
		{"canonical", testKey1, ""},
		{"trailing newline", testKey1 + "\n", ""},
		{"surrounding whitespace", " \t" + testKey1 + "\r\n", ""},
		{"standard alphabet, as Python accepts", std, ""},
		{"empty", "", "decodes to 0 bytes, want 32"},
		{"whitespace only", " \n", "decodes to 0 bytes, want 32"},
		{"16 bytes", base64.URLEncoding.EncodeToString(raw[:16]), "decodes to 16 bytes, want 32"},
		{"31 bytes", base64.URLEncoding.EncodeToString(raw[:31]), "decodes to 31 bytes, want 32"},
		{"33 bytes", base64.URLEncoding.EncodeToString(append(bytes.Clone(raw), 1)), "decodes to 33 bytes, want 32"},
		{"64 bytes", base64.URLEncoding.EncodeToString(append(bytes.Clone(raw), raw...)), "decodes to 64 bytes, want 32"},
		{"missing padding", strings.TrimRight(testKey1, "="), "incorrect padding"},
		{"one character short", testKey1[:42] + "=", "incorrect padding"},
		{"hex instead of base64", hex.EncodeToString(raw), "decodes to 48 bytes, want 32"},
		{"invalid character", "*" + testKey1[1:], "unexpected character at offset 0"},
		{"data after padding", testKey1 + "x", "data after padding at offset 44"},
		{"non-ASCII", "é" + testKey1, "non-ASCII byte at offset 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, err := DecodeKey(tc.in)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("DecodeKey: %v", err)
				}
				if k.Encode() != testKey1 {
					t.Errorf("Encode = %s, want the canonical %s", k.Encode(), testKey1)
				}
				return
			}
			if err == nil || k != nil {
				t.Fatalf("DecodeKey = %v, %v; want an error", k, err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "fernet: invalid key: ") {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
			if !errors.Is(err, ErrInvalidKey) {
				t.Error("error is not ErrInvalidKey")
			}
			var ke *KeyError
			if !errors.As(err, &ke) || ke.Reason == "" {
				t.Error("error is not a *KeyError with a reason")
			}
			if len(tc.in) > 8 && strings.Contains(err.Error(), strings.TrimSpace(tc.in)[1:9]) {
				t.Errorf("error %q echoes the key", err)
			}
		})
	}
}

func TestFernetGenerateKey(t *testing.T) {
	t.Parallel()
	seq := make([]byte, KeySize)
	for i := range seq {
		seq[i] = byte(i)
	}
	k, err := GenerateKey(bytes.NewReader(seq))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := k.Encode(), base64.URLEncoding.EncodeToString(seq); got != want || len(got) != 44 {
		t.Errorf("Encode = %s, want %s", got, want)
	}
	k2, err := DecodeKey(k.Encode())
	if err != nil || !k.Equal(k2) {
		t.Errorf("DecodeKey(Encode()) = %v, %v; want an equal key", k2, err)
	}
	r1, err := GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := GenerateKey(nil)
	if r1.Equal(r2) || r1.Equal(k) {
		t.Error("GenerateKey(nil) repeated a key")
	}
	if _, err := New([]*Key{r1}); err != nil {
		t.Errorf("generated key unusable: %v", err)
	}
	for _, r := range []struct {
		name string
		r    *bytes.Reader
	}{{"short", bytes.NewReader(seq[:31])}, {"empty", bytes.NewReader(nil)}} {
		if k, err := GenerateKey(r.r); err == nil || k != nil {
			t.Errorf("%s reader: GenerateKey = %v, %v; want an error", r.name, k, err)
		}
	}
	if _, err := GenerateKey(failingReader{}); err == nil || !strings.Contains(err.Error(), "entropy pool on fire") {
		t.Errorf("failing reader: %v", err)
	}
}

func TestFernetKeyEqual(t *testing.T) {
	t.Parallel()
	a, b, c := mustKey(t, testKey1), mustKey(t, testKey1), mustKey(t, testKey2)
	var nilKey *Key
	tests := []struct {
		name string
		x, y *Key
		want bool
	}{
		{"same material", a, b, true},
		{"different", a, c, false},
		{"nil and key", nilKey, a, false},
		{"key and nil", a, nilKey, false},
		{"both nil", nilKey, nilKey, true},
		{"zero Key vs decoded zero key", &Key{}, mustKey(t, base64.URLEncoding.EncodeToString(make([]byte, 32))), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.x.Equal(tc.y); got != tc.want {
				t.Errorf("Equal = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFernetSecretsNeverPrint(t *testing.T) {
	t.Parallel()
	k := mustKey(t, testKey1)
	f := mustNew(t, []string{testKey1, testKey2})
	// Every representation of the key material that must not appear.
	var forbidden []string
	for _, s := range []string{testKey1, testKey2} {
		raw, _ := base64.URLEncoding.DecodeString(s)
		forbidden = append(forbidden,
			s[:12], hex.EncodeToString(raw[:6]), hex.EncodeToString(raw[16:22]),
			fmt.Sprint(raw[:4])[1:10], fmt.Sprint(raw[16:20])[1:10],
		)
	}
	var outs []string
	for _, v := range []any{k, *k, f, *f, []*Key{k}, struct{ K *Key }{k}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%o", "%b"} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
	}
	outs = append(outs, k.String(), k.GoString(), f.String())
	j, err := json.Marshal(map[string]any{"key": k, "keyval": *k})
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j))
	var logBuf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logBuf, nil))
	logger.Info("loaded", "key", k, "keyval", *k, "fernet", f)
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("loaded", "key", k, "fernet", f)
	outs = append(outs, logBuf.String())
	for _, out := range outs {
		for _, bad := range forbidden {
			if strings.Contains(out, bad) {
				t.Fatalf("output %q contains key material %q", out, bad)
			}
		}
	}
	if !strings.Contains(fmt.Sprint(k), "REDACTED") || !strings.Contains(string(j), "REDACTED") || !strings.Contains(logBuf.String(), "REDACTED") {
		t.Errorf("redaction marker missing: %q %q %q", fmt.Sprint(k), j, logBuf.String())
	}
}
