package token

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestMintVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, k := range []*Key{f.es, f.rs, f.ed} {
		t.Run(string(k.Alg), func(t *testing.T) {
			t.Parallel()
			m := testMinter(singleKeySet(t, k))
			in := Claims{
				Subject:  "user-42",
				Audience: []string{testAudience, "https://other.test"},
				ClientID: "cli-7",
				Scopes:   []string{"read", "write", "admin:keys"},
				Roles:    []string{"admin", "analyst"},
				Extra: map[string]any{
					"auth_time":  float64(t0.Add(-time.Hour).Unix()),
					"acr":        "urn:rampart:acr:mfa",
					"amr":        []any{"pwd", "otp"},
					"cnf":        map[string]any{"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"},
					"Sub-tenant": true,
				},
			}
			raw, minted, err := m.Mint(in, 15*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			want := in
			want.Issuer = testIssuer
			want.IssuedAt, want.NotBefore, want.ExpiresAt = t0, t0, t0.Add(15*time.Minute)
			want.ID = minted.ID
			if !claimsEqual(minted, want) {
				t.Errorf("Mint returned\n%+v\nwant\n%+v", minted, want)
			}
			got := mustVerify(t, f.v, raw)
			if !claimsEqual(*got, minted) {
				t.Errorf("Verify returned\n%+v\nMint returned\n%+v", *got, minted)
			}
			if len(minted.ID) != 22 {
				t.Errorf("jti %q is not 128 bits in base64url", minted.ID)
			}
		})
	}
}

func TestMintHeaderAndPayloadLayout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	raw := f.valid(t, f.es)
	h, p, _ := parts(t, raw)
	var hdr map[string]any
	if err := json.Unmarshal(decodeSeg(t, h), &hdr); err != nil {
		t.Fatal(err)
	}
	wantHdr := map[string]any{"alg": "ES256", "kid": f.es.ID, "typ": "at+jwt"}
	if len(hdr) != len(wantHdr) {
		t.Errorf("header %v, want exactly %v", hdr, wantHdr)
	}
	for k, v := range wantHdr {
		if hdr[k] != v {
			t.Errorf("header %s = %v, want %v", k, hdr[k], v)
		}
	}
	var pay map[string]any
	if err := json.Unmarshal(decodeSeg(t, p), &pay); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]any{
		"iss": testIssuer, "sub": "user-42", "aud": testAudience, "client_id": "cli-7",
		"scope": "read write", "exp": float64(t0.Add(10 * time.Minute).Unix()),
		"iat": float64(t0.Unix()), "nbf": float64(t0.Unix()),
	} {
		if pay[name] != want {
			t.Errorf("claim %s = %#v, want %#v", name, pay[name], want)
		}
	}
	if roles, _ := pay["roles"].([]any); len(roles) != 1 || roles[0] != "admin" {
		t.Errorf("roles = %#v", pay["roles"])
	}

	// Several audiences travel as an array; no scope or roles means no claim.
	c := Claims{Subject: "s", ClientID: "c", Audience: []string{"a", "b"}}
	raw, _, err := testMinter(f.set).Mint(c, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_, p, _ = parts(t, raw)
	pay = nil
	if err := json.Unmarshal(decodeSeg(t, p), &pay); err != nil {
		t.Fatal(err)
	}
	if aud, _ := pay["aud"].([]any); len(aud) != 2 {
		t.Errorf("aud = %#v, want an array of two", pay["aud"])
	}
	for _, absent := range []string{"scope", "roles"} {
		if _, ok := pay[absent]; ok {
			t.Errorf("claim %s present without a value", absent)
		}
	}
}

