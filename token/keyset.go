package token

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"
)

// KeyRecord is a signing key as the caller persists it. The caller stores
// records (in SQL, with PrivateDER encrypted under the master key) and hands
// them back to NewKeySet and PlanRotation; this package never touches
// storage.
//
// A KeyRecord never prints PrivateDER: String, GoString, Format, LogValue and
// MarshalJSON leave it out.
type KeyRecord struct {
	// ID is the kid.
	ID string
	// Alg is the key's only algorithm.
	Alg Alg
	// PrivateDER is the PKCS#8 private key. It may be nil once the record is
	// retired: NewKeySet does not read retired records' keys.
	PrivateDER []byte
	// CreatedAt is when the key was made; it is published (in the JWKS, and
	// accepted for verification) from then on.
	CreatedAt time.Time
	// ActiveAt is when the key starts signing. It is never before CreatedAt.
	ActiveAt time.Time
	// RetireAt is when the key stops being published; zero means not
	// scheduled. From RetireAt on, tokens it signed no longer verify.
	RetireAt time.Time
}

// retiredAt reports whether the record is retired at t.
func (r *KeyRecord) retiredAt(t time.Time) bool {
	return !r.RetireAt.IsZero() && !t.Before(r.RetireAt)
}

// publishedAt reports whether the record's key verifies tokens at t.
func (r *KeyRecord) publishedAt(t time.Time) bool {
	return !t.Before(r.CreatedAt) && !r.retiredAt(t)
}

// String describes the record without its private key.
func (r KeyRecord) String() string {
	return fmt.Sprintf("token.KeyRecord{ID:%q Alg:%s PrivateDER:REDACTED CreatedAt:%s ActiveAt:%s RetireAt:%s}",
		r.ID, r.Alg, stamp(r.CreatedAt), stamp(r.ActiveAt), stamp(r.RetireAt))
}

// GoString is String.
func (r KeyRecord) GoString() string { return r.String() }

// Format prints String for every fmt verb.
func (r KeyRecord) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue implements slog.LogValuer without the private key.
func (r KeyRecord) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", r.ID),
		slog.String("alg", string(r.Alg)),
		slog.Time("created_at", r.CreatedAt),
		slog.Time("active_at", r.ActiveAt),
		slog.Time("retire_at", r.RetireAt),
	)
}

// MarshalJSON encodes the record's schedule without the private key, so a
// record can be logged or shown as JSON safely. It cannot be used to
// persist a record.
func (r KeyRecord) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID        string    `json:"id"`
		Alg       Alg       `json:"alg"`
		CreatedAt time.Time `json:"created_at"`
		ActiveAt  time.Time `json:"active_at"`
		RetireAt  time.Time `json:"retire_at,omitzero"`
	}{r.ID, r.Alg, r.CreatedAt, r.ActiveAt, r.RetireAt})
}

// KeyState is where a key is in its life at a given time.
type KeyState string

// The key states, in life order.
const (
	// StateNext is a key that does not sign yet; it is published from its
	// CreatedAt on.
	StateNext KeyState = "next"
	// StateSigning is the key new tokens are signed with.
	StateSigning KeyState = "signing"
	// StateVerifyOnly is a superseded key, still published so that the
	// tokens it signed keep verifying until they expire.
	StateVerifyOnly KeyState = "verify-only"
	// StateRetired is a key no longer published; its tokens are refused.
	StateRetired KeyState = "retired"
)

// KeyInfo describes one key for `rampart keys list`. It holds no key material.
type KeyInfo struct {
	// ID is the kid.
	ID string `json:"id"`
	// Alg is the key's algorithm.
	Alg Alg `json:"alg"`
	// State is the key's state at the KeySet's time.
	State KeyState `json:"state"`
	// CreatedAt, ActiveAt and RetireAt are the record's schedule; RetireAt
	// is zero (and omitted from JSON) when not scheduled.
	CreatedAt time.Time `json:"created_at"`
	ActiveAt  time.Time `json:"active_at"`
	RetireAt  time.Time `json:"retire_at,omitzero"`
}

// info returns the record's KeyInfo in state s.
func (r *KeyRecord) info(s KeyState) KeyInfo {
	return KeyInfo{ID: r.ID, Alg: r.Alg, State: s, CreatedAt: r.CreatedAt, ActiveAt: r.ActiveAt, RetireAt: r.RetireAt}
}

// KeySet is an immutable snapshot of the keys at one instant: the key that
// signs and every published key. It is safe for concurrent use. Callers
// rebuild it from their records on a timer and after every rotation; the
// refresh interval must be shorter than the rotation overlap (see
// PlanRotation).
type KeySet struct {
	now       time.Time
	entries   []entry // every record, in schedule order (see scheduleLess)
	signing   *Key
	published map[string]*Key // verification-only copies
	jwks      []byte
	infos     []KeyInfo
}

// entry is one record in a KeySet; key is nil for a record retired at the
// snapshot time, whose private key is never parsed.
type entry struct {
	rec KeyRecord
	key *Key
}

