package token

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestPlanRotationFirstKeySignsAtOnce(t *testing.T) {
	t.Parallel()
	now := t0.Add(1500 * time.Millisecond)
	rec, changed, err := PlanRotation(nil, DefaultAlg, now, time.Hour, 15*time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 0 {
		t.Errorf("changed %v", changed)
	}
	want := t0.Add(time.Second)
	if !rec.CreatedAt.Equal(want) || !rec.ActiveAt.Equal(want) || !rec.RetireAt.IsZero() || rec.Alg != ES256 {
		t.Errorf("first record %v, want created and active at %s", rec, want)
	}
	ks := mustKeySet(t, []KeyRecord{rec}, now)
	if ks.Signing().ID != rec.ID {
		t.Error("first key does not sign")
	}
}

func TestPlanRotationSchedulesOverlapAndRetirement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	old := record(t, f.es, t0.Add(-48*time.Hour), t0.Add(-48*time.Hour), time.Time{})
	now := t0.Add(250 * time.Millisecond)
	overlap, life := 10*time.Minute+time.Second/2, 15*time.Minute
	rec, changed, err := PlanRotation([]KeyRecord{old}, RS256, now, overlap, life, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.CreatedAt.Equal(t0) || !rec.ActiveAt.Equal(t0.Add(10*time.Minute+time.Second)) || rec.Alg != RS256 {
		t.Errorf("new record %v", rec)
	}
	if rec.ActiveAt.Sub(now) < overlap {
		t.Errorf("new key signs %s after it is published, less than the overlap %s", rec.ActiveAt.Sub(now), overlap)
	}
	if _, err := ParsePrivate(rec.ID, rec.Alg, rec.PrivateDER); err != nil {
		t.Errorf("new record's key: %v", err)
	}
	if len(changed) != 1 || changed[0].ID != old.ID || !changed[0].RetireAt.Equal(rec.ActiveAt.Add(life)) {
		t.Fatalf("changed %v, want %s retiring at %s", changed, old.ID, rec.ActiveAt.Add(life))
	}
	if string(changed[0].PrivateDER) != string(old.PrivateDER) || !changed[0].ActiveAt.Equal(old.ActiveAt) {
		t.Error("PlanRotation changed more than RetireAt")
	}
	// Whole seconds, so that storage round trips do not move them.
	for _, tm := range []time.Time{rec.CreatedAt, rec.ActiveAt, changed[0].RetireAt} {
		if tm.Nanosecond() != 0 {
			t.Errorf("%s is not a whole second", tm)
		}
	}
}

func TestPlanRotationRetireAtRule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	life := time.Hour
	// A chain: retired, rs (superseded, RetireAt set), ed (signing), es pending.
	retired := record(t, f.retired, t0.Add(-72*time.Hour), t0.Add(-72*time.Hour), t0.Add(-time.Hour))
	rs := record(t, f.rs, t0.Add(-48*time.Hour), t0.Add(-48*time.Hour), t0.Add(5*time.Hour)) // extended by hand
	ed := record(t, f.ed, t0.Add(-24*time.Hour), t0.Add(-24*time.Hour), time.Time{})
	es := record(t, f.es, t0.Add(-time.Minute), t0.Add(2*time.Hour), time.Time{}) // a rotation is pending
	records := []KeyRecord{retired, rs, ed, es}

	// A second rotation while es is pending, with an overlap that would
	// activate the new key before es: it is scheduled after es instead.
	rec, changed, err := PlanRotation(records, EdDSA, t0, time.Minute, life, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.ActiveAt.Equal(es.ActiveAt.Add(time.Second)) {
		t.Errorf("new key active at %s, want one second after the pending key (%s)", rec.ActiveAt, es.ActiveAt)
	}
	got := map[string]time.Time{}
	for _, c := range changed {
		got[c.ID] = c.RetireAt
	}
	want := map[string]time.Time{
		ed.ID: es.ActiveAt.Add(life),  // superseded by es
		es.ID: rec.ActiveAt.Add(life), // superseded by the new key
	}
	if len(got) != len(want) {
		t.Fatalf("changed %v, want %v (rs keeps its RetireAt, retired is left alone)", got, want)
	}
	for id, w := range want {
		if !got[id].Equal(w) {
			t.Errorf("%s retires at %s, want %s", id, got[id], w)
		}
	}

	// An operator's early RetireAt is respected, not extended.
	early := ed
	early.RetireAt = t0.Add(time.Minute)
	_, changed, err = PlanRotation([]KeyRecord{early}, ES256, t0, time.Hour, life, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 0 {
		t.Errorf("changed %v; an existing RetireAt must be kept", changed)
	}
}

func TestPlanRotationRefusesBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ok := []KeyRecord{record(t, f.es, t0.Add(-time.Hour), t0.Add(-time.Hour), time.Time{})}
	for _, tc := range []struct {
		name            string
		records         []KeyRecord
		alg             Alg
		now             time.Time
		overlap, life   time.Duration
		wantUnsupported bool
	}{
		{"zero now", ok, ES256, time.Time{}, time.Minute, time.Hour, false},
		{"negative overlap", ok, ES256, t0, -time.Second, time.Hour, false},
		{"zero lifetime", ok, ES256, t0, time.Minute, 0, false},
		{"negative lifetime", ok, ES256, t0, time.Minute, -time.Hour, false},
		{"unsupported alg", ok, "HS256", t0, time.Minute, time.Hour, true},
		{"duplicate records", append(slices.Clone(ok), ok...), ES256, t0, time.Minute, time.Hour, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := PlanRotation(tc.records, tc.alg, tc.now, tc.overlap, tc.life, nil)
			if err == nil {
				t.Fatal("PlanRotation succeeded")
			}
			if tc.wantUnsupported && !errors.Is(err, ErrUnsupportedAlg) {
				t.Errorf("error %q, want ErrUnsupportedAlg", err)
			}
		})
	}
}

