package token

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestKeySetStates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	want := []struct {
		key       *Key
		state     KeyState
		published bool
	}{ // newest first
		{f.future, StateNext, false},
		{f.es, StateSigning, true},
		{f.ed, StateVerifyOnly, true},
		{f.rs, StateVerifyOnly, true},
		{f.retired, StateRetired, false},
	}
	infos := f.set.Keys()
	if len(infos) != len(want) {
		t.Fatalf("Keys() has %d entries, want %d", len(infos), len(want))
	}
	for i, w := range want {
		got := infos[i]
		if got.ID != w.key.ID || got.Alg != w.key.Alg || got.State != w.state {
			t.Errorf("Keys()[%d] = %s %s %s, want %s %s %s", i, got.ID, got.Alg, got.State, w.key.ID, w.key.Alg, w.state)
		}
		k, ok := f.set.Lookup(w.key.ID)
		if ok != w.published {
			t.Errorf("Lookup(%s) published = %v, want %v", w.state, ok, w.published)
		}
		if ok && (k.Private != nil || k.ID != w.key.ID || k.Alg != w.key.Alg) {
			t.Errorf("Lookup(%s) = %v; want a verify-only copy", w.key.ID, k)
		}
	}
	if s := f.set.Signing(); s.ID != f.es.ID || s.Private == nil {
		t.Errorf("Signing() = %v, want %s with its private key", s, f.es.ID)
	}
	if !f.set.Time().Equal(t0) {
		t.Errorf("Time() = %s", f.set.Time())
	}
	// The snapshot is immutable: callers get copies.
	f.set.Keys()[0].State = StateRetired
	jwks := f.set.JWKS()
	jwks[0] = 'X'
	if f.set.Keys()[0].State != StateNext || f.set.JWKS()[0] != '{' {
		t.Error("KeySet changed through a returned slice")
	}
}

func TestKeySetStateTransitions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	created, active, retire := t0, t0.Add(time.Hour), t0.Add(3*time.Hour)
	old := record(t, f.ed, t0.Add(-24*time.Hour), t0.Add(-24*time.Hour), active.Add(time.Hour))
	rec := record(t, f.es, created, active, retire)
	// A successor takes over at t0+2h so that es is superseded before it retires.
	next := record(t, f.rs, t0.Add(time.Hour), t0.Add(2*time.Hour), time.Time{})
	for _, tc := range []struct {
		at   time.Time
		want KeyState
	}{
		{created, StateNext},
		{active.Add(-time.Nanosecond), StateNext},
		{active, StateSigning},
		{t0.Add(2*time.Hour - time.Nanosecond), StateSigning},
		{t0.Add(2 * time.Hour), StateVerifyOnly},
		{retire.Add(-time.Nanosecond), StateVerifyOnly},
		{retire, StateRetired},
	} {
		records := []KeyRecord{old, rec}
		if !tc.at.Before(next.CreatedAt) {
			records = append(records, next)
		}
		ks := mustKeySet(t, records, tc.at)
		var got KeyState
		for _, in := range ks.Keys() {
			if in.ID == f.es.ID {
				got = in.State
			}
		}
		if got != tc.want {
			t.Errorf("at %s: state %s, want %s", tc.at.Format(time.TimeOnly), got, tc.want)
		}
		_, published := ks.Lookup(f.es.ID)
		if published != (tc.want != StateRetired) {
			t.Errorf("at %s: published = %v", tc.at.Format(time.TimeOnly), published)
		}
	}
}

func TestNewKeySetErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hour := time.Hour
	ok := record(t, f.es, t0.Add(-hour), t0.Add(-hour), time.Time{})
	badDER := ok
	badDER.PrivateDER = []byte("junk")
	mismatched := record(t, f.rs, t0.Add(-2*hour), t0.Add(-2*hour), time.Time{})
	mismatched.Alg = ES256
	for _, tc := range []struct {
		name    string
		records []KeyRecord
		want    error
	}{
		{"no records", nil, ErrNoSigningKey},
		{"only a future key", []KeyRecord{record(t, f.es, t0.Add(hour), t0.Add(2*hour), time.Time{})}, ErrNoSigningKey},
		{"only retired keys", []KeyRecord{record(t, f.es, t0.Add(-2*hour), t0.Add(-2*hour), t0)}, ErrNoSigningKey},
		{"duplicate id", []KeyRecord{ok, ok}, nil},
		{"active before created", []KeyRecord{record(t, f.es, t0, t0.Add(-hour), time.Time{})}, nil},
		{"zero times", []KeyRecord{{ID: "k", Alg: ES256, PrivateDER: ok.PrivateDER}}, nil},
		{"unsupported alg", []KeyRecord{{ID: "k", Alg: "HS256", PrivateDER: ok.PrivateDER, CreatedAt: t0, ActiveAt: t0}}, ErrUnsupportedAlg},
		{"bad DER", []KeyRecord{badDER}, nil},
		{"RSA DER declared ES256", []KeyRecord{ok, mismatched}, ErrKeyMismatch},
		{"empty id", []KeyRecord{{Alg: ES256, PrivateDER: ok.PrivateDER, CreatedAt: t0, ActiveAt: t0}}, ErrKeyMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ks, err := NewKeySet(tc.records, t0)
			if err == nil {
				t.Fatalf("NewKeySet = %v, want an error", ks)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %q, want %q", err, tc.want)
			}
		})
	}
}

