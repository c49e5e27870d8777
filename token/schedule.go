package token

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// PlanRotation plans a key rotation at now. It returns the new key's record
// and the existing records whose RetireAt it set; the caller stores both in
// one transaction and then rebuilds its KeySet. It reads no clock and
// touches no storage. random is passed to GenerateKey.
//
// The schedule it produces guarantees two things, for any sequence of
// rotations:
//
//  1. The new key is published (CreatedAt = now) at least overlap before it
//     signs (ActiveAt >= now + overlap), so every JWKS cache and every node's
//     KeySet knows it before the first token signed with it arrives. Choose
//     overlap >= the JWKS max-age (see JWKSCacheControl) + the KeySet refresh
//     interval + the verifier leeway. Overlap 0 is for emergencies: the new
//     key signs at once and verifiers with a cached JWKS refuse its tokens
//     until they refetch.
//  2. A token signed at t by the key then signing verifies until
//     t + maxTokenLifetime: a key that is superseded gets
//     RetireAt = (the ActiveAt of the key after it) + maxTokenLifetime, the
//     latest its tokens can expire. maxTokenLifetime must therefore be the
//     longest lifetime of any token signed with these keys (access and ID
//     tokens), plus the verifiers' leeway if tokens should also survive
//     clock skew at the very end of their life.
//
// RetireAt rule: only records whose RetireAt is zero get one. A record that
// already has RetireAt keeps it, whether it is later (a previous rotation
// with a longer lifetime, or an operator who extended it: shortening it
// would cut off tokens it has already signed) or earlier (an operator who
// retires a suspect key early means it). Each key's successor is fixed once
// it has one, because a new key always activates after every live key, so
// an existing RetireAt is never too early unless set by hand. Retired
// records are left alone.
//
// With no live record (the very first key, or every key retired) the new
// key signs at once: there is no key to sign with in the meantime, so
// waiting would only stop issuance.
//
// All times are whole seconds (CreatedAt rounded down, ActiveAt and RetireAt
// rounded up), so they survive any SQL timestamp type unchanged, and the new
// ActiveAt is at least one second after every live record's ActiveAt, so the
// newest key is always the one that ends up signing.
func PlanRotation(records []KeyRecord, alg Alg, now time.Time, overlap, maxTokenLifetime time.Duration, random io.Reader) (newRec KeyRecord, changed []KeyRecord, err error) {
	switch {
	case now.IsZero():
		return KeyRecord{}, nil, errors.New("token: plan rotation: now is zero")
	case overlap < 0:
		return KeyRecord{}, nil, fmt.Errorf("token: plan rotation: overlap %s is negative", overlap)
	case maxTokenLifetime <= 0:
		return KeyRecord{}, nil, fmt.Errorf("token: plan rotation: max token lifetime %s is not positive", maxTokenLifetime)
	}
	if err := checkRecords(records); err != nil {
		return KeyRecord{}, nil, fmt.Errorf("token: plan rotation: %w", err)
	}

	var live []KeyRecord
	for _, r := range records {
		if !r.retiredAt(now) {
			live = append(live, r)
		}
	}
	activeAt := ceilSecond(now.Add(overlap))
	if len(live) == 0 {
		// The first key (or the first after every key was retired): no
		// verifier knows any key yet, so there is nothing to overlap with.
		activeAt = floorSecond(now)
	}
	for _, r := range live {
		if !r.ActiveAt.Before(activeAt) {
			activeAt = floorSecond(r.ActiveAt).Add(time.Second)
		}
	}

	key, err := GenerateKey(alg, random)
	if err != nil {
		return KeyRecord{}, nil, fmt.Errorf("token: plan rotation: %w", err)
	}
	for _, r := range records {
		if r.ID == key.ID {
			return KeyRecord{}, nil, fmt.Errorf("token: plan rotation: new key id %q is already taken", key.ID)
		}
	}
	der, err := key.MarshalPrivate()
	if err != nil {
		return KeyRecord{}, nil, fmt.Errorf("token: plan rotation: %w", err)
	}
	newRec = KeyRecord{
		ID:         key.ID,
		Alg:        alg,
		PrivateDER: der,
		CreatedAt:  floorSecond(now),
		ActiveAt:   activeAt,
	}

	live = append(live, newRec)
	slices.SortFunc(live, func(a, b KeyRecord) int { return scheduleLess(&a, &b) })
	for i := range len(live) - 1 {
		r := live[i]
		if !r.RetireAt.IsZero() {
			continue
		}
		r.RetireAt = ceilSecond(live[i+1].ActiveAt.Add(maxTokenLifetime))
		changed = append(changed, r)
	}
	return newRec, changed, nil
}

// floorSecond drops the sub-second part of t.
func floorSecond(t time.Time) time.Time { return time.Unix(t.Unix(), 0).UTC() }

// ceilSecond rounds t up to a whole second.
func ceilSecond(t time.Time) time.Time {
	f := floorSecond(t)
	if f.Before(t) {
		return f.Add(time.Second)
	}
	return f
}
