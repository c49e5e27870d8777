package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// update rewrites the committed fuzz seeds under testdata/fuzz:
//
//	go test ./token -run TestFuzzSeeds -update
var update = flag.Bool("update", false, "rewrite the fuzz seed corpus under testdata/fuzz")

// FuzzVerify feeds arbitrary strings to a Verifier holding the fixture's
// keys at a fixed time. Verify must never panic; every rejection must wrap
// ErrInvalidToken and exactly one reason; and it may accept only a token
// whose signing input (header.payload) the fixture itself minted: the
// signature bytes may differ only by ECDSA's (r, n-s) twin. Seeds live in
// testdata/fuzz/FuzzVerify: the valid tokens and every hostile token of
// hostile_test.go.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	minted := fx.signingInputs(f)
	for _, k := range []*Key{fx.es, fx.rs, fx.ed} {
		f.Add(fx.valid(f, k))
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := fx.v.Verify(raw)
		if err != nil {
			if c != nil {
				t.Fatalf("claims %+v returned with error %v", c, err)
			}
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("error %q does not wrap ErrInvalidToken", err)
			}
			if n := len(reasonsOf(err)); n != 1 {
				t.Fatalf("error %q matches %d reasons", err, n)
			}
			return
		}
		if !minted[raw[:strings.LastIndexByte(raw, '.')]] {
			t.Fatalf("accepted a token the fixture never minted: %q", raw)
		}
		if c.Issuer != testIssuer || c.Subject != "user-42" || !slices.Equal(c.Audience, []string{testAudience}) {
			t.Fatalf("accepted claims %+v", c)
		}
	})
}

// FuzzClaimsJSON checks the hand-written claims decoder against
// encoding/json: on any valid JSON text, it must accept exactly when
// encoding/json finds an object without duplicate names whose registered
// claims have the right types, and then agree on every value.
func FuzzClaimsJSON(f *testing.F) {
	for _, s := range claimsSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return // encoding/json rejects it before the decoder ever runs
		}
		var w wireClaims
		err := w.UnmarshalJSON(data)
		want, ok := referenceClaims(data)
		if (err == nil) != ok {
			t.Fatalf("decoder error %v, reference ok %v, for %q", err, ok, data)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %q is not ErrMalformed", err)
			}
			return
		}
		got := w.c
		if !claimsEqual(normalizeEmpty(got), normalizeEmpty(want)) {
			t.Fatalf("decoded\n%#v\nwant\n%#v\nfor %q", got, want, data)
		}
	})
}

// normalizeEmpty makes empty and nil slices compare equal.
func normalizeEmpty(c Claims) Claims {
	for _, s := range []*[]string{&c.Audience, &c.Scopes, &c.Roles} {
		if len(*s) == 0 {
			*s = nil
		}
	}
	return c
}

// referenceClaims decodes claims with encoding/json alone, applying the
// decoder's rules: an object, no duplicate names, registered claims of the
// right type (null is not), times between 0 and year 9999.
func referenceClaims(data []byte) (Claims, bool) {
	var c Claims
	if !utf8.Valid(data) {
		return c, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return c, false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return c, false
		}
		name := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return c, false
		}
		if seen[name] {
			return c, false
		}
		seen[name] = true
		if bytes.Equal(raw, []byte("null")) && reservedExact(name) {
			return c, false
		}
		str := func(dst *string) bool { return json.Unmarshal(raw, dst) == nil }
		strs := func(dst *[]string) bool { return raw[0] == '[' && json.Unmarshal(raw, dst) == nil }
		date := func(dst *time.Time) bool {
			if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
				return false
			}
			f, err := strconv.ParseFloat(string(raw), 64)
			if err != nil || f < 0 || f > maxNumericDate {
				return false
			}
			sec, frac := math.Modf(f)
			*dst = time.Unix(int64(sec), int64(frac*1e9)).UTC()
			return true
		}
		ok := true
		switch name {
		case "iss":
			ok = str(&c.Issuer)
		case "sub":
			ok = str(&c.Subject)
		case "jti":
			ok = str(&c.ID)
		case "client_id":
			ok = str(&c.ClientID)
		case "scope":
			var s string
			ok = str(&s)
			c.Scopes = strings.Fields(s)
		case "aud":
			var s string
			if raw[0] == '"' {
				ok = str(&s)
				c.Audience = []string{s}
			} else {
				ok = strs(&c.Audience)
			}
		case "roles":
			ok = strs(&c.Roles)
		case "exp":
			ok = date(&c.ExpiresAt)
		case "iat":
			ok = date(&c.IssuedAt)
		case "nbf":
			ok = date(&c.NotBefore)
		default:
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return c, false
			}
			if c.Extra == nil {
				c.Extra = map[string]any{}
			}
			c.Extra[name] = v
		}
		if !ok {
			return c, false
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return c, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return c, false
	}
	return c, true
}