// scheduleLess orders records by ActiveAt, then CreatedAt, then ID: the
// later in this order, the newer the key.
func scheduleLess(a, b *KeyRecord) int {
	if c := a.ActiveAt.Compare(b.ActiveAt); c != 0 {
		return c
	}
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// NewKeySet parses the records and takes a snapshot at now.
//
// The signing key is the newest record (latest ActiveAt) with ActiveAt <= now
// that is not retired; a retired record is skipped, so cancelling a pending
// key by retiring it is safe. When there is none, NewKeySet fails with
// ErrNoSigningKey. A key is published when CreatedAt <= now and RetireAt is
// zero or after now. Every record that is not retired must carry a
// PrivateDER that parses and suits its Alg; ids must be unique.
func NewKeySet(records []KeyRecord, now time.Time) (*KeySet, error) {
	if err := checkRecords(records); err != nil {
		return nil, err
	}
	s := &KeySet{now: now, published: make(map[string]*Key)}
	s.entries = make([]entry, len(records))
	for i, r := range records {
		r.PrivateDER = nil // the parsed key is kept; the DER is the caller's
		s.entries[i].rec = r
		if records[i].retiredAt(now) {
			continue
		}
		k, err := ParsePrivate(r.ID, r.Alg, records[i].PrivateDER)
		if err != nil {
			return nil, fmt.Errorf("token: key set: %w", err)
		}
		s.entries[i].key = k
	}
	slices.SortFunc(s.entries, func(a, b entry) int { return scheduleLess(&a.rec, &b.rec) })

	signing, _, err := s.signingAt(now)
	if err != nil {
		return nil, err
	}
	s.signing = signing

	var pub []*Key
	for i := len(s.entries) - 1; i >= 0; i-- { // newest first
		e := &s.entries[i]
		state := StateVerifyOnly
		switch {
		case e.rec.retiredAt(now):
			state = StateRetired
		case e.key == signing:
			state = StateSigning
		case now.Before(e.rec.ActiveAt) || now.Before(e.rec.CreatedAt):
			state = StateNext
		}
		s.infos = append(s.infos, e.rec.info(state))
		if e.key != nil && e.rec.publishedAt(now) {
			p := e.key.publicOnly()
			s.published[p.ID] = p
			pub = append(pub, p)
		}
	}
	if s.jwks, err = marshalJWKS(pub); err != nil {
		return nil, fmt.Errorf("token: key set: %w", err)
	}
	return s, nil
}

// checkRecords validates ids, algorithms and schedules.
func checkRecords(records []KeyRecord) error {
	seen := make(map[string]bool, len(records))
	var errs []error
	for _, r := range records {
		if err := checkKeyID(r.ID); err != nil {
			errs = append(errs, fmt.Errorf("record %q: %w", r.ID, err))
			continue
		}
		if seen[r.ID] {
			errs = append(errs, fmt.Errorf("record %q: duplicate id", r.ID))
		}
		seen[r.ID] = true
		if !r.Alg.valid() {
			errs = append(errs, fmt.Errorf("record %q: %w: %q", r.ID, ErrUnsupportedAlg, r.Alg))
		}
		if r.CreatedAt.IsZero() || r.ActiveAt.IsZero() {
			errs = append(errs, fmt.Errorf("record %q: CreatedAt and ActiveAt are required", r.ID))
		} else if r.ActiveAt.Before(r.CreatedAt) {
			errs = append(errs, fmt.Errorf("record %q: ActiveAt %s is before CreatedAt %s", r.ID, stamp(r.ActiveAt), stamp(r.CreatedAt)))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("token: key records: %w", errors.Join(errs...))
	}
	return nil
}

// signingAt returns the key scheduled to sign at t and its RetireAt (zero if
// unscheduled): the newest record with ActiveAt <= t that is published at t.
func (s *KeySet) signingAt(t time.Time) (*Key, time.Time, error) {
	for i := len(s.entries) - 1; i >= 0; i-- {
		e := &s.entries[i]
		if t.Before(e.rec.ActiveAt) || e.key == nil || !e.rec.publishedAt(t) {
			continue
		}
		return e.key, e.rec.RetireAt, nil
	}
	return nil, time.Time{}, fmt.Errorf("%w at %s: every key is retired or not active yet", ErrNoSigningKey, stamp(t))
}

// Signing returns the key that signs at the snapshot time. It carries the
// private key: hand it only to code that signs.
func (s *KeySet) Signing() *Key { return s.signing }

// Lookup returns the published key with this kid, without its private part,
// for verification. It has the signature NewVerifier wants.
func (s *KeySet) Lookup(kid string) (*Key, bool) {
	k, ok := s.published[kid]
	return k, ok
}

// JWKS returns the published public keys as an RFC 7517 JWK Set: kty, crv,
// x, y (EC and OKP) or n, e (RSA), kid, alg and use "sig" for each, newest
// first, never a private member. The bytes are built once per KeySet; each
// call returns a fresh copy. Serve them with the Cache-Control header from
// JWKSCacheControl.
func (s *KeySet) JWKS() []byte { return slices.Clone(s.jwks) }

// Keys describes every record, retired ones included, newest first.
func (s *KeySet) Keys() []KeyInfo { return slices.Clone(s.infos) }

// Time returns the instant the snapshot was taken at.
func (s *KeySet) Time() time.Time { return s.now }

var (
	_ fmt.Stringer   = KeyRecord{}
	_ fmt.GoStringer = KeyRecord{}
	_ fmt.Formatter  = KeyRecord{}
	_ slog.LogValuer = KeyRecord{}
)
