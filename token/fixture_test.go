package token

import (
	"strings"
	"testing"
	"time"
)

// fixture is a key set at t0 with three published keys (es signs, rs and ed
// verify), a retired key, a key not published yet, the attacker's keys and
// a verifier for the test issuer and audience. Every key is a fixed test key
// from testdata/keys, so tokens built from a fixture are stable enough to
// commit as fuzz seeds.
type fixture struct {
	es, rs, ed          *Key
	retired, future     *Key
	atkES, atkRS, atkED *Key
	set                 *KeySet
	v                   *Verifier
}

// newFixture loads the test keys and builds the key set and verifier.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{
		es:      loadKey(t, "es256", ES256),
		rs:      loadKey(t, "rs256", RS256),
		ed:      loadKey(t, "eddsa", EdDSA),
		retired: loadKey(t, "retired-es256", ES256),
		future:  loadKey(t, "future-es256", ES256),
		atkES:   loadKey(t, "attacker-es256", ES256),
		atkRS:   loadKey(t, "attacker-rs256", RS256),
		atkED:   loadKey(t, "attacker-eddsa", EdDSA),
	}
	day := 24 * time.Hour
	f.set = mustKeySet(t, []KeyRecord{
		record(t, f.retired, t0.Add(-30*day), t0.Add(-30*day), t0.Add(-time.Hour)),
		record(t, f.rs, t0.Add(-20*day), t0.Add(-20*day), t0.Add(time.Hour)),
		record(t, f.ed, t0.Add(-10*day), t0.Add(-10*day), t0.Add(2*time.Hour)),
		record(t, f.es, t0.Add(-2*day), t0.Add(-day), time.Time{}),
		record(t, f.future, t0.Add(time.Hour), t0.Add(2*time.Hour), time.Time{}),
	}, t0)
	f.v = testVerifier(t, f.set.Lookup)
	return f
}

// repeatReader yields the same byte forever, for deterministic jti values.
type repeatReader byte

// Read implements io.Reader.
func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// valid mints the fixture's canonical valid access token signed by k. Its
// header and payload are the same on every run (fixed clock and jti); only
// an ECDSA signature changes.
func (f *fixture) valid(t testing.TB, k *Key) string {
	t.Helper()
	m := NewMinter(func() *KeySet { return singleKeySet(t, k) }, testIssuer,
		WithClock(clockAt(t0)), WithRand(repeatReader('k')))
	c := accessClaims()
	c.Roles = []string{"admin"}
	raw, _, err := m.Mint(c, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// signingInputs returns the header.payload of every token the fixture's own
// minting produces, the only inputs a Verify of a fixture token may accept.
func (f *fixture) signingInputs(t testing.TB) map[string]bool {
	t.Helper()
	in := make(map[string]bool)
	for _, k := range []*Key{f.es, f.rs, f.ed} {
		raw := f.valid(t, k)
		in[raw[:strings.LastIndexByte(raw, '.')]] = true
	}
	return in
}