func TestNewKeySetIgnoresRetiredKeyMaterial(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	gone := record(t, f.rs, t0.Add(-48*time.Hour), t0.Add(-48*time.Hour), t0.Add(-time.Hour))
	gone.PrivateDER = nil // erased after retirement
	ks := mustKeySet(t, []KeyRecord{gone, record(t, f.es, t0.Add(-24*time.Hour), t0.Add(-24*time.Hour), time.Time{})}, t0)
	if _, ok := ks.Lookup(f.rs.ID); ok {
		t.Error("retired key published")
	}
	if got := ks.Keys()[1].State; got != StateRetired {
		t.Errorf("state %s", got)
	}
}

// TestKeySetSkipsCancelledKey: retiring a pending key cancels it; the
// current key keeps signing past the cancelled key's ActiveAt.
func TestKeySetSkipsCancelledKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	records := []KeyRecord{
		record(t, f.es, t0.Add(-48*time.Hour), t0.Add(-48*time.Hour), time.Time{}),
		record(t, f.ed, t0.Add(-time.Hour), t0.Add(time.Hour), t0), // cancelled at t0
	}
	for _, at := range []time.Time{t0, t0.Add(time.Hour), t0.Add(48 * time.Hour)} {
		ks := mustKeySet(t, records, at)
		if ks.Signing().ID != f.es.ID {
			t.Errorf("at %s the cancelled key signs", at)
		}
	}
	// PlanRotation ignores it too: the new key is scheduled after the live
	// key only, and the cancelled record is not touched.
	rec, changed, err := PlanRotation(records, ES256, t0, time.Minute, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.ActiveAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("new key active at %s", rec.ActiveAt)
	}
	if len(changed) != 1 || changed[0].ID != f.es.ID {
		t.Errorf("changed %v, want only the live key", changed)
	}
}

func TestKeySetSigningTieBreak(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Two records activating at the same instant: the later CreatedAt wins,
	// then the greater id, whatever the input order.
	a := record(t, f.es, t0.Add(-2*time.Hour), t0.Add(-time.Hour), time.Time{})
	b := record(t, f.ed, t0.Add(-90*time.Minute), t0.Add(-time.Hour), time.Time{})
	for _, records := range [][]KeyRecord{{a, b}, {b, a}} {
		if got := mustKeySet(t, records, t0).Signing().ID; got != f.ed.ID {
			t.Errorf("signing %s, want the later-created %s", got, f.ed.ID)
		}
	}
	b.CreatedAt = a.CreatedAt
	want := max(a.ID, b.ID)
	for _, records := range [][]KeyRecord{{a, b}, {b, a}} {
		if got := mustKeySet(t, records, t0).Signing().ID; got != want {
			t.Errorf("signing %s, want the greater id %s", got, want)
		}
	}
}

func TestKeySetIsDeterministic(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var records []KeyRecord
	for _, in := range f.set.Keys() {
		var k *Key
		for _, c := range []*Key{f.es, f.rs, f.ed, f.retired, f.future} {
			if c.ID == in.ID {
				k = c
			}
		}
		records = append(records, record(t, k, in.CreatedAt, in.ActiveAt, in.RetireAt))
	}
	want := f.set.JWKS()
	wantInfos := f.set.Keys()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		rng.Shuffle(len(records), func(i, j int) { records[i], records[j] = records[j], records[i] })
		ks := mustKeySet(t, records, t0)
		if got := ks.JWKS(); string(got) != string(want) {
			t.Fatalf("JWKS depends on record order:\n%s\n%s", got, want)
		}
		if !slices.Equal(ks.Keys(), wantInfos) {
			t.Fatal("Keys() depends on record order")
		}
	}
	if !strings.HasPrefix(string(want), `{"keys":[`) {
		t.Errorf("JWKS %s", want)
	}
}
