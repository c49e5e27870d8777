package fernet

import (
	"bytes"
	"encoding/base64"
	"testing"
)

func TestFernetDecodeBase64(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string // decoded bytes; ignored unless kind is decodeOK
		kind decodeErrKind
		off  int
	}{
		{"empty", "", "", decodeOK, 0},
		{"one group", "YWJj", "abc", decodeOK, 0},
		{"double pad", "YQ==", "a", decodeOK, 0},
		{"single pad", "YWI=", "ab", decodeOK, 0},
		{"url-safe chars", "-_-_", "\xfb\xff\xbf", decodeOK, 0},
		{"standard chars", "+/+/", "\xfb\xff\xbf", decodeOK, 0},
		{"mixed alphabets", "-/+_", "\xfb\xff\xbf", decodeOK, 0},
		{"whitespace anywhere", " Y\tW\nJ\rj\v\f ", "abc", decodeOK, 0},
		{"whitespace after padding", "YQ== \n", "a", decodeOK, 0},
		{"pad at group start ignored", "=YWJj", "abc", decodeOK, 0},
		{"pad after one char ignored", "Y=WJj", "abc", decodeOK, 0},
		{"lone pad after two chars then data", "YW=Jj", "abc", decodeOK, 0},
		{"pads split by whitespace", "YQ= =", "a", decodeOK, 0},
		{"extra pads after a whole group", "YWJj====", "abc", decodeOK, 0},
		{"unused bits set", "YR==", "a", decodeOK, 0},
		{"missing double pad", "YQ", "", decodePadding, 2},
		{"missing single pad", "YWI", "", decodePadding, 3},
		{"one pad short", "YQ=", "", decodePadding, 3},
		{"one char", "Y", "", decodePadding, 1},
		{"five chars", "YWJjZ", "", decodePadding, 5},
		{"bad char", "YW*Jj", "", decodeBadChar, 2},
		{"non-ASCII", "YW\xffJj", "", decodeBadChar, 2},
		{"NUL", "\x00YWJj", "", decodeBadChar, 0},
		{"data after padding", "YQ==YWJj", "", decodeTrailing, 4},
		{"pad after padding", "YQ===", "", decodeTrailing, 4},
		{"early double pad ends the data", "YW==Jj", "", decodeTrailing, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, kind, off := decodeBase64([]byte(tc.in))
			if kind != tc.kind || off != tc.off {
				t.Fatalf("decodeBase64(%q) kind %d at %d, want %d at %d", tc.in, kind, off, tc.kind, tc.off)
			}
			if kind == decodeOK && string(got) != tc.want {
				t.Errorf("decodeBase64(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if kind != decodeOK && got != nil {
				t.Errorf("refusal returned data %q", got)
			}
		})
	}
}

// FuzzDecodeBase64 checks the decoder against encoding/base64 on what both
// must agree: canonical encodings decode the same, and whatever the decoder
// accepts re-encodes to something it decodes identically.
func FuzzDecodeBase64(f *testing.F) {
	for _, s := range []string{"", "YQ==", "YWI=", "YWJj", " Y W\nJj", "YQ===", "*", "-_+/"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, kind, _ := decodeBase64(in)
		if want, err := base64.URLEncoding.Strict().DecodeString(string(in)); err == nil {
			if kind != decodeOK || !bytes.Equal(got, want) {
				t.Fatalf("canonical %q: got %q kind %d, want %q", in, got, kind, want)
			}
		}
		if kind != decodeOK {
			return
		}
		again, kind2, _ := decodeBase64([]byte(base64.URLEncoding.EncodeToString(got)))
		if kind2 != decodeOK || !bytes.Equal(again, got) {
			t.Fatalf("re-encoding of %q does not decode back", in)
		}
	})
}
