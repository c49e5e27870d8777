package fernet_test

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/rampart-sec/rampart/fernet"
)

// Fixed keys keep the examples' output stable. Real keys come from
// fernet.GenerateKey(nil) or Python's Fernet.generate_key().
const (
	oldKey = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
	newKey = "JUPwAwakFYB8wixcYjOAyzV0Moa269Y9xYShry2gr8Q="
)

// fixedIV stands in for crypto/rand so the token below never changes. Never
// do this outside a test: every token needs a fresh random IV.
func fixedIV() *bytes.Reader {
	return bytes.NewReader([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
}

func Example() {
	key, err := fernet.DecodeKey(oldKey)
	if err != nil {
		panic(err)
	}
	clock := func() time.Time { return time.Date(1985, 10, 26, 8, 20, 0, 0, time.UTC) }
	f, err := fernet.New([]*fernet.Key{key}, fernet.WithClock(clock), fernet.WithRand(fixedIV()))
	if err != nil {
		panic(err)
	}
	token, err := f.Encrypt([]byte("hello"))
	if err != nil {
		panic(err)
	}
	// This is the Fernet spec's generate.json vector, byte for byte.
	fmt.Printf("%s\n", token)

	plain, err := f.Decrypt(token, time.Minute)
	fmt.Printf("%s %v\n", plain, err)
	// Output:
	// gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==
	// hello <nil>
}

func ExampleFernet_Decrypt_ttl() {
	key, _ := fernet.DecodeKey(oldKey)
	start := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	now := start
	f, _ := fernet.New([]*fernet.Key{key}, fernet.WithClock(func() time.Time { return now }))
	token, _ := f.Encrypt([]byte("short-lived"))

	for _, age := range []time.Duration{0, 60 * time.Second, 61 * time.Second, -60 * time.Second, -61 * time.Second} {
		now = start.Add(age)
		plain, err := f.Decrypt(token, time.Minute)
		fmt.Printf("age %4s: %q %v\n", age, plain, err)
	}
	// Without a ttl, neither the age nor the clock-skew rule applies.
	now = start.Add(-time.Hour)
	plain, err := f.Decrypt(token, 0)
	fmt.Printf("no ttl, from an hour ahead: %q %v\n", plain, err)
	// Output:
	// age   0s: "short-lived" <nil>
	// age 1m0s: "short-lived" <nil>
	// age 1m1s: "" fernet: invalid token
	// age -1m0s: "short-lived" <nil>
	// age -1m1s: "" fernet: invalid token
	// no ttl, from an hour ahead: "short-lived" <nil>
}

func ExampleFernet_Rotate() {
	oldK, _ := fernet.DecodeKey(oldKey)
	newK, _ := fernet.DecodeKey(newKey)
	clock := func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }

	before, _ := fernet.New([]*fernet.Key{oldK}, fernet.WithClock(clock))
	token, _ := before.Encrypt([]byte("account 42"))

	// During rotation the new key comes first: it encrypts, both decrypt.
	during, _ := fernet.New([]*fernet.Key{newK, oldK})
	rotated, _ := during.Rotate(token)

	// Once every token is rotated, the old key can go.
	after, _ := fernet.New([]*fernet.Key{newK})
	plain, err := after.Decrypt(rotated, 0)
	fmt.Printf("%s %v\n", plain, err)
	ts, _ := after.Timestamp(rotated)
	fmt.Println("original timestamp kept:", ts)
	_, err = after.Decrypt(token, 0)
	fmt.Println("old token under the new key alone:", err)
	// Output:
	// account 42 <nil>
	// original timestamp kept: 2025-01-01 00:00:00 +0000 UTC
	// old token under the new key alone: fernet: invalid token
}

func ExampleDecodeKey() {
	if _, err := fernet.DecodeKey(oldKey + "\n"); err == nil {
		fmt.Println("surrounding whitespace is fine, as in Python")
	}
	_, err := fernet.DecodeKey("c2hvcnQ=")
	fmt.Println(err)
	fmt.Println(errors.Is(err, fernet.ErrInvalidKey))
	// Output:
	// surrounding whitespace is fine, as in Python
	// fernet: invalid key: decodes to 5 bytes, want 32
	// true
}

func ExampleKey_String() {
	key, _ := fernet.DecodeKey(oldKey)
	fmt.Println(key)
	fmt.Printf("%x %#v\n", key, key)
	fmt.Println(key.Encode()) // only when you mean it
	// Output:
	// fernet.Key(REDACTED)
	// fernet.Key(REDACTED) fernet.Key(REDACTED)
	// cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=
}

func ExampleGenerateKey() {
	key, err := fernet.GenerateKey(nil) // crypto/rand
	if err != nil {
		panic(err)
	}
	fmt.Println(len(key.Encode()))
	// Output: 44
}
