package token_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/rampart-sec/rampart/token"
)

func Example() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	// A new ES256 key. Its PKCS#8 form is what the caller encrypts and stores.
	key, err := token.GenerateKey(token.ES256, nil)
	if err != nil {
		panic(err)
	}
	der, err := key.MarshalPrivate()
	if err != nil {
		panic(err)
	}
	records := []token.KeyRecord{{ID: key.ID, Alg: key.Alg, PrivateDER: der, CreatedAt: now, ActiveAt: now}}

	// Every node builds a KeySet from the stored records.
	keys, err := token.NewKeySet(records, now)
	if err != nil {
		panic(err)
	}

	// The authorization server mints...
	minter := token.NewMinter(func() *token.KeySet { return keys }, "https://id.example.com", token.WithClock(clock))
	raw, _, err := minter.Mint(token.Claims{
		Subject:  "user-42",
		Audience: []string{"https://api.example.com"},
		ClientID: "dashboard",
		Scopes:   []string{"orders:read"},
	}, 15*time.Minute)
	if err != nil {
		panic(err)
	}

	// ...and the resource server verifies.
	verifier, err := token.NewVerifier(keys.Lookup, token.VerifyOptions{
		Issuer:    "https://id.example.com",
		Audiences: []string{"https://api.example.com"},
		Now:       clock,
	})
	if err != nil {
		panic(err)
	}
	claims, err := verifier.Verify(raw)
	fmt.Println(claims.Subject, claims.ClientID, claims.Scopes, claims.ExpiresAt.Format(time.TimeOnly), err)

	// Twenty minutes later the token has expired. Clients see a 401; the
	// reason is for logs and metrics.
	now = now.Add(20 * time.Minute)
	_, err = verifier.Verify(raw)
	fmt.Println(errors.Is(err, token.ErrInvalidToken), errors.Is(err, token.ErrExpired))
	// Output:
	// user-42 dashboard [orders:read] 12:15:00 <nil>
	// true true
}

func ExamplePlanRotation() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const overlap, maxTokenLifetime = time.Hour, 15 * time.Minute

	// The first key signs at once.
	first, _, err := token.PlanRotation(nil, token.ES256, now, overlap, maxTokenLifetime, nil)
	if err != nil {
		panic(err)
	}
	records := []token.KeyRecord{first}

	// A month later, rotate: the caller stores next and the changed records
	// in one transaction.
	now = now.AddDate(0, 1, 0)
	next, changed, err := token.PlanRotation(records, token.ES256, now, overlap, maxTokenLifetime, nil)
	if err != nil {
		panic(err)
	}
	records = append(changed, next)
	fmt.Println("new key signs from", next.ActiveAt.Format(time.DateTime))
	fmt.Println("old key retires at", changed[0].RetireAt.Format(time.DateTime))

	name := map[string]string{first.ID: "old", next.ID: "new"}
	for _, at := range []time.Duration{0, overlap, overlap + maxTokenLifetime} {
		keys, err := token.NewKeySet(records, now.Add(at))
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s:", now.Add(at).Format(time.TimeOnly))
		for _, k := range keys.Keys() {
			fmt.Printf(" %s=%s", name[k.ID], k.State)
		}
		fmt.Println()
	}
	// Output:
	// new key signs from 2026-04-01 13:00:00
	// old key retires at 2026-04-01 13:15:00
	// 12:00:00: new=next old=signing
	// 13:00:00: new=signing old=verify-only
	// 13:15:00: new=signing old=retired
}

func ExampleJWKSCacheControl() {
	fmt.Println(token.JWKSCacheControl(token.DefaultJWKSMaxAge))
	// Output:
	// public, max-age=300, must-revalidate
}