// history is what the caller's table holds over time: states[i] from at[i]
// until at[i+1].
type history struct {
	at     []time.Time
	states [][]KeyRecord
}

// push records the table's contents from time at on.
func (h *history) push(at time.Time, records []KeyRecord) {
	h.at = append(h.at, at)
	h.states = append(h.states, slices.Clone(records))
}

// recordsAt returns the table as it was at u.
func (h *history) recordsAt(u time.Time) []KeyRecord {
	i, found := slices.BinarySearchFunc(h.at, u, func(a, b time.Time) int { return a.Compare(b) })
	if !found {
		i--
	}
	// Several pushes at one instant: the last one is the table at u.
	for i+1 < len(h.at) && h.at[i+1].Equal(u) {
		i++
	}
	if i < 0 {
		return nil
	}
	return h.states[i]
}

// TestRotationScheduleProperty simulates many rotation histories with
// random gaps (none, shorter than the overlap, longer than a token's life)
// and random sub-second instants, and checks the two promises of
// PlanRotation against KeySets built from the table as it stood at each
// instant:
//
//  1. a token signed at s by the key then signing verifies (its kid is
//     published) at every instant until s + maxTokenLifetime, also end to
//     end through Mint and Verify;
//  2. every key is published at least overlap before it signs, and stays
//     visible from its publication on.
//
// It also checks that a signing key exists at every sampled instant.
func TestRotationScheduleProperty(t *testing.T) {
	t.Parallel()
	seeds := 24
	if testing.Short() || raceEnabled {
		seeds = 8 // the race detector makes each history ten times slower
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			checkRotationSchedule(t, seed)
		})
	}
}