// reservedExact reports whether name is a registered claim, exactly.
func reservedExact(name string) bool { return slices.Contains(reservedClaims[:], name) }

// claimsSeeds are payloads for FuzzClaimsJSON.
func claimsSeeds() []string {
	return []string{
		`{}`,
		`{"iss":"https://id.rampart.test","sub":"u","aud":"a","exp":1772366400,"iat":1772366400,"nbf":1772366400,"jti":"j","client_id":"c","scope":"a b","roles":["r"]}`,
		`{"aud":["a","b"],"exp":1.5,"x":{"exp":[1,{"}":"]"}]},"y":null}`,
		`{"\u0069ss":"x","sub":"\u00e9\ud83d\ude00","roles":[]}`,
		`{"iss":"a","iss":"b"}`,
		`{"x":1,"x":2}`,
		`{"exp":"1"}`,
		`{"exp":null}`,
		`{"exp":-1}`,
		`{"exp":1e400}`,
		`{"exp":253402300800}`,
		`{"aud":[1]}`,
		`{"roles":"r"}`,
		` { "sub" : "s" , "scope" : " a  b " } `,
		`[]`,
		`null`,
		`"x"`,
		"{\"sub\":\"\xff\"}",
	}
}

// seedFile is the Go fuzzing corpus encoding of one string or []byte.
func seedFile(v any) []byte {
	switch v := v.(type) {
	case string:
		return []byte("go test fuzz v1\nstring(" + strconv.Quote(v) + ")\n")
	case []byte:
		return []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(v)) + ")\n")
	}
	panic(fmt.Sprintf("seedFile(%T)", v))
}

// slug turns a case name into a file name.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// wantSeeds returns the seed files FuzzVerify and FuzzClaimsJSON should have.
func wantSeeds(t *testing.T) map[string][]byte {
	fx := newFixture(t)
	seeds := map[string][]byte{}
	for _, k := range []*Key{fx.es, fx.rs, fx.ed} {
		seeds[filepath.Join("FuzzVerify", "valid-"+strings.ToLower(string(k.Alg)))] = seedFile(fx.valid(t, k))
	}
	for _, tc := range hostileTokens(t, fx) {
		seeds[filepath.Join("FuzzVerify", "hostile-"+slug(tc.name))] = seedFile(tc.raw)
	}
	for i, s := range claimsSeeds() {
		seeds[filepath.Join("FuzzClaimsJSON", fmt.Sprintf("seed-%02d", i))] = seedFile([]byte(s))
	}
	return seeds
}

// TestFuzzSeeds keeps the committed corpus in step with the cases: every
// seed exists (-update writes missing and changed ones), the valid seeds
// still verify, and the hostile ones are still refused. ECDSA signatures
// differ on every run, so seeds are compared by their signing input only.
func TestFuzzSeeds(t *testing.T) {
	root := filepath.Join("testdata", "fuzz")
	want := wantSeeds(t)
	if *update {
		updateSeeds(t, root, want)
	}
	fx := newFixture(t)
	for name := range want {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatalf("seed %s missing (run go test ./token -run TestFuzzSeeds -update): %v", name, err)
		}
		if !strings.HasPrefix(name, "FuzzVerify") {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		raw, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[len(lines)-1], "string("), ")"))
		if err != nil {
			t.Fatalf("seed %s: %v", name, err)
		}
		_, err = fx.v.Verify(raw)
		if valid := strings.Contains(name, "valid-") && !strings.Contains(name, "hostile-"); valid != (err == nil) {
			t.Errorf("seed %s: Verify error %v", name, err)
		}
	}
}

// updateSeeds writes the seeds whose signed content changed, adds missing
// ones and deletes those no case produces any more. A seed whose header and
// payload are unchanged is kept, so a fresh ECDSA signature causes no churn.
func updateSeeds(t *testing.T, root string, want map[string][]byte) {
	t.Helper()
	unsigned := func(b []byte) string {
		s := string(b)
		if i := strings.LastIndexByte(s, '.'); i >= 0 {
			return s[:i]
		}
		return s
	}
	for _, dir := range []string{"FuzzVerify", "FuzzClaimsJSON"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if _, ok := want[filepath.Join(dir, e.Name())]; !ok {
				if err := os.Remove(filepath.Join(root, dir, e.Name())); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for name, b := range want {
		path := filepath.Join(root, name)
		if old, err := os.ReadFile(path); err == nil && unsigned(old) == unsigned(b) {
			continue
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
