package telemetry

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// FuzzMaskQuery checks that MaskQuery never panics and never lets the value
// of a credential parameter through.
func FuzzMaskQuery(f *testing.F) {
	for _, s := range []string{"", "a=1", "access_token=abc&x=2", "code=c&state=s", "%zz=1&token=%", "a=Bearer+xyz0123", "&&=&token=&=x",
		"acc%65ss_token=secretvalue", "client_secret=s%20p&password=p+w"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out := MaskQuery(raw)
		for _, part := range strings.Split(out, "&") {
			name, value, ok := strings.Cut(part, "=")
			if !ok || value == "" {
				continue
			}
			n, err := url.QueryUnescape(name)
			if err != nil {
				n = name
			}
			if SensitiveParam(n) && value != Redacted {
				t.Fatalf("MaskQuery(%q) = %q lets %s through", raw, out, name)
			}
		}
		if MaskQuery(out) != out {
			t.Fatalf("MaskQuery is not stable on %q: %q then %q", raw, out, MaskQuery(out))
		}
	})
}

// FuzzScrub checks that Scrub never panics, keeps text with nothing to mask
// as it is, and masks a bearer credential wherever it is put.
func FuzzScrub(f *testing.F) {
	for _, s := range []string{"", "plain text", "Bearer abc", "password=x", `{"token":"t"}`, "postgres://u:p@h/d", "a://@", "://:@",
		"Cookie: a=b", "eyJa.eyJb.c", "rk_0123456789abcdef"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Scrub(s)
		if !needsScrub(s) && out != s {
			t.Fatalf("Scrub(%q) changed text it said needs nothing: %q", s, out)
		}
		const cred = "Zq9xK2mWv7Lp4Rt8Ny3Bc6Hd1Fg5Js0A"
		if got := Scrub(s + " Authorization: Bearer " + cred); strings.Contains(got, cred) {
			t.Fatalf("credential kept after %q: %q", s, got)
		}
	})
}

// FuzzAppendJSONString checks the access log's string encoder against
// encoding/json: the output always parses, and to the same text json.Marshal
// keeps (invalid UTF-8 replaced by U+FFFD).
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"uote\back`, "ctl\x00\x01\x1f\x7f", "new\nline\r\t", "bad\xffutf8\xc3", "sep\u2028\u2029", "héllo ✓ 😀", "</script>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendJSONString([]byte("x"), s)[1:]
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("appendJSONString(%q) = %s: not JSON: %v", s, out, err)
		}
		ref, _ := json.Marshal(s)
		var want string
		if err := json.Unmarshal(ref, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("appendJSONString(%q) decodes to %q, json.Marshal's to %q", s, got, want)
		}
		for _, c := range out {
			if c < 0x20 {
				t.Fatalf("appendJSONString(%q) = %q keeps a raw control byte", s, out)
			}
		}
	})
}