// checkRotationSchedule runs one simulated history.
func checkRotationSchedule(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x7265746972))
	var keyRand [32]byte
	keyRand[0] = byte(seed)
	keys := rand.NewChaCha8(keyRand)
	pick := func(ds ...time.Duration) time.Duration { return ds[rng.IntN(len(ds))] }
	overlap := pick(0, 1500*time.Millisecond, 5*time.Minute, time.Hour)
	life := pick(time.Second, 2500*time.Millisecond, 15*time.Minute, 24*time.Hour)
	t.Logf("seed %d: overlap %s, max token lifetime %s", seed, overlap, life)
	uniform := func(d time.Duration) time.Duration {
		if d <= 0 {
			return 0
		}
		return time.Duration(rng.Int64N(int64(d)))
	}

	now := t0.Add(uniform(time.Second))
	var h history
	published := map[string]time.Time{} // when each record entered the table
	first, _, err := PlanRotation(nil, EdDSA, now, overlap, life, keys)
	if err != nil {
		t.Fatal(err)
	}
	records := []KeyRecord{first}
	h.push(now, records)
	published[first.ID] = now

	type signing struct {
		at  time.Time
		kid string
	}
	var signed []signing
	signingAt := func(s time.Time) {
		ks, err := NewKeySet(h.recordsAt(s), s)
		if err != nil {
			t.Fatalf("no key set at %s: %v", s, err)
		}
		signed = append(signed, signing{s, ks.Signing().ID})
	}

	scale := overlap + life
	for range 40 {
		var gap time.Duration
		switch r := rng.IntN(10); {
		case r == 0:
			gap = 0 // two rotations at one instant
		case r < 4:
			gap = uniform(overlap) // rotate again while the last key is pending
		default:
			gap = uniform(3 * scale)
		}
		for range 3 {
			signingAt(now.Add(uniform(gap)))
		}
		now = now.Add(gap)
		rec, changed, err := PlanRotation(records, EdDSA, now, overlap, life, keys)
		if err != nil {
			t.Fatal(err)
		}
		if rec.ActiveAt.Sub(now) < overlap {
			t.Fatalf("key %s signs %s after being published, overlap is %s", rec.ID, rec.ActiveAt.Sub(now), overlap)
		}
		if rec.CreatedAt.After(now) {
			t.Fatalf("key %s created in the future", rec.ID)
		}
		for _, c := range changed {
			i := slices.IndexFunc(records, func(r KeyRecord) bool { return r.ID == c.ID })
			if i < 0 || !records[i].RetireAt.IsZero() {
				t.Fatalf("PlanRotation changed %s, which had RetireAt %s", c.ID, records[i].RetireAt)
			}
			if !c.RetireAt.After(now) {
				t.Fatalf("PlanRotation retires %s at %s, not after now %s", c.ID, c.RetireAt, now)
			}
			records[i] = c
		}
		records = append(records, rec)
		h.push(now, records)
		published[rec.ID] = now
	}
	for range 10 {
		signingAt(now.Add(uniform(2 * scale)))
	}

	// Promise 1: every signed token's key stays published for its life.
	for _, s := range signed {
		for _, u := range []time.Time{s.at, s.at.Add(life - 1), s.at.Add(uniform(life)), s.at.Add(uniform(life))} {
			ks, err := NewKeySet(h.recordsAt(u), u)
			if err != nil {
				t.Fatalf("no key set at %s: %v", u, err)
			}
			if _, ok := ks.Lookup(s.kid); !ok {
				t.Fatalf("key %s signed at %s but is not published at %s (%s later, lifetime %s)",
					s.kid, s.at, u, u.Sub(s.at), life)
			}
		}
	}

	// Promise 2: published at least overlap before signing, and visible
	// from publication on.
	for _, r := range records[1:] {
		p := published[r.ID]
		if r.ActiveAt.Sub(p) < overlap {
			t.Fatalf("key %s published %s before it signs, overlap is %s", r.ID, r.ActiveAt.Sub(p), overlap)
		}
		for _, u := range []time.Time{p, p.Add(uniform(r.ActiveAt.Sub(p))), r.ActiveAt} {
			ks, err := NewKeySet(h.recordsAt(u), u)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := ks.Lookup(r.ID); !ok {
				t.Fatalf("key %s is not published at %s, between its creation %s and its activation %s", r.ID, u, p, r.ActiveAt)
			}
		}
	}

	// End to end: tokens minted at random instants with the full lifetime
	// verify throughout, with KeySets of their own instants on both sides.
	for i := range 12 {
		s := signed[rng.IntN(len(signed))].at
		ks := mustKeySet(t, h.recordsAt(s), s)
		raw, c, err := NewMinter(func() *KeySet { return ks }, testIssuer, WithClock(clockAt(s))).Mint(accessClaims(), life)
		if err != nil {
			t.Fatal(err)
		}
		if c.ExpiresAt.Sub(c.IssuedAt) < life {
			t.Fatalf("token %d: exp clamped to %s by the key's retirement", i, c.ExpiresAt)
		}
		for _, u := range []time.Time{s, c.ExpiresAt.Add(-1), c.IssuedAt.Add(uniform(c.ExpiresAt.Sub(c.IssuedAt)))} {
			vks := mustKeySet(t, h.recordsAt(u), u)
			v := testVerifier(t, vks.Lookup, func(o *VerifyOptions) { o.Now = clockAt(u); o.Leeway = time.Nanosecond })
			if _, err := v.Verify(raw); err != nil {
				t.Fatalf("token %d minted at %s does not verify at %s: %v", i, s, u, err)
			}
		}
	}
}