func TestMintRefusesBadClaims(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := testMinter(f.set)
	big := make(map[string]any)
	for i := range maxExtraClaims + 1 {
		big["x"+itoa(int64(i))] = i
	}
	for _, tc := range []struct {
		name string
		edit func(*Claims)
		ttl  time.Duration
	}{
		{"no sub", func(c *Claims) { c.Subject = "" }, time.Minute},
		{"no client_id", func(c *Claims) { c.ClientID = "" }, time.Minute},
		{"no aud", func(c *Claims) { c.Audience = nil }, time.Minute},
		{"empty aud", func(c *Claims) { c.Audience = []string{testAudience, ""} }, time.Minute},
		{"zero ttl", func(*Claims) {}, 0},
		{"negative ttl", func(*Claims) {}, -time.Minute},
		{"foreign iss", func(c *Claims) { c.Issuer = "https://evil.test" }, time.Minute},
		{"caller iat", func(c *Claims) { c.IssuedAt = t0 }, time.Minute},
		{"caller nbf", func(c *Claims) { c.NotBefore = t0 }, time.Minute},
		{"caller exp", func(c *Claims) { c.ExpiresAt = t0.Add(time.Hour) }, time.Minute},
		{"caller jti", func(c *Claims) { c.ID = "chosen" }, time.Minute},
		{"scope with space", func(c *Claims) { c.Scopes = []string{"read write"} }, time.Minute},
		{"empty scope", func(c *Claims) { c.Scopes = []string{""} }, time.Minute},
		{"scope with quote", func(c *Claims) { c.Scopes = []string{`a"b`} }, time.Minute},
		{"empty role", func(c *Claims) { c.Roles = []string{""} }, time.Minute},
		{"extra iss", func(c *Claims) { c.Extra = map[string]any{"iss": "https://evil.test"} }, time.Minute},
		{"extra EXP", func(c *Claims) { c.Extra = map[string]any{"EXP": 1} }, time.Minute},
		{"extra Client_ID", func(c *Claims) { c.Extra = map[string]any{"Client_ID": "x"} }, time.Minute},
		{"extra roles", func(c *Claims) { c.Extra = map[string]any{"roles": []string{"admin"}} }, time.Minute},
		{"extra empty name", func(c *Claims) { c.Extra = map[string]any{"": 1} }, time.Minute},
		{"too many extra", func(c *Claims) { c.Extra = big }, time.Minute},
		{"oversized", func(c *Claims) { c.Extra = map[string]any{"pad": strings.Repeat("x", MaxTokenSize)} }, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := accessClaims()
			tc.edit(&c)
			raw, got, err := m.Mint(c, tc.ttl)
			if !errors.Is(err, ErrInvalidClaims) {
				t.Fatalf("Mint = %q, %v; want ErrInvalidClaims", raw, err)
			}
			if raw != "" || !claimsEqual(got, Claims{}) {
				t.Errorf("Mint returned %q, %+v with an error", raw, got)
			}
		})
	}
	// A minter without an issuer signs nothing.
	noIss := NewMinter(func() *KeySet { return f.set }, "", WithClock(clockAt(t0)))
	if _, _, err := noIss.Mint(accessClaims(), time.Minute); !errors.Is(err, ErrInvalidClaims) {
		t.Errorf("Mint without issuer: %v", err)
	}
	if _, err := noIss.MintJWT(TypeJWT, map[string]any{"exp": t0.Unix()}); !errors.Is(err, ErrInvalidClaims) {
		t.Errorf("MintJWT without issuer: %v", err)
	}
	// An unmarshalable extra value fails cleanly.
	c := accessClaims()
	c.Extra = map[string]any{"ch": make(chan int)}
	if _, _, err := m.Mint(c, time.Minute); err == nil {
		t.Error("Mint signed a channel")
	}
}

func TestMintSignsWithTheScheduledKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// At t0 es signs and future is scheduled for t0+2h; a minter whose clock
	// is past that switches even though the snapshot is from t0.
	for _, tc := range []struct {
		at   time.Time
		want *Key
	}{
		{t0, f.es},
		{t0.Add(2*time.Hour - time.Second), f.es},
		{t0.Add(2 * time.Hour), f.future},
	} {
		m := NewMinter(func() *KeySet { return f.set }, testIssuer, WithClock(clockAt(tc.at)))
		raw, _, err := m.Mint(accessClaims(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		h, _, _ := parts(t, raw)
		if !strings.Contains(string(decodeSeg(t, h)), `"kid":"`+tc.want.ID+`"`) {
			t.Errorf("at %s signed with header %s, want kid %s", tc.at, decodeSeg(t, h), tc.want.ID)
		}
	}
}

func TestMintClampsExpiryToRetirement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	retire := t0.Add(5 * time.Minute)
	ks := mustKeySet(t, []KeyRecord{record(t, f.es, t0.Add(-time.Hour), t0.Add(-time.Hour), retire)}, t0)
	m := testMinter(ks)
	raw, c, err := m.Mint(accessClaims(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !c.ExpiresAt.Equal(retire) {
		t.Errorf("exp = %s, want the key's RetireAt %s", c.ExpiresAt, retire)
	}
	got := mustVerify(t, testVerifier(t, ks.Lookup), raw)
	if !got.ExpiresAt.Equal(retire) {
		t.Errorf("verified exp = %s", got.ExpiresAt)
	}
	// A key retiring within the current second leaves no whole second of
	// validity: Mint refuses rather than issue an already expired token.
	retire = t0.Add(5*time.Minute + time.Second/2)
	ks = mustKeySet(t, []KeyRecord{record(t, f.es, t0.Add(-time.Hour), t0.Add(-time.Hour), retire)}, t0)
	m = NewMinter(func() *KeySet { return ks }, testIssuer, WithClock(clockAt(t0.Add(5*time.Minute+time.Second/4))))
	if _, _, err := m.Mint(accessClaims(), time.Hour); !errors.Is(err, ErrNoSigningKey) {
		t.Errorf("Mint in the key's last second: %v, want ErrNoSigningKey", err)
	}
}

func TestMintWithoutSigningKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	retiring := mustKeySet(t, []KeyRecord{record(t, f.es, t0.Add(-time.Hour), t0.Add(-time.Hour), t0.Add(time.Hour))}, t0)
	for name, m := range map[string]*Minter{
		"nil key set":    NewMinter(func() *KeySet { return nil }, testIssuer),
		"all retired":    NewMinter(func() *KeySet { return retiring }, testIssuer, WithClock(clockAt(t0.Add(2*time.Hour)))),
		"before any key": NewMinter(func() *KeySet { return f.set }, testIssuer, WithClock(clockAt(t0.AddDate(-1, 0, 0)))),
	} {
		if _, _, err := m.Mint(accessClaims(), time.Minute); !errors.Is(err, ErrNoSigningKey) {
			t.Errorf("%s: Mint: %v, want ErrNoSigningKey", name, err)
		}
	}
	// A KeySet built from verify-only keys cannot sign.
	pub := f.es.publicOnly()
	if _, err := sign(pub, TypeAccessToken, jwt.MapClaims{}); !errors.Is(err, ErrNoPrivateKey) {
		t.Errorf("sign with a public key: %v", err)
	}
}

func TestMintJWT(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := testMinter(f.set)
	idClaims := map[string]any{
		"sub": "user-42", "aud": "cli-7", "exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix(),
		"nonce": "n-0S6_WzA2Mj", "azp": "cli-7",
	}
	raw, err := m.MintJWT(TypeJWT, idClaims)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := idClaims["iss"]; ok {
		t.Error("MintJWT modified the caller's map")
	}
	idv := testVerifier(t, f.set.Lookup, func(o *VerifyOptions) { o.Type = TypeJWT; o.Audiences = []string{"cli-7"} })
	c := mustVerify(t, idv, raw)
	if c.Issuer != testIssuer || c.Subject != "user-42" || c.Extra["nonce"] != "n-0S6_WzA2Mj" {
		t.Errorf("ID token claims %+v", c)
	}
	// An ID token verifier refuses access tokens.
	at := f.valid(t, f.es)
	c, err = testVerifier(t, f.set.Lookup, func(o *VerifyOptions) { o.Type = TypeJWT }).Verify(at)
	wantReject(t, c, err, ErrWrongType)

	for _, tc := range []struct {
		name   string
		typ    string
		claims map[string]any
	}{
		{"no typ", "", idClaims},
		{"access token typ", "at+jwt", idClaims},
		{"access token typ, other spelling", "Application/AT+JWT", idClaims},
		{"no exp", TypeJWT, with(idClaims, "exp", nil)},
		{"string exp", TypeJWT, with(idClaims, "exp", "tomorrow")},
		{"nil NumericDate exp", TypeJWT, with(idClaims, "exp", (*jwt.NumericDate)(nil))},
		{"foreign iss", TypeJWT, with(idClaims, "iss", "https://evil.test")},
		{"iss not a string", TypeJWT, with(idClaims, "iss", 7)},
		{"oversized", TypeJWT, with(idClaims, "pad", strings.Repeat("x", MaxTokenSize))},
	} {
		if raw, err := m.MintJWT(tc.typ, tc.claims); !errors.Is(err, ErrInvalidClaims) {
			t.Errorf("%s: MintJWT = %q, %v; want ErrInvalidClaims", tc.name, raw, err)
		}
	}
}

func TestMintIDsAreUniqueAndFromTheReader(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := testMinter(f.set)
	seen := make(map[string]bool)
	for range 500 {
		_, c, err := m.Mint(accessClaims(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if seen[c.ID] {
			t.Fatalf("jti %q repeated", c.ID)
		}
		seen[c.ID] = true
	}
	_, c, err := testMinter(f.set, WithRand(repeatReader(0))).Mint(accessClaims(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "AAAAAAAAAAAAAAAAAAAAAA" {
		t.Errorf("jti %q does not come from the injected reader", c.ID)
	}
	_, _, err = testMinter(f.set, WithRand(strings.NewReader("short"))).Mint(accessClaims(), time.Minute)
	if err == nil {
		t.Error("Mint succeeded with an exhausted reader")
	}
}

// TestMintVerifyConcurrent shares one Minter and one Verifier between
// goroutines; run with -race. The reader is a ChaCha8, which is not safe
// for concurrent use on its own.
func TestMintVerifyConcurrent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, k := range []*Key{f.es, f.ed} {
		m := testMinter(singleKeySet(t, k), WithRand(rand.NewChaCha8([32]byte{1})))
		var wg sync.WaitGroup
		var mu sync.Mutex
		ids := make(map[string]bool)
		for g := range 8 {
			wg.Go(func() {
				for i := range 25 {
					c := accessClaims()
					c.Subject = "user-" + itoa(int64(g*100+i))
					raw, minted, err := m.Mint(c, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					got, err := f.v.Verify(raw)
					if err != nil {
						t.Error(err)
						return
					}
					if !claimsEqual(*got, minted) {
						t.Errorf("claims differ: %+v vs %+v", got, minted)
					}
					mu.Lock()
					if ids[minted.ID] {
						t.Errorf("jti %q repeated", minted.ID)
					}
					ids[minted.ID] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
}

// TestMintPicksTheKeyAtTheRealInstant: a key created at a fractional second
// signs from that instant, though the token's iat is rounded down.
func TestMintPicksTheKeyAtTheRealInstant(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	created := t0.Add(600 * time.Millisecond)
	ks := mustKeySet(t, []KeyRecord{record(t, f.es, created, created, time.Time{})}, created)
	m := NewMinter(func() *KeySet { return ks }, testIssuer, WithClock(clockAt(created.Add(100*time.Millisecond))))
	raw, c, err := m.Mint(accessClaims(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !c.IssuedAt.Equal(t0) {
		t.Errorf("iat %s, want %s", c.IssuedAt, t0)
	}
	mustVerify(t, testVerifier(t, ks.Lookup, func(o *VerifyOptions) { o.Now = clockAt(created.Add(time.Second)) }), raw)
}

// TestAccessPayloadEncodesLikeTheMap pins Mint's payload bytes: the struct
// Mint encodes when there are no Extra claims must give exactly the JSON of
// the map it uses otherwise, so the layout (and the committed fuzz seeds)
// do not depend on which path a token took.
func TestAccessPayloadEncodesLikeTheMap(t *testing.T) {
	t.Parallel()
	for _, c := range []Claims{
		{Subject: "user-42", ClientID: "cli-7", Audience: []string{testAudience}, Scopes: []string{"read", "write"}, Roles: []string{"admin"}},
		{Subject: "s", ClientID: "c", Audience: []string{"a", "b"}},
		{Subject: "<&>\u2028\"é", ClientID: "c\\", Audience: []string{"a"}, Roles: []string{}},
	} {
		c.Issuer, c.ID = testIssuer, "jti-1"
		c.IssuedAt, c.NotBefore, c.ExpiresAt = t0, t0, t0.Add(time.Hour)
		got, err := json.Marshal(accessPayloadOf(&c))
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(accessClaimsMap(&c))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("struct payload\n%s\nmap payload\n%s", got, want)
		}
	}
}
