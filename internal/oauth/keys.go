package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/token"
)

// KeyStore is what the signing key manager needs from storage.
type KeyStore interface {
	SigningKeys(ctx context.Context) ([]store.SigningKey, error)
	AddSigningKey(ctx context.Context, check func([]store.SigningKey) error, k store.SigningKey, retire []store.SigningKey) error
}

// Sealer encrypts private keys at rest under the master key.
type Sealer interface {
	Seal(ctx context.Context, name string, plaintext []byte) error
	Load(ctx context.Context, name string) ([]byte, error)
}

// KeyPolicy is how keys are made and rotated.
type KeyPolicy struct {
	Alg              token.Alg
	Overlap          time.Duration // a new key is published this long before it signs
	MaxTokenLifetime time.Duration // the longest lifetime of a token a key signs
}

// Keys manages the signing keys: it creates the first key, rotates, and keeps
// a current KeySet in memory, reloaded every reloadEvery so that rotations by
// other nodes and scheduled transitions take effect everywhere.
type Keys struct {
	st          KeyStore
	sealer      Sealer
	policy      KeyPolicy
	now         func() time.Time
	rand        io.Reader
	log         *slog.Logger
	reloadEvery time.Duration

	mu       sync.RWMutex
	set      *token.KeySet
	privates map[string][]byte // decrypted PKCS#8 by key id, so reloads do not decrypt again
}

// NewKeys returns a key manager; call Load before use.
func NewKeys(st KeyStore, sealer Sealer, policy KeyPolicy, now func() time.Time, random io.Reader, log *slog.Logger) *Keys {
	return &Keys{st: st, sealer: sealer, policy: policy, now: now, rand: random, log: log, reloadEvery: 30 * time.Second, privates: map[string][]byte{}}
}

func secretName(kid string) string { return "signing-key/" + kid }

// Load reads the keys, creating the first one (signing at once) on a new database.
func (k *Keys) Load(ctx context.Context) error {
	recs, err := k.records(ctx)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		if err := k.addFirst(ctx); err != nil && !errors.Is(err, errStalePlan) {
			return err
		}
		if recs, err = k.records(ctx); err != nil {
			return err
		}
	}
	set, err := token.NewKeySet(recs, k.now())
	if err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	k.mu.Lock()
	k.set = set
	k.mu.Unlock()
	return nil
}

// Current returns the key set as of the last load.
func (k *Keys) Current() *token.KeySet {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.set
}

// Lookup finds a published key by id; it is the Verifier's key function.
func (k *Keys) Lookup(kid string) (*token.Key, bool) { return k.Current().Lookup(kid) }

// Run reloads the key set until ctx ends.
func (k *Keys) Run(ctx context.Context) {
	t := time.NewTicker(k.reloadEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := k.Load(ctx); err != nil && ctx.Err() == nil {
				k.log.Error("reloading signing keys", "error", err)
			}
		}
	}
}

// Rotate publishes a new key now, signing after the overlap, and schedules
// the retirement of older keys once every token they signed has expired.
func (k *Keys) Rotate(ctx context.Context) (token.KeyRecord, error) {
	recs, err := k.records(ctx)
	if err != nil {
		return token.KeyRecord{}, err
	}
	var out token.KeyRecord
	err = k.addPlanned(ctx, recs, &out)
	if err != nil {
		return token.KeyRecord{}, err
	}
	return out, k.Load(ctx)
}

var errStalePlan = errors.New("signing keys changed meanwhile (another node rotated); run the rotation again")

// addFirst creates the very first key, signing at once.
func (k *Keys) addFirst(ctx context.Context) error {
	key, err := token.GenerateKey(k.policy.Alg, k.rand)
	if err != nil {
		return err
	}
	der, err := key.MarshalPrivate()
	if err != nil {
		return err
	}
	// Whole seconds: tokens carry second-precision times, and the minter picks
	// the key that signs at the token's (floored) iat.
	now := k.now().Truncate(time.Second)
	rec := token.KeyRecord{ID: key.ID, Alg: key.Alg, PrivateDER: der, CreatedAt: now, ActiveAt: now}
	return k.persist(ctx, nil, rec, nil)
}

func (k *Keys) addPlanned(ctx context.Context, recs []token.KeyRecord, out *token.KeyRecord) error {
	rec, changed, err := token.PlanRotation(recs, k.policy.Alg, k.now(), k.policy.Overlap, k.policy.MaxTokenLifetime, k.rand)
	if err != nil {
		return err
	}
	*out = rec
	return k.persist(ctx, recs, rec, changed)
}

// persist seals the private key, then records the key and the retirement
// changes in one transaction that fails if the keys changed since recs was read.
func (k *Keys) persist(ctx context.Context, recs []token.KeyRecord, rec token.KeyRecord, changed []token.KeyRecord) error {
	if err := k.sealer.Seal(ctx, secretName(rec.ID), rec.PrivateDER); err != nil {
		return fmt.Errorf("storing the new signing key: %w", err)
	}
	planned := map[string]bool{}
	for _, r := range recs {
		planned[r.ID] = true
	}
	check := func(cur []store.SigningKey) error {
		if len(cur) != len(planned) {
			return errStalePlan
		}
		for _, c := range cur {
			if !planned[c.ID] {
				return errStalePlan
			}
		}
		return nil
	}
	retire := make([]store.SigningKey, 0, len(changed))
	for _, c := range changed {
		retire = append(retire, store.SigningKey{ID: c.ID, RetireAt: c.RetireAt})
	}
	return k.st.AddSigningKey(ctx, check,
		store.SigningKey{ID: rec.ID, Alg: string(rec.Alg), CreatedAt: rec.CreatedAt, ActiveAt: rec.ActiveAt, RetireAt: rec.RetireAt}, retire)
}

// records reads the keys with their decrypted private halves.
func (k *Keys) records(ctx context.Context) ([]token.KeyRecord, error) {
	rows, err := k.st.SigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading signing keys: %w", err)
	}
	out := make([]token.KeyRecord, 0, len(rows))
	for _, r := range rows {
		k.mu.RLock()
		der, ok := k.privates[r.ID]
		k.mu.RUnlock()
		if !ok {
			if der, err = k.sealer.Load(ctx, secretName(r.ID)); err != nil {
				return nil, fmt.Errorf("signing key %s: %w", r.ID, err)
			}
			k.mu.Lock()
			k.privates[r.ID] = der
			k.mu.Unlock()
		}
		out = append(out, token.KeyRecord{ID: r.ID, Alg: token.Alg(r.Alg), PrivateDER: der, CreatedAt: r.CreatedAt, ActiveAt: r.ActiveAt, RetireAt: r.RetireAt})
	}
	return out, nil
}
