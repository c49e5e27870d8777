package token

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewVerifierRefusesUnsafeOptions(t *testing.T) {
	t.Parallel()
	keys := func(string) (*Key, bool) { return nil, false }
	good := VerifyOptions{Issuer: testIssuer, Audiences: []string{testAudience}}
	for _, tc := range []struct {
		name string
		keys func(string) (*Key, bool)
		edit func(*VerifyOptions)
	}{
		{"nil keys", nil, func(*VerifyOptions) {}},
		{"no issuer", keys, func(o *VerifyOptions) { o.Issuer = "" }},
		{"no audiences", keys, func(o *VerifyOptions) { o.Audiences = nil }},
		{"empty audience", keys, func(o *VerifyOptions) { o.Audiences = []string{testAudience, ""} }},
		{"negative leeway", keys, func(o *VerifyOptions) { o.Leeway = -time.Second }},
		{"leeway over 5m", keys, func(o *VerifyOptions) { o.Leeway = MaxLeeway + time.Second }},
		{"type is only a prefix", keys, func(o *VerifyOptions) { o.Type = "application/" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := good
			tc.edit(&o)
			if v, err := NewVerifier(tc.keys, o); err == nil {
				t.Fatalf("NewVerifier = %v, nil; want an error", v)
			}
		})
	}
	if _, err := NewVerifier(keys, VerifyOptions{Issuer: testIssuer, Audiences: []string{testAudience}, Leeway: MaxLeeway}); err != nil {
		t.Errorf("leeway of exactly MaxLeeway: %v", err)
	}
}

func TestVerifyDefaultLeewayIs30s(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	raw := forge(t, validHeader(f.es), with(validPayload(), "exp", t0.Unix()), byKey(f.es))
	for _, tc := range []struct {
		leeway time.Duration
		at     time.Duration // after exp
		ok     bool
	}{
		{0, 29 * time.Second, true},
		{0, 30 * time.Second, false},
		{time.Second, 500 * time.Millisecond, true},
		{time.Second, time.Second, false},
		{MaxLeeway, MaxLeeway - time.Second, true},
		{MaxLeeway, MaxLeeway, false},
	} {
		v := testVerifier(t, f.set.Lookup, func(o *VerifyOptions) {
			o.Leeway = tc.leeway
			o.Now = clockAt(t0.Add(tc.at))
		})
		c, err := v.Verify(raw)
		if tc.ok && err != nil {
			t.Errorf("leeway %s, %s after exp: %v", tc.leeway, tc.at, err)
		}
		if !tc.ok {
			wantReject(t, c, err, ErrExpired)
		}
	}
}

func TestVerifyAcceptsTypeSpellings(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, typ := range []string{"at+jwt", "AT+JWT", "At+Jwt", "application/at+jwt", "Application/AT+JWT"} {
		raw := forge(t, with(validHeader(f.es), "typ", typ), validPayload(), byKey(f.es))
		if _, err := f.v.Verify(raw); err != nil {
			t.Errorf("typ %q: %v", typ, err)
		}
	}
	// A verifier configured with the long form accepts the short one.
	v := testVerifier(t, f.set.Lookup, func(o *VerifyOptions) { o.Type = "application/AT+JWT" })
	mustVerify(t, v, f.valid(t, f.es))
}

func TestVerifyAudienceMatching(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := testVerifier(t, f.set.Lookup, func(o *VerifyOptions) { o.Audiences = []string{"https://a.test", testAudience} })
	for _, aud := range []any{
		testAudience,
		"https://a.test",
		[]string{"https://x.test", testAudience},
		[]string{"https://a.test"},
	} {
		raw := forge(t, validHeader(f.es), with(validPayload(), "aud", aud), byKey(f.es))
		if _, err := v.Verify(raw); err != nil {
			t.Errorf("aud %v: %v", aud, err)
		}
	}
	// The verifier keeps its own copy of the audiences.
	auds := []string{testAudience}
	v = testVerifier(t, f.set.Lookup, func(o *VerifyOptions) { o.Audiences = auds })
	auds[0] = "https://evil.test"
	mustVerify(t, v, f.valid(t, f.es))
}

func TestVerifyReadsEveryClaim(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	payload := `{"iss":"` + testIssuer + `","sub":"u\u0031","aud":["` + testAudience + `"],` +
		`"exp":` + itoa(t0.Unix()+60) + `.5,"iat":` + itoa(t0.Unix()) + `.25,"nbf":` + itoa(t0.Unix()-10) + `,` +
		`"jti":"id","client_id":"c","scope":"  a b\tc ","roles":["r1","r\"2"],` +
		`"auth_time":` + itoa(t0.Unix()-600) + `,"acr":"1","nested":{"exp":0,"iss":"x","a":[1,{"b":"}"}]},"n":null}`
	c := mustVerify(t, f.v, forge(t, validHeader(f.es), payload, byKey(f.es)))
	want := Claims{
		Issuer: testIssuer, Subject: "u1", Audience: []string{testAudience},
		ExpiresAt: time.Unix(t0.Unix()+60, 5e8), IssuedAt: time.Unix(t0.Unix(), 25e7), NotBefore: t0.Add(-10 * time.Second),
		ID: "id", ClientID: "c", Scopes: []string{"a", "b", "c"}, Roles: []string{"r1", `r"2`},
		Extra: map[string]any{
			"auth_time": float64(t0.Unix() - 600), "acr": "1", "n": nil,
			"nested": map[string]any{"exp": float64(0), "iss": "x", "a": []any{float64(1), map[string]any{"b": "}"}}},
		},
	}
	if !claimsEqual(*c, want) {
		t.Errorf("claims\n%+v\nwant\n%+v", *c, want)
	}
}

func TestVerifyDistrustsTheKeysFunction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	raw := f.valid(t, f.es)
	for _, tc := range []struct {
		name   string
		keys   func(string) (*Key, bool)
		reason error
	}{
		{"case-insensitive lookup", func(kid string) (*Key, bool) {
			return f.es.publicOnly(), strings.EqualFold(kid, f.es.ID)
		}, nil},
		{"returns another key's id", func(string) (*Key, bool) { return f.rs.publicOnly(), true }, ErrUnknownKey},
		{"returns nil with ok", func(string) (*Key, bool) { return nil, true }, ErrUnknownKey},
		{"returns a key without public part", func(string) (*Key, bool) { return &Key{ID: f.es.ID, Alg: ES256}, true }, ErrUnknownKey},
		{"returns a key with a made-up alg", func(string) (*Key, bool) {
			return &Key{ID: f.es.ID, Alg: "HS256", Public: f.es.Public}, true
		}, ErrWrongAlgorithm},
		{"returns a key whose material is of another type", func(string) (*Key, bool) {
			return &Key{ID: f.es.ID, Alg: ES256, Public: f.rs.Public}, true
		}, ErrBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := testVerifier(t, tc.keys)
			c, err := v.Verify(raw)
			if tc.reason == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantReject(t, c, err, tc.reason)
		})
	}
}

// TestVerifyErrorsCarryOneReason checks the contract for logs and metrics:
// every rejection matches ErrInvalidToken and exactly one reason.
func TestVerifyErrorsCarryOneReason(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range hostileTokens(t, f) {
		_, err := f.v.Verify(tc.raw)
		if n := len(reasonsOf(err)); n != 1 {
			t.Errorf("%s: %q matches %d reasons", tc.name, err, n)
		}
	}
}

// allReasons lists the reason sentinels.
var allReasons = []error{
	ErrMalformed, ErrForbiddenHeader, ErrWrongAlgorithm, ErrWrongType, ErrUnknownKey, ErrBadSignature,
	ErrExpired, ErrNotYetValid, ErrWrongIssuer, ErrWrongAudience, ErrMissingClaim,
}

// reasonsOf returns the reason sentinels err matches.
func reasonsOf(err error) []error {
	var out []error
	for _, r := range allReasons {
		if errors.Is(err, r) {
			out = append(out, r)
		}
	}
	return out
}

func TestVerifyAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	f := newFixture(t)
	for _, k := range []*Key{f.es, f.rs, f.ed} {
		raw := f.valid(t, k)
		_, _, s := parts(t, raw)
		input, sig := raw[:strings.LastIndexByte(raw, '.')], decodeSeg(t, s)
		crypto := testing.AllocsPerRun(20, func() {
			if err := signingMethod(k.Alg).Verify(input, sig, k.Public); err != nil {
				t.Fatal(err)
			}
		})
		total := testing.AllocsPerRun(50, func() {
			if _, err := f.v.Verify(raw); err != nil {
				t.Fatal(err)
			}
		})
		// Most of the overhead is golang-jwt's (the header map, segment
		// copies, the signing string) and the returned claims; the budget
		// catches a regression such as per-call options or closures.
		if total-crypto > 45 {
			t.Errorf("%s: Verify allocates %.0f times beyond the signature check, budget 45", k.Alg, total-crypto)
		}
		t.Logf("%s: %.0f allocations per Verify, %.0f of them in the signature check", k.Alg, total, crypto)
	}
}

// TestVerifyAnyAudience covers the issuer's own verifier (introspection,
// revocation, UserInfo): any audience, but one must be there.
func TestVerifyAnyAudience(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := NewVerifier(f.set.Lookup, VerifyOptions{Issuer: testIssuer, Audiences: []string{testAudience}, AnyAudience: true}); err == nil {
		t.Error("NewVerifier accepted AnyAudience together with Audiences")
	}
	v := testVerifier(t, f.set.Lookup, func(o *VerifyOptions) { o.Audiences = nil; o.AnyAudience = true })
	for _, aud := range []any{testAudience, "https://other.test", []string{"a", "b"}, []string{"", "b"}} {
		mustVerify(t, v, forge(t, validHeader(f.es), with(validPayload(), "aud", aud), byKey(f.es)))
	}
	for _, aud := range []any{nil, "", []string{}, []string{""}, []string{"", ""}} {
		c, err := v.Verify(forge(t, validHeader(f.es), with(validPayload(), "aud", aud), byKey(f.es)))
		wantReject(t, c, err, ErrWrongAudience)
	}
	// Everything else is still checked.
	c, err := v.Verify(forge(t, validHeader(f.es), with(validPayload(), "iss", "https://evil.test"), byKey(f.es)))
	wantReject(t, c, err, ErrWrongIssuer)
	c, err = v.Verify(forge(t, with(validHeader(f.es), "typ", "JWT"), validPayload(), byKey(f.es)))
	wantReject(t, c, err, ErrWrongType)
}
